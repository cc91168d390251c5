// Downsampling of metric series for comparison charts. Twenty runs of 50,000
// batch metrics cannot all be drawn, but an averaging or stride downsampler
// hides exactly what a comparison looks for (a loss spike, the best epoch).
// Each of `budget` equal-width x buckets keeps its first, min, max and last
// point, so extremes and the curve's ends survive.

export interface SeriesPoint {
  x: number;
  y: number;
  /** Index in the original series. */
  i: number;
}

export interface Bucket {
  first: SeriesPoint;
  min: SeriesPoint;
  max: SeriesPoint;
  last: SeriesPoint;
  /** Points that fell in this bucket. */
  count: number;
}

/**
 * Splits the x range [x[0], x[n-1]] into `budget` equal-width buckets and
 * returns the non-empty ones in x order. `x` must be sorted ascending; ties
 * of min/max keep the earliest point.
 */
export function bucketize(x: ArrayLike<number>, y: ArrayLike<number>, budget: number): Bucket[] {
  const n = Math.min(x.length, y.length);
  if (n === 0) return [];
  const b = Math.max(1, Math.floor(budget));
  const x0 = x[0];
  const range = x[n - 1] - x0;
  const out: Bucket[] = [];
  let cur: Bucket | undefined;
  let curIndex = -1;
  for (let i = 0; i < n; i++) {
    // The last point belongs to the last bucket, not a bucket of its own.
    const k = range > 0 ? Math.min(b - 1, Math.floor(((x[i] - x0) * b) / range)) : 0;
    const p = { x: x[i], y: y[i], i };
    if (k !== curIndex || !cur) {
      cur = { first: p, min: p, max: p, last: p, count: 0 };
      out.push(cur);
      curIndex = k;
    }
    cur.count++;
    cur.last = p;
    if (p.y < cur.min.y) cur.min = p;
    if (p.y > cur.max.y) cur.max = p;
  }
  return out;
}

/**
 * The points to draw: each bucket's first, min, max and last, in x order,
 * each original point at most once. A series of at most `budget` points is
 * returned as it is.
 */
export function downsample(x: ArrayLike<number>, y: ArrayLike<number>, budget: number): { x: number[]; y: number[] } {
  const n = Math.min(x.length, y.length);
  if (n <= budget) return { x: Array.from({ length: n }, (_, i) => x[i]), y: Array.from({ length: n }, (_, i) => y[i]) };
  const ox: number[] = [];
  const oy: number[] = [];
  for (const b of bucketize(x, y, budget)) {
    // The same point may be first and min, or min and last: keep it once, in its original order.
    const picked = [...new Set([b.first, b.min, b.max, b.last])].sort((p, q) => p.i - q.i);
    for (const p of picked) (ox.push(p.x), oy.push(p.y));
  }
  return { x: ox, y: oy };
}

// ---- Step-aligned buckets, read from the metric rollup ---------------------
//
// The store keeps, for every series, fixed buckets of ROLLUP_STEPS steps
// with their first, min, max and last row (migrations/0006_scale.sql).
// A long series is drawn from display buckets made of whole rollup buckets:
// `g` consecutive 64-step slots each, g = ceil(slots spanned / budget), so at
// most `budget` display buckets, and each one's first/min/max/last follows
// from its slots' without reading a metric row. `bucketizeByStep` is the same
// thing computed from every row (the reference; tests hold the two equal).

/** Steps per rollup bucket: bucket = step >> 6. */
export const ROLLUP_STEPS = 64;

/** One metric row as the rollup keeps it; `row` is its rowid (ties and order). */
export interface StepPoint {
  row: number;
  step: number;
  epoch: number;
  value: number;
  t: number;
}

export interface StepBucket {
  first: StepPoint;
  min: StepPoint;
  max: StepPoint;
  last: StepPoint;
  count: number;
}

/** A rollup row: its 64-step slot and that slot's summary. */
export interface RollupBucket extends StepBucket {
  bucket: number;
}

const slotOf = (step: number) => Math.floor(step / ROLLUP_STEPS);
const before = (a: StepPoint, b: StepPoint) => a.step < b.step || (a.step === b.step && a.row < b.row);

/** Slots per display bucket for a series spanning slots `first`..`last`. */
export function slotsPerBucket(firstSlot: number, lastSlot: number, budget: number): number {
  return Math.max(1, Math.ceil((lastSlot - firstSlot + 1) / Math.max(1, Math.floor(budget))));
}

/**
 * The reference: display buckets of whole 64-step slots computed from every
 * row. `points` must be in (step, row) order; ties of min/max keep the
 * earliest point.
 */
export function bucketizeByStep(points: readonly StepPoint[], budget: number): StepBucket[] {
  if (points.length === 0) return [];
  const s0 = slotOf(points[0].step);
  const g = slotsPerBucket(s0, slotOf(points[points.length - 1].step), budget);
  const out: StepBucket[] = [];
  let cur: StepBucket | undefined;
  let curIndex = -1;
  for (const p of points) {
    const k = Math.floor((slotOf(p.step) - s0) / g);
    if (k !== curIndex || !cur) {
      cur = { first: p, min: p, max: p, last: p, count: 0 };
      out.push(cur);
      curIndex = k;
    }
    cur.count++;
    cur.last = p;
    if (p.value < cur.min.value) cur.min = p;
    if (p.value > cur.max.value) cur.max = p;
  }
  return out;
}

/** The same display buckets from the rollup's rows of one series, in slot order. */
export function mergeRollup(rows: readonly RollupBucket[], budget: number): StepBucket[] {
  if (rows.length === 0) return [];
  const s0 = rows[0].bucket;
  const g = slotsPerBucket(s0, rows[rows.length - 1].bucket, budget);
  const out: StepBucket[] = [];
  let cur: StepBucket | undefined;
  let curIndex = -1;
  for (const r of rows) {
    const k = Math.floor((r.bucket - s0) / g);
    if (k !== curIndex || !cur) {
      cur = { first: r.first, min: r.min, max: r.max, last: r.last, count: r.count };
      out.push(cur);
      curIndex = k;
      continue;
    }
    cur.count += r.count;
    // Slots come in step order, and each slot's min/max is already its earliest: strict comparisons keep the earliest.
    if (r.min.value < cur.min.value) cur.min = r.min;
    if (r.max.value > cur.max.value) cur.max = r.max;
    if (before(cur.last, r.last)) cur.last = r.last;
    if (before(r.first, cur.first)) cur.first = r.first;
  }
  return out;
}

/** The points to draw: each bucket's first, min, max and last, each row once, in (step, row) order. */
export function bucketPoints(buckets: readonly StepBucket[]): StepPoint[] {
  const out: StepPoint[] = [];
  for (const b of buckets) {
    const picked = [b.first, b.min, b.max, b.last];
    const seen = new Set<number>();
    const uniq = picked.filter((p) => !seen.has(p.row) && (seen.add(p.row), true));
    uniq.sort((p, q) => (before(p, q) ? -1 : before(q, p) ? 1 : 0));
    out.push(...uniq);
  }
  return out;
}

/**
 * mergeRollup then bucketPoints, straight from raw rollup rows laid out as
 * [bucket, n, then row, step, value of first, min, max, last], without an
 * object per point: what a comparison of many long runs reads (x = step).
 */
export function thinRollupRows(rows: readonly (readonly number[])[], budget: number): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  if (rows.length === 0) return { x, y };
  const s0 = rows[0][0];
  const g = slotsPerBucket(s0, rows[rows.length - 1][0], budget);
  // The open display bucket's four points: row, step, value each.
  let k = -1;
  let fR = 0, fS = 0, fV = 0, loR = 0, loS = 0, loV = 0, hiR = 0, hiS = 0, hiV = 0, lR = 0, lS = 0, lV = 0;
  const pr = [0, 0, 0, 0];
  const ps = [0, 0, 0, 0];
  const pv = [0, 0, 0, 0];
  const emit = () => {
    let m = 0;
    const add = (r: number, s: number, v: number) => {
      for (let j = 0; j < m; j++) if (pr[j] === r) return;
      // Insertion in (step, row) order.
      let j = m++;
      while (j > 0 && (ps[j - 1] > s || (ps[j - 1] === s && pr[j - 1] > r))) (pr[j] = pr[j - 1], ps[j] = ps[j - 1], pv[j] = pv[j - 1], j--);
      (pr[j] = r), (ps[j] = s), (pv[j] = v);
    };
    add(fR, fS, fV);
    add(loR, loS, loV);
    add(hiR, hiS, hiV);
    add(lR, lS, lV);
    for (let j = 0; j < m; j++) (x.push(ps[j]), y.push(pv[j]));
  };
  for (const r of rows) {
    const kk = Math.floor((r[0] - s0) / g);
    if (kk !== k) {
      if (k >= 0) emit();
      k = kk;
      [fR, fS, fV, loR, loS, loV, hiR, hiS, hiV, lR, lS, lV] = [r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13]];
      continue;
    }
    // As mergeRollup: slots in step order, each slot's min/max already its earliest.
    if (r[7] < loV) (loR = r[5]), (loS = r[6]), (loV = r[7]);
    if (r[10] > hiV) (hiR = r[8]), (hiS = r[9]), (hiV = r[10]);
    if (lS < r[12] || (lS === r[12] && lR < r[11])) (lR = r[11]), (lS = r[12]), (lV = r[13]);
    if (r[3] < fS || (r[3] === fS && r[2] < fR)) (fR = r[2]), (fS = r[3]), (fV = r[4]);
  }
  emit();
  return { x, y };
}

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

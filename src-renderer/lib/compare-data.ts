// The compare view's pure helpers (no runes, no API): run ids from the
// querystring, smoothing, aligning series on one x, the reconstruction data
// file, the heat-map colours and the tables' number formats. Unit-tested in
// compare-data.test.ts.

/** One colour per run, the same in every panel of the view (by the run's place in ?runs=). */
export const COMPARE_PALETTE = [
  '#2f6fdb', '#e67e22', '#27ae60', '#c0392b', '#8e44ad', '#16a085', '#d4a017', '#e84393', '#7f8c8d', '#2c3e50',
  '#6ab04c', '#eb4d4b', '#4834d4', '#be2edd', '#f0932b', '#22a6b3', '#95afc0', '#b33939', '#218c74', '#cc8e35',
];

export const LATENT_KINDS = ['autoencoder', 'ae-distill', 'vae', 'dirvae'];
export const RECON_DATA_NAME = 'recon/grid.f32';

/** Run ids from a querystring such as "runs=a,b,c" (duplicates and junk dropped). */
export function parseRunIds(querystring: string | undefined): string[] {
  const raw = new URLSearchParams(querystring ?? '').get('runs') ?? '';
  return [...new Set(raw.split(',').map((s) => s.trim().toLowerCase()).filter((s) => /^[0-9a-f]{1,32}$/.test(s)))];
}

export const compareHref = (ids: string[]) => `#/compare?runs=${ids.join(',')}`;

/** Exponential moving average, debiased at the start (TensorBoard's smoothing); nulls pass through. */
export function ema(y: ArrayLike<number | null>, weight: number): (number | null)[] {
  const out: (number | null)[] = new Array(y.length);
  let acc = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === null || !Number.isFinite(v)) {
      out[i] = null;
      continue;
    }
    if (weight <= 0) {
      out[i] = v;
      continue;
    }
    acc = acc * weight + (1 - weight) * v;
    n++;
    out[i] = acc / (1 - Math.pow(weight, n));
  }
  return out;
}

/**
 * Several (x, y...) tables on one sorted x: the union of their x values, each
 * column null where its table has no point at that x. Returns [x, ...columns].
 */
export function alignTables(tables: { x: ArrayLike<number>; ys: ArrayLike<number | null>[] }[]): (number | null)[][] {
  // Common case (runs logged at the same steps): one shared, strictly increasing x, nothing to merge.
  const x0 = tables[0]?.x;
  const sameX =
    x0 !== undefined &&
    tables.every((t) => t.x.length === x0.length && Array.prototype.every.call(t.x, (v: number, i: number) => v === x0[i])) &&
    Array.prototype.every.call(x0, (v: number, i: number) => i === 0 || v > x0[i - 1]);
  if (sameX) return [Array.from(x0), ...tables.flatMap((t) => t.ys.map((y) => Array.from(y)))];
  const xs = [...new Set(tables.flatMap((t) => Array.from(t.x)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const out: (number | null)[][] = [xs];
  for (const t of tables) {
    for (const y of t.ys) {
      const col: (number | null)[] = new Array(xs.length).fill(null);
      // Downsampled series can repeat an x (first/min/max/last of one bucket): the last one wins.
      for (let i = 0; i < t.x.length; i++) col[at.get(t.x[i])!] = y[i];
      out.push(col);
    }
  }
  return out;
}

export interface ReconData {
  n: number;
  rows: number;
  cols: number;
  originals: Float32Array;
  reconstructions: Float32Array;
}

/** Bytes of a data: URL (base64). */
export function dataUrlBytes(dataUrl: string): Uint8Array {
  const b64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The recon data file (float32 [2, n, rows, cols], little-endian) from its bytes and artifact meta. */
export function decodeReconData(bytes: Uint8Array, meta: Record<string, unknown>): ReconData {
  const rows = Number(meta.rows ?? 28);
  const cols = Number(meta.cols ?? 28);
  const size = rows * cols;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.floor(bytes.byteLength / 4);
  const all = new Float32Array(count);
  for (let i = 0; i < count; i++) all[i] = view.getFloat32(i * 4, true);
  const n = Math.min(Number(meta.n ?? Math.floor(count / (2 * size))), Math.floor(count / (2 * size)));
  return { n, rows, cols, originals: all.subarray(0, n * size), reconstructions: all.subarray(n * size, 2 * n * size) };
}

/** Mean squared error between image i of a and of b (each [n, size]). */
export function imageMse(a: Float32Array, b: Float32Array, i: number, size: number): number {
  let s = 0;
  for (let k = i * size; k < (i + 1) * size; k++) s += (a[k] - b[k]) ** 2;
  return s / size;
}

/** Colour of a difference in [0, 1] on the heat map: black → red → yellow → white. */
export function heatColour(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, v));
  return [Math.round(255 * t), Math.round(255 * t * t), Math.round(255 * t * t * t)];
}

/** Numbers for the tables: integers with thousands separators, others to 4 significant places after the point. */
export function fmtValue(v: number | null | undefined, field?: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (field === 'durationS') return v.toFixed(1);
  if (Number.isInteger(v) || Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(4);
}

export function fmtDelta(v: number | null, field?: string): string {
  if (v === null || !Number.isFinite(v)) return '';
  return (v > 0 ? '+' : v < 0 ? '−' : '±') + fmtValue(Math.abs(v), field);
}

export const PREDICTIONS_NAME = 'predictions.u8';

export interface Predictions {
  n: number;
  classes: number;
  predicted: Uint8Array;
  labels: Uint8Array;
}

/** The predictions file (uint8 [2, n]: top class per test image, then the labels). */
export function decodePredictions(bytes: Uint8Array, meta: Record<string, unknown>): Predictions {
  const n = Math.min(Number(meta.n ?? bytes.length / 2), Math.floor(bytes.length / 2));
  return { n, classes: Number(meta.classes ?? 10), predicted: bytes.subarray(0, n), labels: bytes.subarray(n, 2 * n) };
}

/** Confusion counts, [label][predicted]. */
export function confusion(p: Predictions): number[][] {
  const m = Array.from({ length: p.classes }, () => new Array<number>(p.classes).fill(0));
  for (let i = 0; i < p.n; i++) if (p.labels[i] < p.classes && p.predicted[i] < p.classes) m[p.labels[i]][p.predicted[i]]++;
  return m;
}

/** Accuracy per true class (null for a class with no test images). */
export function perClassAccuracy(p: Predictions): (number | null)[] {
  return confusion(p).map((row, k) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[k] / total : null;
  });
}

/** Share of images on which two runs predict the same class (over the images both have). */
export function agreement(a: Predictions, b: Predictions): number | null {
  const n = Math.min(a.n, b.n);
  if (n === 0) return null;
  let same = 0;
  for (let i = 0; i < n; i++) if (a.predicted[i] === b.predicted[i]) same++;
  return same / n;
}

// Per-layer results of the compression kinds, as tables and chart series.
// The jobs (src-main/jobs/compress-jobs.ts) log them as `final` metrics
// named "<what>/<layer>" and as summary keys "<what>_<layer>"; this reads
// them back into rows. Pure, importable by the renderer.
import type { MetricRow } from '../api.js';
import type { Summary } from '../jobs.js';

/** Final-metric prefixes that are per-layer results ("sparsity/FC1"), shown by the run view's layer panels. */
export const PER_LAYER_PREFIXES = ['sparsity', 'quant_rmse', 'singular_value', 'sensitivity', 'storage', 'multiplies', 'additions'] as const;

export function isPerLayerMetric(name: string): boolean {
  const i = name.indexOf('/');
  return i > 0 && (PER_LAYER_PREFIXES as readonly string[]).includes(name.slice(0, i));
}

export type LayerFormat = 'int' | 'ratio' | 'sci' | 'text';

export interface LayerColumn {
  id: string;
  label: string;
  format: LayerFormat;
}

export interface LayerRow {
  layer: string;
  values: Record<string, number | string | null>;
}

export interface LayerTable {
  columns: LayerColumn[];
  rows: LayerRow[];
}

/** One layer of a MicroNet cost (the score job's micronet.json). */
export interface MicronetLayer {
  layer: string;
  params: number;
  nonzeros: number;
  bits: number;
  storage: number;
  multiplies: number;
  additions: number;
}

const COLUMNS: LayerColumn[] = [
  { id: 'shape', label: 'shape', format: 'text' },
  { id: 'params', label: 'parameters', format: 'int' },
  { id: 'nonzeros', label: 'nonzeros', format: 'int' },
  { id: 'sparsity', label: 'sparsity', format: 'ratio' },
  { id: 'bits', label: 'bits', format: 'int' },
  { id: 'rmse', label: 'quantization RMSE', format: 'sci' },
  { id: 'rank', label: 'rank', format: 'int' },
  { id: 'energy', label: 'kept energy', format: 'ratio' },
  { id: 'weightsBefore', label: 'weights before', format: 'int' },
  { id: 'weightsAfter', label: 'weights after', format: 'int' },
  { id: 'storage', label: 'storage (params)', format: 'int' },
  { id: 'multiplies', label: 'multiplies', format: 'int' },
  { id: 'additions', label: 'additions', format: 'int' },
  { id: 'safeSparsity', label: 'safe sparsity', format: 'ratio' },
];

/** Final metrics "<prefix>/<layer>" as layer → value (the last one logged wins). */
function byLayer(metrics: readonly MetricRow[], prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of metrics) if (m.scope === 'final' && m.name.startsWith(prefix + '/')) out.set(m.name.slice(prefix.length + 1), m.value);
  return out;
}

/** Summary keys "<prefix>_<layer>" as layer → number. */
function summaryByLayer(summary: Summary, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(summary)) if (k.startsWith(prefix + '_') && typeof v === 'number') out.set(k.slice(prefix.length + 1), v);
  return out;
}

export interface Spectrum {
  layer: string;
  /** Singular values, largest first. */
  values: number[];
  /** The rank kept (null when the summary does not say). */
  rank: number | null;
  /** Share of Σσ² kept by the first `rank` values. */
  energy: number | null;
}

/** The factorize run's logged spectra ("singular_value/<layer>" at steps 1…n) with the chosen ranks. */
export function spectra(metrics: readonly MetricRow[], summary: Summary): Spectrum[] {
  const layers = new Map<string, { step: number; value: number }[]>();
  for (const m of metrics) {
    if (m.scope !== 'final' || !m.name.startsWith('singular_value/')) continue;
    const l = m.name.slice('singular_value/'.length);
    if (!layers.has(l)) layers.set(l, []);
    layers.get(l)!.push({ step: m.step, value: m.value });
  }
  const ranks = summaryByLayer(summary, 'rank');
  return [...layers].map(([layer, pts]) => {
    const values = pts.sort((a, b) => a.step - b.step).map((p) => p.value);
    const rank = ranks.get(layer) ?? null;
    const total = values.reduce((a, v) => a + v * v, 0);
    const kept = rank === null ? null : values.slice(0, rank).reduce((a, v) => a + v * v, 0);
    return { layer, values, rank, energy: kept === null ? null : total ? kept / total : 1 };
  });
}

export interface SensitivityCurve {
  layer: string;
  points: { sparsity: number; accuracy: number }[];
}

/** The sensitivity scan ("sensitivity/<layer>", step = sparsity × 100, value = test accuracy). */
export function sensitivityCurves(metrics: readonly MetricRow[]): SensitivityCurve[] {
  const out = new Map<string, { sparsity: number; accuracy: number }[]>();
  for (const m of metrics) {
    if (m.scope !== 'final' || !m.name.startsWith('sensitivity/')) continue;
    const l = m.name.slice('sensitivity/'.length);
    if (!out.has(l)) out.set(l, []);
    out.get(l)!.push({ sparsity: m.step / 100, accuracy: m.value });
  }
  return [...out].map(([layer, points]) => ({ layer, points: points.sort((a, b) => a.sparsity - b.sparsity) }));
}

/**
 * The per-layer table of a compression run: whatever its kind logged
 * (prune: sparsity; quantize: bits and RMSE; factorize: shape, rank, kept
 * energy, weights before and after; score: parameters, nonzeros, bits,
 * storage and ops from micronet.json). Columns nobody filled are dropped;
 * rows keep the order the layers were first logged in.
 */
export function layerTable(input: {
  metrics: readonly MetricRow[];
  summary: Summary;
  config?: Record<string, unknown>;
  kind?: string;
  micronet?: readonly MicronetLayer[];
}): LayerTable {
  const { metrics, summary } = input;
  const rows = new Map<string, Record<string, number | string | null>>();
  const set = (layer: string, col: string, v: number | string | null) => {
    if (!rows.has(layer)) rows.set(layer, {});
    rows.get(layer)![col] = v;
  };
  for (const [l, v] of byLayer(metrics, 'sparsity')) set(l, 'sparsity', v);
  const rmse = byLayer(metrics, 'quant_rmse');
  for (const [l, v] of rmse) {
    set(l, 'rmse', v);
    if (input.kind === 'quantize' && typeof input.config?.bits === 'number') set(l, 'bits', input.config.bits);
  }
  for (const s of spectra(metrics, summary)) {
    if (s.rank !== null) set(s.layer, 'rank', s.rank);
    if (s.energy !== null) set(s.layer, 'energy', s.energy);
  }
  const before = summaryByLayer(summary, 'weights_before');
  const after = summaryByLayer(summary, 'weights_after');
  for (const [l, v] of before) set(l, 'weightsBefore', v);
  for (const [l, v] of after) set(l, 'weightsAfter', v);
  for (const [l, r] of summaryByLayer(summary, 'rank')) if (!rows.get(l)?.rank) set(l, 'rank', r);
  // The factorized shape m×n follows from weights before (m·n) and after ((m+n)·k): m + n = after / k.
  for (const [l, r] of rows) {
    const b = before.get(l);
    const a = after.get(l);
    const k = r.rank;
    if (b === undefined || a === undefined || typeof k !== 'number' || k <= 0) {
      delete r.shape;
      continue;
    }
    const s = a / k;
    const disc = s * s - 4 * b;
    if (disc < 0) {
      delete r.shape;
      continue;
    }
    const m = Math.round((s + Math.sqrt(disc)) / 2);
    const n = Math.round(s - m);
    r.shape = m * n === b ? `${m} × ${n}` : null;
    if (r.shape === null) delete r.shape;
  }
  for (const l of input.micronet ?? []) {
    set(l.layer, 'params', l.params);
    set(l.layer, 'nonzeros', l.nonzeros);
    set(l.layer, 'sparsity', l.params ? 1 - l.nonzeros / l.params : 0);
    set(l.layer, 'bits', l.bits);
  }
  for (const col of ['storage', 'multiplies', 'additions']) for (const [l, v] of byLayer(metrics, col)) set(l, col, v);
  for (const [l, v] of summaryByLayer(summary, 'safe_sparsity')) set(l, 'safeSparsity', v);
  const used = new Set([...rows.values()].flatMap((r) => Object.keys(r)));
  return {
    columns: COLUMNS.filter((c) => used.has(c.id)),
    rows: [...rows].map(([layer, values]) => ({ layer, values })),
  };
}

/** A table cell: counts with thousands separators, ratios with 4 digits, small errors in scientific notation. */
export function formatLayerValue(v: number | string | null | undefined, format: LayerFormat): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  switch (format) {
    case 'int':
      return Math.round(v).toLocaleString('en-US');
    case 'ratio':
      return v.toFixed(4);
    case 'sci':
      return v === 0 ? '0' : Math.abs(v) >= 0.01 ? v.toFixed(4) : v.toExponential(2);
    default:
      return String(v);
  }
}

// A sweep's results: its runs grouped by setting, each final metric's mean,
// standard deviation, range and best/worst seed per setting, the CSV of that
// table, and the mean curve with its band per setting. Pure, shared by the
// service (CLI table, CSV, HTML report) and the sweep page.
import type { Run } from '../api.js';
import type { SweepValue, Vary } from '../sweeps/spec.js';
import { metricDirection } from './reducers.js';

export interface SweepMember {
  runId: string;
  setting: number;
  seedIndex: number;
  seed: number | null;
  status: Run['status'];
  /** Numeric final results (the run's summary). */
  final: Record<string, number>;
}

export interface MetricStats {
  /** Seeds with a value. */
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single seed. */
  std: number;
  min: number;
  max: number;
  /** The run of the best and worst seed, by the metric's direction (higher accuracy, lower loss); null when the name gives none. */
  best: string | null;
  worst: string | null;
}

export interface SweepSettingStats {
  index: number;
  values: Record<string, SweepValue>;
  runIds: string[];
  /** Runs of this setting per status. */
  statuses: Partial<Record<Run['status'], number>>;
  metrics: Record<string, MetricStats>;
}

export interface SweepView {
  sweep: Run;
  kind: string;
  vary: Vary[];
  seeds: number;
  members: SweepMember[];
  settings: SweepSettingStats[];
  /** The final metrics any member reports, in first-seen order. */
  metrics: string[];
}

/** Mean and sample standard deviation. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

/** Per-setting statistics of the completed members' final metrics. */
export function sweepStats(settings: { index: number; values: Record<string, SweepValue> }[], members: SweepMember[]): { settings: SweepSettingStats[]; metrics: string[] } {
  const metrics: string[] = [];
  for (const m of members) for (const k of Object.keys(m.final)) if (!metrics.includes(k)) metrics.push(k);
  const out = settings.map((s) => {
    const mine = members.filter((m) => m.setting === s.index);
    const statuses: SweepSettingStats['statuses'] = {};
    for (const m of mine) statuses[m.status] = (statuses[m.status] ?? 0) + 1;
    const done = mine.filter((m) => m.status === 'completed');
    const stats: Record<string, MetricStats> = {};
    for (const name of metrics) {
      const have = done.filter((m) => Number.isFinite(m.final[name]));
      if (!have.length) continue;
      const xs = have.map((m) => m.final[name]);
      const { mean, std } = meanStd(xs);
      const dir = metricDirection(name);
      const order = [...have].sort((a, b) => a.final[name] - b.final[name]);
      const [lo, hi] = [order[0].runId, order[order.length - 1].runId];
      stats[name] = { n: xs.length, mean, std, min: Math.min(...xs), max: Math.max(...xs), best: dir ? (dir === 'max' ? hi : lo) : null, worst: dir ? (dir === 'max' ? lo : hi) : null };
    }
    return { index: s.index, values: s.values, runIds: mine.map((m) => m.runId), statuses, metrics: stats };
  });
  return { settings: out, metrics };
}

/** A run's numeric results. */
export function finalMetrics(run: Pick<Run, 'summary'>): Record<string, number> {
  return Object.fromEntries(Object.entries(run.summary).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The sweep table as CSV: one row per setting, the varied fields, then mean, std, min, max and n of each metric. */
export function sweepCsv(view: Pick<SweepView, 'vary' | 'settings' | 'metrics'>, metrics = view.metrics): string {
  const fields = view.vary.map((v) => v.field);
  const head = ['setting', ...fields, 'runs', 'completed', ...metrics.flatMap((m) => [`${m}_mean`, `${m}_std`, `${m}_min`, `${m}_max`, `${m}_n`])];
  const rows = view.settings.map((s) => [
    s.index,
    ...fields.map((f) => s.values[f]),
    s.runIds.length,
    s.statuses.completed ?? 0,
    ...metrics.flatMap((m) => {
      const x = s.metrics[m];
      return x ? [x.mean, x.std, x.min, x.max, x.n] : ['', '', '', '', 0];
    }),
  ]);
  return [head, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

export interface BandSeries {
  x: number[];
  mean: number[];
  lo: number[];
  hi: number[];
}

/**
 * The mean curve of several runs' series and its band (min–max, or mean ±
 * std), at the x values every series has: seeds of one setting log the same
 * steps, and a run still going only shortens the curve.
 */
export function bandOf(series: { x: number[]; y: number[] }[], band: 'minmax' | 'std' = 'minmax'): BandSeries {
  const out: BandSeries = { x: [], mean: [], lo: [], hi: [] };
  if (!series.length) return out;
  const maps = series.map((s) => new Map(s.x.map((x, i) => [x, s.y[i]])));
  for (const x of series[0].x) {
    const ys = maps.map((m) => m.get(x)).filter((y): y is number => y !== undefined && Number.isFinite(y));
    if (ys.length !== series.length) continue;
    const { mean, std } = meanStd(ys);
    out.x.push(x);
    out.mean.push(mean);
    out.lo.push(band === 'std' ? mean - std : Math.min(...ys));
    out.hi.push(band === 'std' ? mean + std : Math.max(...ys));
  }
  return out;
}

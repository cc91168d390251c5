// The trade-off plot's data: which runs are points, their coordinates, the
// Pareto front, the lineage arrows between them, and the axis ticks. Pure
// (no DOM, no Node), so the renderer's view stays thin and this is tested
// with hand-made runs.
import type { Run } from '../api.js';
import { leavesOf } from '../kinds/index.js';
import { meanStd } from './sweep.js';
import { paretoFront, type Direction } from './pareto.js';

export interface TradeoffAxis {
  id: string;
  label: string;
  /** The run's value on this axis, or null when it has none. */
  value: (r: Run) => number | null;
  /** Log scale by default (sizes span orders of magnitude). */
  log: boolean;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const sum = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : a + b);

/** X axes: size and cost, all minimized. */
export const X_AXES: TradeoffAxis[] = [
  { id: 'storedBytes', label: 'stored bytes', value: (r) => num(r.sizeCard?.storedBytes), log: true },
  { id: 'params', label: 'parameters', value: (r) => num(r.sizeCard?.params), log: true },
  { id: 'nonzeroParams', label: 'nonzero parameters', value: (r) => num(r.sizeCard?.nonzeroParams), log: true },
  { id: 'micronetScore', label: 'MicroNet score', value: (r) => num(r.sizeCard?.micronetScore), log: true },
  { id: 'mathOps', label: 'math ops (mult + add)', value: (r) => num(sum(r.sizeCard?.micronetOpsMult, r.sizeCard?.micronetOpsAdd)), log: true },
  { id: 'latencyB1', label: 'latency, batch 1 (ms/image)', value: (r) => num(r.sizeCard?.latencyB1Ms), log: true },
  { id: 'latencyB64', label: 'latency, batch 64 (ms/image)', value: (r) => num(r.sizeCard?.latencyB64Ms), log: true },
];

export function xAxis(id: string): TradeoffAxis {
  return X_AXES.find((a) => a.id === id) ?? X_AXES[0];
}

/** Which way a summary metric is better: losses, errors and NLLs down, the rest (accuracy) up. */
export function metricDirection(name: string): Direction {
  return /loss|error|nll|rmse|recon|kl|latency|bytes|params|ops/i.test(name) ? 'min' : 'max';
}

/** Runs that can be a point: completed, leaving a classifier. */
export function isTradeoffRun(r: Run): boolean {
  return r.status === 'completed' && leavesOf(r.kind) === 'classifier';
}

/** Lineage parents that draw an arrow: the teacher of a student, the source of a compressed model. */
const LINEAGE_ROLES = new Set(['teacher', 'source']);
const lineageParent = (r: Run) => r.parents.find((p) => p.role === 'source') ?? r.parents.find((p) => p.role === 'teacher');

/** The run at the top of a run's lineage (following source, then teacher, links up); a run without parents is its own root. */
export function lineageRoot(r: Run, byId: ReadonlyMap<string, Run>): string {
  let cur = r;
  const seen = new Set([r.id]);
  for (;;) {
    const p = lineageParent(cur);
    const next = p && byId.get(p.id);
    if (!next || seen.has(next.id)) return cur.id;
    seen.add(next.id);
    cur = next;
  }
}

/** Metric names (numeric summary keys) the y axis can show, from these runs; test accuracy first. */
export function yMetrics(runs: readonly Run[]): string[] {
  const names = new Set<string>();
  for (const r of runs) for (const [k, v] of Object.entries(r.summary)) if (num(v) !== null) names.add(k);
  return [...names].sort((a, b) => (a === 'test_accuracy' ? -1 : b === 'test_accuracy' ? 1 : a.localeCompare(b)));
}

export interface TradeoffFilter {
  dataset?: string;
  kind?: string;
  tag?: string;
  /** Only runs whose lineage root is this run. */
  root?: string;
  /** Only the runs of this sweep. */
  sweep?: string;
}

export interface TradeoffPoint {
  id: string;
  run: Run;
  x: number;
  y: number;
  onFront: boolean;
  /** A sweep's setting drawn as one point: x and y are means over its seeds (id is "<sweep>:<setting>", run its first seed's). */
  group?: { sweepId: string; setting: number; runIds: string[]; n: number; xStd: number; yStd: number };
}

export interface LineageEdge {
  from: string;
  to: string;
  role: string;
}

export interface Tradeoffs {
  points: TradeoffPoint[];
  /** Front points, best y first (then smallest x). */
  front: TradeoffPoint[];
  edges: LineageEdge[];
  /** Runs that passed the filter but lack a coordinate (no size card yet, or no such metric). */
  missing: number;
}

/**
 * The points for one choice of axes: every completed classifier run passing
 * the filter with both coordinates (positive x on a log axis), the Pareto
 * front (y its direction, x minimized), and the lineage arrows between
 * plotted runs (an unplotted run in between, e.g. a filtered-out step, is
 * skipped: the arrow joins the nearest plotted ancestor).
 */
export function tradeoffs(runs: readonly Run[], opts: { x: string; y: string; logX?: boolean; filter?: TradeoffFilter; groupSweeps?: boolean }): Tradeoffs {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const ax = xAxis(opts.x);
  const f = opts.filter ?? {};
  const candidates = runs.filter(
    (r) =>
      isTradeoffRun(r) &&
      (!f.dataset || r.dataset === f.dataset) &&
      (!f.kind || r.kind === f.kind) &&
      (!f.tag || r.tags.includes(f.tag)) &&
      (!f.root || lineageRoot(r, byId) === f.root) &&
      (!f.sweep || r.sweep?.id === f.sweep),
  );
  let points: TradeoffPoint[] = [];
  for (const r of candidates) {
    const x = ax.value(r);
    const y = num(r.summary[opts.y]);
    if (x === null || y === null || (opts.logX && x <= 0)) continue;
    points.push({ id: r.id, run: r, x, y, onFront: false });
  }
  if (opts.groupSweeps) points = groupBySetting(points);
  const dir = metricDirection(opts.y);
  for (const i of paretoFront(
    points.map((p) => [p.y, p.x]),
    [dir, 'min'],
  ))
    points[i].onFront = true;
  const sign = dir === 'max' ? -1 : 1;
  const front = points.filter((p) => p.onFront).sort((a, b) => sign * (a.y - b.y) || a.x - b.x || a.id.localeCompare(b.id));

  const plotted = new Set(points.map((p) => p.id));
  const edges: LineageEdge[] = [];
  for (const p of points) {
    for (const link of p.run.parents.filter((l) => LINEAGE_ROLES.has(l.role))) {
      // Walk up to the nearest plotted ancestor.
      let id: string | undefined = link.id;
      const seen = new Set<string>([p.id]);
      while (id && !plotted.has(id) && !seen.has(id)) {
        seen.add(id);
        const anc = byId.get(id);
        id = anc ? lineageParent(anc)?.id : undefined;
      }
      if (id && plotted.has(id) && id !== p.id) edges.push({ from: id, to: p.id, role: link.role });
    }
  }
  return { points, front, edges, missing: candidates.length - points.filter((p) => !p.group).length - points.reduce((n, p) => n + (p.group?.n ?? 0), 0) };
}

/** A sweep's seeds of one setting become one point at their mean, with their standard deviations. */
function groupBySetting(points: TradeoffPoint[]): TradeoffPoint[] {
  const out: TradeoffPoint[] = [];
  const groups = new Map<string, TradeoffPoint[]>();
  for (const p of points) {
    if (!p.run.sweep) out.push(p);
    else {
      const key = `${p.run.sweep.id}:${p.run.sweep.setting}`;
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
  }
  for (const [key, ps] of groups) {
    const x = meanStd(ps.map((p) => p.x));
    const y = meanStd(ps.map((p) => p.y));
    const { id: sweepId, setting } = ps[0].run.sweep!;
    out.push({ id: key, run: ps[0].run, x: x.mean, y: y.mean, onFront: false, group: { sweepId, setting, runIds: ps.map((p) => p.id), n: ps.length, xStd: x.std, yStd: y.std } });
  }
  return out;
}

/** A linear or log scale from data to pixels, with its ticks. */
export interface Scale {
  (v: number): number;
  ticks: number[];
  domain: [number, number];
}

/** Round tick steps: 1, 2, 5 × 10^k. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1.5 ? 1 : m <= 3 ? 2 : m <= 7 ? 5 : 10) * p;
}

/**
 * Maps [min, max] of the values onto [r0, r1] pixels, padded so points do
 * not sit on the frame. Log scales tick at powers of ten (and 2×, 5× or 3× when
 * the data spans few decades).
 */
export function makeScale(values: readonly number[], range: [number, number], log: boolean, ticks = 5): Scale {
  const vs = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = vs.length ? Math.min(...vs) : log ? 1 : 0;
  let hi = vs.length ? Math.max(...vs) : log ? 10 : 1;
  const t = (v: number) => (log ? Math.log10(v) : v);
  let a = t(lo);
  let b = t(hi);
  if (a === b) (a -= log ? 0.5 : Math.abs(a) * 0.1 || 0.5), (b += log ? 0.5 : Math.abs(b) * 0.1 || 0.5);
  const pad = (b - a) * 0.06;
  a -= pad;
  b += pad;
  lo = log ? 10 ** a : a;
  hi = log ? 10 ** b : b;
  const [r0, r1] = range;
  const f = ((v: number) => r0 + ((t(v) - a) / (b - a)) * (r1 - r0)) as Scale;
  f.domain = [lo, hi];
  if (log) {
    const out: number[] = [];
    const mults = b - a < 2.5 ? [1, 2, 5] : b - a < 4 ? [1, 3] : [1];
    for (let e = Math.floor(a); e <= Math.ceil(b); e++) for (const m of mults) out.push(m * 10 ** e);
    f.ticks = out.filter((v) => v >= lo && v <= hi);
    // Less than a decade: round linear steps read better than one or two powers.
    if (f.ticks.length < 3) f.ticks = linearTicks(lo, hi, ticks);
  } else {
    f.ticks = linearTicks(a, b, ticks);
  }
  return f;
}

function linearTicks(a: number, b: number, count: number): number[] {
  const step = niceStep(b - a, count);
  const out: number[] = [];
  for (let v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A tick label: 1.2k, 3.4M for large counts, plain for small ones. */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a === 0) return '0';
  return String(+v.toPrecision(3));
}

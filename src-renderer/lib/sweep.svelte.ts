// A sweep's page state: its runs' statistics per setting (from the API),
// the sort of the table, the metric the charts show and the brushes of the
// parallel-coordinates chart, which filter the table and the other charts.
// One instance per opened sweep, shared by its panels.
import type { SweepSettingStats, SweepView } from '../../src-main/contract/analysis/sweep.js';
import { metricDirection } from '../../src-main/contract/analysis/reducers.js';
import type { ApiEvent } from '../../src-main/contract/api.js';
import { api } from './api.js';
import { runsState } from './runs.svelte.js';
import type { RunViewState } from './run-view.svelte.js';

/** Metrics shown first when a sweep reports them (then up to a few others). */
const PREFERRED = ['test_accuracy', 'test_loss', 'test_recon_loss', 'test_elbo', 'test_nll', 'micronet_score', 'compression_ratio', 'stored_bytes'];
/** Columns of metrics in the table and axes in the chart: more would not fit a laptop screen. */
const MAX_SHOWN = 4;
/** Reloads at most this often while runs of the sweep end (each ending changes the statistics). */
const RELOAD_MS = 700;

/** An axis of the parallel-coordinates chart: a varied field or a metric's mean. */
export interface Axis {
  key: string;
  label: string;
  kind: 'field' | 'metric';
  /** Category axes (model names, booleans) put each value at its own tick. */
  categories?: string[];
  log?: boolean;
  min: number;
  max: number;
}

export type Brush = [number, number];

export class SweepState {
  view = $state<SweepView | null>(null);
  error = $state('');
  sortKey = $state('setting');
  sortDesc = $state(false);
  /** The metric the curves and the field chart show. */
  metric = $state('');
  /** Axis key → selected range on that axis, in axis units (category index for categories). */
  brushes = $state<Record<string, Brush>>({});
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly id: string) {}

  readonly shownMetrics = $derived.by(() => {
    const m = this.view?.metrics ?? [];
    const first = PREFERRED.filter((p) => m.includes(p));
    return [...first, ...m.filter((x) => !first.includes(x) && !/(^|_)(params|epochs_done|train_images|test_images|images_per_second)$/.test(x))].slice(0, MAX_SHOWN);
  });
  readonly fields = $derived(this.view?.vary.map((v) => v.field) ?? []);

  readonly axes = $derived.by<Axis[]>(() => {
    const v = this.view;
    if (!v) return [];
    const out: Axis[] = [];
    for (const vary of v.vary) {
      const values = v.settings.map((s) => s.values[vary.field]);
      if (values.every((x) => typeof x === 'number')) {
        const nums = values as number[];
        const [min, max] = [Math.min(...nums), Math.max(...nums)];
        out.push({ key: `field:${vary.field}`, label: vary.field, kind: 'field', min, max, log: /^(log|loguniform):/i.test(vary.spec.trim()) && min > 0 });
      } else {
        const categories = [...new Set(values.map(String))];
        out.push({ key: `field:${vary.field}`, label: vary.field, kind: 'field', categories, min: 0, max: Math.max(1, categories.length - 1) });
      }
    }
    for (const m of this.shownMetrics) {
      const means = v.settings.map((s) => s.metrics[m]?.mean).filter((x): x is number => x !== undefined);
      if (!means.length) continue;
      out.push({ key: `metric:${m}`, label: `${m} (mean)`, kind: 'metric', min: Math.min(...means), max: Math.max(...means) });
    }
    return out;
  });

  /** A setting's position on an axis, in axis units; null when it has no value there (no completed run yet). */
  valueOn(s: SweepSettingStats, a: Axis): number | null {
    if (a.kind === 'field') {
      const x = s.values[a.key.slice(6)];
      return a.categories ? a.categories.indexOf(String(x)) : (x as number);
    }
    return s.metrics[a.key.slice(7)]?.mean ?? null;
  }

  /** The settings every brush lets through (all of them without a brush). */
  readonly visible = $derived.by<SweepSettingStats[]>(() => {
    const v = this.view;
    if (!v) return [];
    const active = this.axes.filter((a) => this.brushes[a.key]);
    return v.settings.filter((s) =>
      active.every((a) => {
        const x = this.valueOn(s, a);
        const [lo, hi] = this.brushes[a.key];
        return x !== null && x >= Math.min(lo, hi) && x <= Math.max(lo, hi);
      }),
    );
  });

  /** Visible settings in the table's order. */
  readonly sorted = $derived.by(() => {
    const key = this.sortKey;
    const val = (s: SweepSettingStats): number | string => {
      if (key === 'setting') return s.index;
      if (key.startsWith('field:')) return s.values[key.slice(6)] as number | string;
      if (key === 'runs') return s.statuses.completed ?? 0;
      return s.metrics[key.slice(7)]?.mean ?? Number.NEGATIVE_INFINITY;
    };
    const dir = this.sortDesc ? -1 : 1;
    return [...this.visible].sort((a, b) => {
      const [x, y] = [val(a), val(b)];
      return dir * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)));
    });
  });

  /** Clicking a column sorts by it; again, the other way. Metrics start best first. */
  sortBy(key: string): void {
    if (this.sortKey === key) this.sortDesc = !this.sortDesc;
    else {
      this.sortKey = key;
      this.sortDesc = key.startsWith('metric:') ? metricDirection(key.slice(7)) !== 'min' : false;
    }
  }

  setBrush(key: string, b: Brush | null): void {
    const next = { ...this.brushes };
    if (b) next[key] = b;
    else delete next[key];
    this.brushes = next;
  }

  async load(): Promise<void> {
    try {
      this.view = await api.getSweep({ id: this.id });
      this.error = '';
      if (!this.metric || !this.view.metrics.includes(this.metric)) this.metric = this.shownMetrics[0] ?? '';
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /** Loads and reloads as the sweep's runs change; returns the function that stops. */
  follow(): () => void {
    void this.load();
    const off = runsState.listen((e: ApiEvent) => {
      const mine = (e.type === 'run' && (e.run.id === this.id || e.run.sweep?.id === this.id)) || e.type === 'changed';
      if (mine) this.timer ??= setTimeout(() => ((this.timer = undefined), void this.load()), RELOAD_MS);
    });
    return () => {
      off();
      if (this.timer) clearTimeout(this.timer);
    };
  }
}

const states = new WeakMap<RunViewState, SweepState>();

/** The sweep state of an opened run view, made once and shared by its panels. */
export function sweepStateOf(view: RunViewState): SweepState {
  let s = states.get(view);
  if (!s) states.set(view, (s = new SweepState(view.id)));
  return s;
}

/** "0.001" / "1e-4" / "student": a field value as the table shows it. */
export function fmtValue(v: unknown): string {
  if (typeof v !== 'number') return String(v);
  return Math.abs(v) !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(6)));
}

/** A metric's mean ± std with as many digits as its spread needs. */
export function fmtStat(mean: number, std: number): string {
  const digits = Math.abs(mean) >= 100 ? 1 : Math.abs(mean) >= 1 ? 3 : 4;
  return `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
}

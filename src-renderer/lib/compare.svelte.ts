// The compare view's state: which runs (from the shareable ?runs=a,b,c),
// their comparison (api.compareRuns), the curves (api.compareSeries at the
// chart's width in points) and every choice the panels offer. Panels read
// and set this object; the view only decides which panels apply. The pure
// helpers live in compare-data.ts (re-exported here).
import type { ArtifactRow, CompareSeries, CompareXAxis, MetricRow, Run, RunDetail } from '../../src-main/contract/api.js';
import { SUMMARY_NUMBERS, type Comparison, type SummaryNumber } from '../../src-main/contract/analysis/comparison.js';
import type { Reduced, Reducer } from '../../src-main/contract/analysis/reducers.js';
import { api } from './api.js';
import { COMPARE_PALETTE, PREDICTIONS_NAME, dataUrlBytes, decodePredictions, type Predictions } from './compare-data.js';

export * from './compare-data.js';

/** x axes of the curves: the server's, and images seen (derived here from step or epoch). */
export type XChoice = CompareXAxis | 'images';
export type TableScope = MetricRow['scope'];
export type CurveScope = 'batch' | 'epoch';

/** Reducer of a metric row; "mean of the last N" is shown as meanLast. */
export const REDUCER_LABELS: Record<Reducer, string> = { last: 'last', best: 'best', min: 'min', max: 'max', meanLast: 'mean of last N' };

export class CompareState {
  ids = $state<string[]>([]);
  comparison = $state.raw<Comparison | null>(null);
  error = $state('');
  loading = $state(false);

  // Curves.
  // Raw (not deeply proxied): tens of thousands of numbers are read in tight loops.
  series = $state.raw<CompareSeries[]>([]);
  seriesError = $state('');
  curveScope = $state<CurveScope>('batch');
  xAxis = $state<XChoice>('step');
  chosen = $state<string[]>([]);
  smoothing = $state(0.6);
  logY = $state(false);
  /** Points asked of the server per series: the charts' width in pixels. */
  budget = $state(800);
  /** Set once the curves panel has measured itself (until then the view's width stands in). */
  budgetSet = false;

  // Tables.
  tableScope = $state<TableScope>('epoch');
  reducers = $state<Record<string, Reducer>>({});
  lastN = $state(5);
  baseline = $state<string | null>(null);
  showAllConfig = $state(false);

  /** Run details (artifacts), loaded on demand by the panels that need them. */
  details = $state.raw<Record<string, RunDetail>>({});

  readonly runs = $derived<Run[]>(this.comparison?.runs ?? []);
  readonly kinds = $derived(new Set(this.runs.map((r) => r.kind)));
  readonly metricNames = $derived([...new Set(this.series.map((s) => s.name))].sort());
  readonly baselineIndex = $derived(this.baseline ? this.ids.indexOf(this.baseline) : -1);
  /** Summary fields at least one run has. */
  readonly summaryFields = $derived<SummaryNumber[]>(SUMMARY_NUMBERS.filter((f) => this.comparison?.summary.some((r) => r[f] !== null)));
  readonly tableMetrics = $derived((this.comparison?.metrics ?? []).filter((m) => m.scope === this.tableScope));
  readonly configRows = $derived((this.comparison?.config ?? []).filter((r) => this.showAllConfig || r.differs));

  /** Settles when the first curves arrived: run details (heavy, every metric) wait for it so the charts come first. */
  private firstSeries: Promise<void>;
  private firstSeriesDone: () => void = () => {};
  private seriesToken = 0;
  private compareToken = 0;

  constructor(ids: string[]) {
    this.ids = ids;
    this.firstSeries = new Promise((resolve) => (this.firstSeriesDone = resolve));
  }

  colour(id: string): string {
    const i = this.ids.indexOf(id);
    return COMPARE_PALETTE[(i < 0 ? 0 : i) % COMPARE_PALETTE.length];
  }

  label(id: string): string {
    const r = this.runs.find((x) => x.id === id);
    return r?.name ? `${r.name} (${id})` : id;
  }

  /** The comparison (summary, reduced metrics of the table's scope, every config key). */
  async loadComparison(scope: TableScope, lastN: number): Promise<void> {
    if (this.ids.length === 0) return;
    const token = ++this.compareToken;
    this.loading = true;
    try {
      const c = await api.compareRuns({ ids: this.ids, scopes: [scope], lastN, allConfig: true });
      if (token !== this.compareToken) return;
      this.comparison = c;
      this.error = '';
    } catch (e) {
      if (token === this.compareToken) this.error = (e as Error).message;
    } finally {
      if (token === this.compareToken) this.loading = false;
    }
  }

  /** Every metric of the curve scope, downsampled to `budget` points per series. */
  async loadSeries(scope: CurveScope, choice: XChoice, budget: number): Promise<void> {
    const xAxis: CompareXAxis = choice === 'images' ? 'step' : choice;
    if (this.ids.length === 0) return;
    const token = ++this.seriesToken;
    try {
      const s = await api.compareSeries({ ids: this.ids, names: [], scope, xAxis, budget: Math.max(2, Math.min(10000, Math.round(budget))) });
      if (token !== this.seriesToken) return;
      this.series = s;
      this.seriesError = '';
      const names = new Set(s.map((x) => x.name));
      const kept = this.chosen.filter((n) => names.has(n));
      if (kept.length === 0) {
        const first = ['loss', 'test_accuracy', 'elbo', 'test_elbo', 'test_recon_loss'].find((n) => names.has(n)) ?? [...names].sort()[0];
        this.chosen = first ? [first] : [];
      } else if (kept.length !== this.chosen.length) this.chosen = kept;
    } catch (e) {
      if (token === this.seriesToken) this.seriesError = (e as Error).message;
    } finally {
      if (token === this.seriesToken) this.firstSeriesDone();
    }
  }

  /**
   * Factor from the server's x to the chosen axis for one run: images seen is
   * step × batch size (batch scope) or epoch × training images (epoch scope);
   * null when the run's config does not say.
   */
  xScale(id: string): number | null {
    if (this.xAxis !== 'images') return 1;
    const r = this.runs.find((x) => x.id === id);
    if (!r) return null;
    const v = this.curveScope === 'batch' ? r.config.batchSize : (r.summary.train_images ?? r.config.trainLimit);
    return typeof v === 'number' && v > 0 ? v : null;
  }

  seriesOf(name: string): CompareSeries[] {
    const byRun = new Map(this.series.filter((s) => s.name === name).map((s) => [s.runId, s]));
    return this.ids.flatMap((id) => (byRun.has(id) ? [byRun.get(id)!] : []));
  }

  toggleMetric(name: string): void {
    this.chosen = this.chosen.includes(name) ? this.chosen.filter((n) => n !== name) : [...this.chosen, name];
  }

  reducerOf(metric: string): Reducer {
    return this.reducers[`${this.tableScope}:${metric}`] ?? 'last';
  }

  setReducer(metric: string, r: Reducer): void {
    this.reducers = { ...this.reducers, [`${this.tableScope}:${metric}`]: r };
  }

  /** A reduced metric's value for the chosen reducer. */
  reduced(p: Reduced | null, r: Reducer): number | null {
    return p ? p[r] : null;
  }

  /** Value minus the pinned baseline's (null without a baseline, for the baseline itself, or where either is missing). */
  delta(values: (number | null)[], i: number): number | null {
    const b = this.baselineIndex;
    if (b < 0 || i === b) return null;
    const v = values[i];
    const bv = values[b];
    return v === null || bv === null || v === undefined || bv === undefined ? null : v - bv;
  }

  private detailsQueue: Promise<unknown> = Promise.resolve();

  /**
   * Run details (for their artifacts). getRun returns every metric of a run,
   * so these load after the first curves, one run at a time.
   */
  async loadDetails(ids: string[]): Promise<void> {
    await this.firstSeries;
    for (const id of ids) {
      if (this.details[id]) continue;
      const d = await (this.detailsQueue = this.detailsQueue.then(() => (this.details[id] ? this.details[id] : api.getRun({ id }).catch(() => null))));
      if (d && !this.details[id]) this.details = { ...this.details, [id]: d as RunDetail };
    }
  }

  /** Test-set predictions (predictions.u8) of the runs that saved them; loaded once per run. */
  predictions = $state.raw<Record<string, Predictions>>({});
  predictionsLoaded = $state(false);

  async loadPredictions(ids: string[]): Promise<void> {
    await this.loadDetails(ids);
    const next: Record<string, Predictions> = { ...this.predictions };
    await Promise.all(
      ids
        .filter((id) => !next[id])
        .map(async (id) => {
          const a = this.artifact(id, PREDICTIONS_NAME);
          if (!a) return;
          try {
            next[id] = decodePredictions(dataUrlBytes((await api.getArtifact({ id, artifactId: a.id })).dataUrl), a.meta);
          } catch {
            /* shown as missing */
          }
        }),
    );
    this.predictions = next;
    this.predictionsLoaded = true;
  }

  artifact(id: string, name: string): ArtifactRow | undefined {
    return this.details[id]?.artifacts.find((a) => a.name === name);
  }

  /** Downloads text as a file through a Blob link (works in both hosts). */
  static download(name: string, mime: string, data: string | Blob): void {
    const blob = typeof data === 'string' ? new Blob([data], { type: mime }) : data;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  async exportAs(format: 'csv' | 'html'): Promise<void> {
    const charts = this.chosen.length ? { names: [...this.chosen], scope: this.curveScope, xAxis: this.xAxis === 'images' ? ('step' as const) : this.xAxis, budget: 600 } : undefined;
    const r = await api.exportComparison({ ids: this.ids, format, baseline: this.baseline ?? undefined, lastN: this.lastN, ...(format === 'html' ? { charts } : {}) });
    CompareState.download(r.name, r.mime, r.text);
  }
}


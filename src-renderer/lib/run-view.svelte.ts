// One run as its view shows it: the record (live from runsState), its
// metrics (streamed while it runs), artifacts and log. Panels read this
// object; the view only decides which panels apply.
import type { ApiEvent, MetricRow, Run, RunDetail } from '../../src-main/contract/api.js';
import { leavesOf, type Leaves } from '../../src-main/contract/kinds/index.js';
import { api } from './api.js';
import { runsState } from './runs.svelte.js';

/** How often streamed metrics reach the charts: a fast job must not flood the window. */
const METRIC_FLUSH_MS = 500;

export class RunViewState {
  readonly id: string;
  // Raw, not deep proxies: a long run opens with thousands of metric rows, and
  // every read through a proxy slowed its panels. Updates replace the arrays.
  detail = $state.raw<RunDetail | null>(null);
  loadError = $state('');
  metrics = $state.raw<MetricRow[]>([]);
  logs = $state.raw<{ level: string; message: string }[]>([]);
  now = $state(Date.now());

  readonly run = $derived.by<Run | null>(() => runsState.get(this.id) ?? this.detail?.run ?? null);
  readonly progress = $derived(this.run ? runsState.progress[this.run.id] : undefined);
  readonly live = $derived(this.run?.status === 'running' || this.run?.status === 'queued');
  readonly leaves = $derived<Leaves>(this.run ? leavesOf(this.run.kind) : 'nothing');
  readonly artifacts = $derived(this.detail?.artifacts ?? []);

  private pending: MetricRow[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(id: string) {
    this.id = id;
  }

  async load(): Promise<void> {
    this.loadError = '';
    try {
      const d = await api.getRun({ id: this.id });
      this.detail = d;
      this.metrics = d.metrics;
      this.logs = d.logs;
    } catch (e) {
      this.loadError = (e as Error).message;
    }
  }

  /** Loads the run and follows it; returns the function that stops following. */
  follow(): () => void {
    void this.load();
    const off = runsState.listen((e: ApiEvent) => {
      if (e.type === 'job' && e.runId === this.id) {
        const ev = e.event;
        if (ev.type === 'metric') this.queueMetric({ scope: ev.scope, step: ev.step, epoch: ev.epoch, name: ev.name, value: ev.value, t: ev.t });
        else if (ev.type === 'log') this.logs = [...this.logs, { level: ev.level, message: ev.message }];
      } else if (e.type === 'run' && e.run.id === this.id && !['running', 'queued'].includes(e.run.status)) {
        void this.load(); // final summary, artifacts, complete log
      } else if (e.type === 'changed') {
        void this.load();
      }
    });
    const tick = setInterval(() => (this.now = Date.now()), 1000);
    return () => {
      off();
      clearInterval(tick);
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    };
  }

  private queueMetric(m: MetricRow): void {
    this.pending.push(m);
    this.flushTimer ??= setTimeout(() => {
      this.metrics = this.metrics.concat(this.pending);
      this.pending = [];
      this.flushTimer = undefined;
    }, METRIC_FLUSH_MS);
  }
}

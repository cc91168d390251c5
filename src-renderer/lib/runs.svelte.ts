// The renderer's live view of all runs: loaded once, then kept current by
// the host's events (this window's jobs, other windows, and the CLI).
import type { ApiEvent, Run } from '../../src-main/contract/api.js';
import type { ProgressEvent } from '../../src-main/contract/jobs.js';
import { api } from './api.js';

class RunsState {
  /**
   * Raw, not a deep proxy: with 10,000 runs every property read through a
   * proxy made filtering and sorting the runs table slow. Runs are never
   * changed in place; an update replaces the array.
   */
  runs = $state.raw<Run[]>([]);
  /** Run by id, rebuilt (lazily) when the list changes. */
  private byId = $derived(new Map(this.runs.map((r) => [r.id, r])));
  progress = $state<Record<string, ProgressEvent>>({});
  loaded = $state(false);
  error = $state<string | null>(null);
  private listeners = new Set<(e: ApiEvent) => void>();
  private started = false;
  private refreshing: Promise<void> | null = null;

  start(): void {
    if (this.started) return;
    this.started = true;
    api.subscribe((e) => this.onEvent(e));
    void this.refresh();
  }

  refresh(): Promise<void> {
    // Coalesce bursts of "changed" into one request.
    this.refreshing ??= api
      .listRuns({})
      .then((runs) => {
        this.runs = runs;
        this.loaded = true;
        this.error = null;
      })
      .catch((e: Error) => {
        this.error = e.message;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  get(id: string): Run | undefined {
    return this.byId.get(id);
  }

  /** Listen to every host event (run views use it for live metrics). */
  listen(fn: (e: ApiEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private onEvent(e: ApiEvent): void {
    if (e.type === 'run') {
      const i = this.runs.findIndex((r) => r.id === e.run.id);
      this.runs = i >= 0 ? this.runs.with(i, e.run) : [...this.runs, e.run];
      if (e.run.status !== 'running') delete this.progress[e.run.id];
    } else if (e.type === 'deleted') {
      this.runs = this.runs.filter((r) => !e.ids.includes(r.id));
    } else if (e.type === 'job' && e.event.type === 'progress') {
      this.progress[e.runId] = e.event;
    } else if (e.type === 'changed') {
      void this.refresh();
    }
    for (const fn of this.listeners) fn(e);
  }
}

export const runsState = new RunsState();

// Sweeps: a run of kind 'sweep' whose member runs (one per setting and
// seed) go through the job queue. Every member's config is expanded and
// validated before anything is recorded; the sweep run ends when its last
// member does; cancelling or resuming the sweep does it to every member.
import { sweepStats, finalMetrics, type SweepMember, type SweepView } from '../contract/analysis/sweep.js';
import { ConflictError, ValidationError } from '../contract/errors.js';
import { fieldsOf } from '../contract/fields.js';
import { parseJobConfig, type JobConfig, type JobInputs } from '../contract/jobs.js';
import { isJobKind, KINDS } from '../contract/kinds/index.js';
import { settingLabel, sweepMemberConfigs, type SweepSetting, type SweepValue } from '../contract/sweeps/spec.js';
import type { Run, RunParent, Store } from '../db/store.js';
import type { FinalState } from '../jobs/runner.js';

export type SweepConfig = Extract<JobConfig, { kind: 'sweep' }>;

/** What the sweep runner needs of the service. */
export interface SweepDeps {
  store: Store;
  prepare(config: unknown): { config: JobConfig; parents: RunParent[] } & JobInputs;
  /** Whether a stopped run has a checkpoint file to continue from. */
  hasCheckpoint(id: string): boolean;
  /** Makes a stopped run with a checkpoint ready to continue from it. */
  prepareResume(id: string): { config: JobConfig; inputs: JobInputs };
  enqueue(runId: string, config: JobConfig, inputs: JobInputs): Promise<FinalState>;
  cancel(runId: string): boolean;
  emitRun(runId: string): void;
}

interface PlannedMember {
  setting: SweepSetting;
  seedIndex: number;
  prepared: ReturnType<SweepDeps['prepare']>;
}

export interface PlannedSweep {
  config: SweepConfig;
  settings: SweepSetting[];
  members: PlannedMember[];
}

export interface StartedSweep {
  run: Run;
  members: Run[];
  finished: Promise<FinalState>;
}

export class SweepRunner {
  constructor(private readonly deps: SweepDeps) {}

  /**
   * Expands a sweep and validates every member's config (schema, dataset,
   * the runs it names) before any run is recorded. `label` names fields in
   * messages as the user typed them (the CLI's flags).
   */
  plan(input: SweepConfig, label: (field: string) => string = (f) => f): PlannedSweep {
    const kind = String(input.base.kind);
    if (!isJobKind(kind) || kind === 'sweep' || kind === 'report') throw new ValidationError(`base: "${kind}" is not a job kind a sweep can run`, 'base');
    const def = KINDS[kind];
    const expanded = sweepMemberConfigs(input, fieldsOf(def.schema), label);
    const seed0 = expanded.seed0;
    const base = { ...input.base, seed: seed0 };
    const members: PlannedMember[] = expanded.members.map(({ setting, seedIndex, config }) => {
      try {
        return { setting, seedIndex, prepared: this.deps.prepare(config) };
      } catch (e) {
        const err = e as ValidationError;
        // "temperature=0.5: alpha: must be in [0, 1]": which setting, then what is wrong with it.
        const msg = err.message.replace(/^([A-Za-z][\w-]*): /, (_m, f: string) => `${label(f)}: `);
        throw new ValidationError(`setting ${settingLabel(setting.values, (f) => label(f).replace(/^--/, ''))}: ${msg}`, err.field);
      }
    });
    const settings = expanded.settings;
    const first = members[0].prepared.config as Record<string, unknown>;
    const config: SweepConfig = { ...input, base, model: typeof first.model === 'string' ? first.model : undefined, dataset: String(first.dataset ?? 'mnist'), seed: seed0 };
    return { config, settings, members };
  }

  /** Records the sweep and its runs and queues every run. */
  start(plan: PlannedSweep, name?: string): StartedSweep {
    const { store } = this.deps;
    const sweep = store.createRun({ config: plan.config, name: name ?? `sweep of ${plan.config.base.kind}: ${plan.config.vary.map((v) => `${v.field} ${v.spec}`).join(' × ')}${plan.config.seeds > 1 ? ` × ${plan.config.seeds} seeds` : ''}` });
    store.markRunning(sweep.id, process.pid);
    this.deps.emitRun(sweep.id);
    const members = plan.members.map((m) => {
      const run = store.createRun({
        config: m.prepared.config,
        parents: m.prepared.parents,
        name: `sweep ${sweep.id}: ${settingLabel(m.setting.values)}, seed ${m.prepared.config.seed}`,
        sweep: { id: sweep.id, setting: m.setting.index, seedIndex: m.seedIndex },
      });
      this.deps.emitRun(run.id);
      return run;
    });
    const done = plan.members.map((m, i) => {
      const { config, parents: _p, ...inputs } = m.prepared;
      return this.deps.enqueue(members[i].id, config, inputs);
    });
    return { run: store.getRun(sweep.id)!, members, finished: this.settle(sweep.id, done) };
  }

  /** Ends the sweep run once every member has ended; a cancelled sweep stays cancelled. */
  private async settle(sweepId: string, done: Promise<FinalState>[]): Promise<FinalState> {
    await Promise.all(done);
    const { store } = this.deps;
    const members = store.sweepMembers(sweepId);
    const counts = new Map<string, number>();
    for (const m of members) counts.set(m.status, (counts.get(m.status) ?? 0) + 1);
    const completed = counts.get('completed') ?? 0;
    const summary = { runs: members.length, completed, ...this.bestSetting(sweepId) };
    const sweep = store.getRun(sweepId)!;
    if (sweep.status === 'cancelled') {
      store.setSummary(sweepId, summary);
      this.deps.emitRun(sweepId);
      return { status: 'cancelled' };
    }
    const state: FinalState =
      completed === members.length
        ? { status: 'completed' }
        : { status: 'failed', error: `${members.length - completed} of ${members.length} runs did not complete (${[...counts].filter(([s]) => s !== 'completed').map(([s, n]) => `${n} ${s}`).join(', ')}); resume the sweep to finish them` };
    store.finishRun(sweepId, state.status as 'completed' | 'failed', { error: state.error, summary });
    this.deps.emitRun(sweepId);
    return state;
  }

  /** The best setting by the first metric with a direction (test accuracy for classifiers), for the runs table. */
  private bestSetting(sweepId: string): Record<string, number | string> {
    const view = this.view(sweepId);
    const metric = ['test_accuracy', 'test_elbo', 'test_loss'].find((m) => view.metrics.includes(m));
    if (!metric) return {};
    const lower = metric === 'test_loss';
    const ranked = view.settings.filter((s) => s.metrics[metric]).sort((a, b) => (lower ? 1 : -1) * (a.metrics[metric].mean - b.metrics[metric].mean));
    if (!ranked.length) return {};
    const best = ranked[0];
    return { best_setting: settingLabel(best.values), [`best_${metric}_mean`]: best.metrics[metric].mean, [`best_${metric}_std`]: best.metrics[metric].std };
  }

  /** The sweep page's data: members, and each setting's statistics over seeds. */
  view(sweepId: string): SweepView {
    const { store } = this.deps;
    const sweep = store.getRun(sweepId)!;
    if (sweep.kind !== 'sweep') throw new ValidationError(`id: run ${sweepId} is a ${sweep.kind} run, not a sweep`, 'id');
    const config = sweep.config as unknown as SweepConfig;
    const runs = store.sweepMembers(sweepId);
    const members: SweepMember[] = runs.map((r) => ({ runId: r.id, setting: r.sweep!.setting, seedIndex: r.sweep!.seedIndex, seed: r.seed, status: r.status, final: finalMetrics(r) }));
    // Settings from the members' own configs: the page shows what ran, whatever version expanded it.
    const settings = new Map<number, { index: number; values: Record<string, SweepValue> }>();
    for (const r of runs) {
      if (settings.has(r.sweep!.setting)) continue;
      settings.set(r.sweep!.setting, { index: r.sweep!.setting, values: Object.fromEntries(config.vary.map((v) => [v.field, r.config[v.field] as SweepValue])) });
    }
    const stats = sweepStats([...settings.values()], members);
    return { sweep, kind: String(config.base.kind), vary: config.vary, seeds: config.seeds, members, settings: stats.settings, metrics: stats.metrics };
  }

  /** Cancels the sweep: its queued runs are withdrawn, its running ones stopped (they keep what they trained). */
  cancel(sweepId: string): boolean {
    const { store } = this.deps;
    const sweep = store.getRun(sweepId)!;
    if (sweep.status !== 'running' && sweep.status !== 'queued') return false;
    store.finishRun(sweepId, 'cancelled');
    this.deps.emitRun(sweepId);
    // Queued ones first: stopping a running one frees a slot the next queued one would take.
    const members = store.sweepMembers(sweepId);
    for (const m of members.filter((x) => x.status === 'queued')) this.deps.cancel(m.id);
    for (const m of members.filter((x) => x.status === 'running')) this.deps.cancel(m.id);
    return true;
  }

  /**
   * Continues a stopped sweep: each run that did not complete resumes from
   * its checkpoint, or starts over when it has none; completed runs stay.
   */
  resume(sweepId: string): StartedSweep {
    const { store } = this.deps;
    const sweep = store.getRun(sweepId)!;
    if (sweep.status === 'running' || sweep.status === 'queued') throw new ConflictError(`id: sweep ${sweepId} is ${sweep.status}; only a stopped sweep can be resumed`, 'id');
    const members = store.sweepMembers(sweepId);
    const todo = members.filter((m) => m.status !== 'completed');
    if (!todo.length && sweep.status === 'completed') throw new ConflictError(`id: sweep ${sweepId} is completed; there is nothing to resume`, 'id');
    const busy = todo.filter((m) => m.status === 'running' || m.status === 'queued');
    if (busy.length) throw new ConflictError(`id: sweep ${sweepId} still has ${busy.length} queued or running run(s) (${busy.map((b) => b.id).join(', ')}); wait for them or cancel them first`, 'id');
    // Every run is checked before any is queued again: a deleted teacher fails here, not halfway.
    const checked = todo.map((m) => {
      try {
        const { config, parents: _p, ...inputs } = this.deps.prepare(m.config);
        return { id: m.id, config, inputs, resume: this.deps.hasCheckpoint(m.id) };
      } catch (e) {
        throw new ValidationError(`id: sweep ${sweepId} cannot be resumed: run ${m.id}: ${(e as Error).message}`, 'id');
      }
    });
    store.reopenRun(sweepId);
    this.deps.emitRun(sweepId);
    const done = checked.map((c) => {
      let { config, inputs } = c;
      if (c.resume) ({ config, inputs } = this.deps.prepareResume(c.id));
      else store.restartRun(c.id);
      this.deps.emitRun(c.id);
      return this.deps.enqueue(c.id, config, inputs);
    });
    return { run: store.getRun(sweepId)!, members: store.sweepMembers(sweepId), finished: this.settle(sweepId, done) };
  }
}

/** A sweep config from any input (the API's startJob, the CLI). */
export function parseSweepConfig(input: unknown): SweepConfig {
  const c = parseJobConfig(input);
  if (c.kind !== 'sweep') throw new ValidationError(`kind: expected "sweep", got "${c.kind}"`, 'kind');
  return c;
}

// The application API: everything the CLI, serve mode and the desktop app
// can do, free of Electron and of any transport. Adapters stay thin.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { exportBundle, importBundle } from '../bundle/bundle.js';
import { join, relative, resolve, sep } from 'node:path';
import type { ApiEvent, CompareSeries, DatasetInfo, RunDetail, Settings, SoftenResult } from '../contract/api.js';
import type { CompareExportInput, CompareInput, CompareSeriesInput, ExportFormat, ExportReport } from '../contract/api.js';
import { EXPORT_FORMATS } from '../contract/api.js';
import type { Comparison } from '../contract/analysis/comparison.js';
import { compareRuns, comparisonCsv, comparisonReport } from '../compare/compare.js';
import { renderHtmlReport } from '../report/html.js';
import { sweepReport } from '../report/sweep.js';
import { reproductionHtml } from '../report/reproduce.js';
import { reproductionReport } from '../contract/analysis/reproduction.js';
import type { z } from 'zod';
import { ConflictError, NotFoundError, toAppError, ValidationError } from '../contract/errors.js';
import { parseJobConfig, zodToValidation, type JobConfig, type JobEvent, type JobInputs, type ReportConfig } from '../contract/jobs.js';
import { KINDS, leavesOf, type RunNeed } from '../contract/kinds/index.js';
import { isRecipe, RECIPE_IDS, RECIPES, REPRODUCTIONS, type RecipeStep } from '../contract/recipes/index.js';
import { runDir } from '../db/data-dir.js';
import { Store, type Run, type RunParent } from '../db/store.js';
import { checkpointDir } from '../jobs/checkpoints.js';
import { JobRunner, type FinalState } from '../jobs/runner.js';
import { latestCheckpointFile } from '../ml/train/checkpoint.js';
import type { SpawnJobProcess } from '../jobs/spawn.js';
import { listBuiltinDatasets, resolveDataset } from '../ml/data/datasets.js';
import { readImportFiles } from '../ml/models/import-check.js';
import { JobQueue } from './job-queue.js';
import { checkAgainstSource } from './source-checks.js';
import { SweepRunner, type PlannedSweep, type SweepConfig } from './sweeps.js';
import { sweepCsv, type SweepView } from '../contract/analysis/sweep.js';

export type { RunDetail };

export interface StartedJob {
  run: Run;
  finished: Promise<FinalState>;
}

/** A recipe's steps, validated, ready to run. */
interface PlannedRecipe {
  recipe: string;
  steps: RecipeStep[];
  title: string;
}

/**
 * Batch-scope points per metric a run view gets (about a wide chart's pixels):
 * a run of 100,000 steps opens as fast as a short one. The compare view's
 * series API downsamples the same way, to the chart's own width.
 */
const RUN_VIEW_POINTS = 2000;

const MAX_INLINE_ARTIFACT = 8 * 1024 * 1024;

/** How often the database is checked for commits by other processes (the CLI). */
const EXTERNAL_POLL_MS = 1000;

export class Service extends EventEmitter<{ api: [ApiEvent] }> {
  readonly store: Store;
  readonly runner: JobRunner;
  private readonly queue: JobQueue;
  private pollTimer?: NodeJS.Timeout;
  private softenTool?: Promise<typeof import('./soften-cache.js')>;
  readonly sweeps: SweepRunner;

  constructor(
    readonly dataDir: string,
    opts: { spawn?: SpawnJobProcess; cancelGraceMs?: number } = {},
  ) {
    super();
    this.store = new Store(dataDir);
    this.runner = new JobRunner(this.store, opts.spawn, opts.cancelGraceMs);
    this.queue = new JobQueue(this.runner, () => this.getSettings().concurrency);
    this.runner.on('event', (runId, event) => {
      if (event.type !== 'artifact') this.emit('api', { type: 'job', runId, event });
    });
    this.runner.on('finished', (runId) => this.emitRun(runId));
    this.queue.on('started', (runId) => this.emitRun(runId));
    this.sweeps = new SweepRunner({
      store: this.store,
      prepare: (c) => this.prepare(c),
      hasCheckpoint: (id) => !!latestCheckpointFile(checkpointDir(runDir(this.dataDir, id))),
      prepareResume: (id) => this.prepareResume(id),
      enqueue: (id, config, inputs) => this.queue.enqueue(id, config, inputs),
      cancel: (id) => this.cancel(id),
      emitRun: (id) => this.emitRun(id),
    });
  }

  /** Starts watching for runs written by other processes; hosts with live clients call this. */
  watchExternalChanges(): void {
    if (this.pollTimer) return;
    let seen = this.store.dataVersion();
    this.pollTimer = setInterval(() => {
      const v = this.store.dataVersion();
      if (v !== seen) {
        seen = v;
        this.emit('api', { type: 'changed' });
      }
    }, EXTERNAL_POLL_MS);
    this.pollTimer.unref();
    void this.backfillSizeCards();
  }

  close(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.store.close();
  }

  private emitRun(runId: string): void {
    const run = this.store.getRun(runId);
    if (run) this.emit('api', { type: 'run', run });
  }

  /** The folder of a run's saved model (`folder`: model, encoder, decoder), or an error saying why there is none. */
  modelDir(runId: string, folder = 'model', field?: string): string {
    const run = this.store.getRun(runId);
    if (!run) throw new NotFoundError(`no run with id "${runId}"`);
    const blame = field ? `${field}: ` : '';
    const art = this.store.artifacts(runId).find((a) => a.kind === 'model' && (a.name === `${folder}/model.json` || (folder === 'model' && a.name === 'model.json')));
    if (!art) throw new ValidationError(`${blame}run ${runId} (${run.kind}, ${run.status}) has no saved model`, field);
    const dir = join(this.dataDir, art.path, '..');
    if (!existsSync(join(dir, 'model.json'))) throw new ValidationError(`${blame}run ${runId}: saved model file ${art.path} is missing from the data folder`, field);
    return dir;
  }

  /**
   * Checks every file of a run's saved model against the size and SHA-256
   * recorded when it was written. Done when a job is prepared (a damaged
   * source would waste a run), not on every inference (the slider).
   */
  private verifyModelFiles(runId: string, dir: string, field: string): void {
    const blame = `${field}: `;
    const modelPrefix = relative(this.dataDir, dir).split(sep).join('/') + '/';
    for (const a of this.store.artifacts(runId).filter((x) => x.kind === 'model' && x.path.startsWith(modelPrefix))) {
      const file = join(this.dataDir, a.path);
      if (!existsSync(file)) throw new ValidationError(`${blame}run ${runId}: model file ${a.path} is missing from the data folder`, field);
      const buf = readFileSync(file);
      if (buf.length !== a.size || createHash('sha256').update(buf).digest('hex') !== a.sha256) {
        throw new ValidationError(`${blame}run ${runId}: model file ${a.path} is damaged (its SHA-256 differs from the one recorded when it was written)`, field);
      }
    }
  }

  /**
   * Validates a job config completely (schema, dataset, the runs it needs,
   * the source model's layers) before anything is recorded or started, so
   * bad input never costs a run.
   */
  prepare(input: unknown): { config: JobConfig; parents: RunParent[] } & JobInputs {
    let config = parseJobConfig(input);
    try {
      resolveDataset(config.dataset);
    } catch (e) {
      throw new ValidationError(`dataset: ${(e as Error).message}`);
    }
    if (config.kind === 'import') {
      // A damaged or unsupported file is refused before a run is recorded.
      const path = resolve(config.path);
      try {
        readImportFiles(path);
      } catch (e) {
        throw new ValidationError(`path: ${(e as Error).message}`, 'path');
      }
      config = { ...config, path };
    }
    if (config.kind === 'report') {
      if (!Object.hasOwn(REPRODUCTIONS, config.recipe)) throw new ValidationError(`recipe: "${config.recipe}" is not a reproduction recipe (${Object.keys(REPRODUCTIONS).join(', ')})`, 'recipe');
      config = { ...config, stepRunIds: config.stepRunIds.map((id) => this.resolveRunField('stepRunIds', id)) };
    }
    const parents: RunParent[] = [];
    const inputs: JobInputs = {};
    for (const need of KINDS[config.kind].needs as RunNeed[]) {
      const given = (config as Record<string, unknown>)[need.field];
      if (given === undefined && need.optional) continue;
      const id = this.resolveNeed(need, String(given));
      config = { ...config, [need.field]: id } as JobConfig;
      parents.push({ id, role: need.role });
      const dir = this.modelDir(id, 'model', need.field);
      this.verifyModelFiles(id, dir, need.field);
      if (need.role === 'teacher') inputs.teacherModelDir = dir;
      if (need.role === 'baseline') inputs.baselineModelDir = dir;
      if (need.role === 'source') {
        inputs.sourceModelDir = dir;
        inputs.originalModelDir = this.modelDir(this.lineageRoot(id));
        const manifest = this.store.artifacts(id).find((a) => a.name === 'compression.json');
        if (manifest) inputs.sourceCompression = JSON.parse(readFileSync(join(this.dataDir, manifest.path), 'utf8'));
        config = { ...config, model: this.store.getRun(id)!.model ?? undefined } as JobConfig;
        checkAgainstSource(config, dir);
      }
    }
    return { config, parents, ...inputs };
  }

  /** Resolves a run a config names and checks it is what the kind needs (completed, the right kind of model). */
  private resolveNeed(need: RunNeed, idOrPrefix: string): string {
    const id = this.resolveRunField(need.field, idOrPrefix);
    const run = this.store.getRun(id)!;
    const leaves = leavesOf(run.kind);
    const blame = (m: string) => new ValidationError(`${need.field}: run ${id} ${m}`, need.field);
    if (leaves !== need.leaves || (need.model && run.model !== need.model)) {
      if (need.model) throw blame(`is a ${run.kind} run of ${run.model}; the ${need.role} must be a ${need.model} ${need.leaves} run`);
      if (need.role === 'source') throw blame(`is a ${run.kind} run; compression needs a ${need.leaves} (a trained, distilled or compressed model)`);
      throw blame(`is a ${run.kind} run, not a trained ${need.leaves}`);
    }
    if (run.status !== 'completed') throw blame(need.role === 'teacher' ? `is ${run.status}, a teacher must be completed` : `is ${run.status}; the ${need.role} must be completed`);
    return id;
  }

  /** Follows 'source' links up to the uncompressed original. */
  private lineageRoot(id: string): string {
    const seen = new Set<string>();
    let cur = id;
    for (;;) {
      seen.add(cur);
      const up = this.store.getRun(cur)?.parents.find((p) => p.role === 'source');
      if (!up || seen.has(up.id)) return cur;
      cur = up.id;
    }
  }

  private resolveRunField(field: string, idOrPrefix: string): string {
    try {
      return this.store.resolveRunId(idOrPrefix);
    } catch (e) {
      throw toAppError(e).forField(field);
    }
  }

  /** Starts a job at once, outside the queue (the CLI's way: one job, in the foreground). A sweep's runs still queue. */
  startJob(input: unknown, name?: string): StartedJob {
    const sweep = this.asSweep(input);
    if (sweep) return this.sweeps.start(sweep, name);
    const { config, parents, ...inputs } = this.prepare(input);
    const run = this.store.createRun({ config, parents, name });
    this.emitRun(run.id);
    if (config.kind === 'report') return { run, finished: Promise.resolve(this.buildReport(run.id, config)) };
    const job = this.runner.start(run.id, config, inputs);
    this.emitRun(run.id);
    return { run, finished: job.finished };
  }

  /** Queues a job; it starts when the queue has a free slot (Settings.concurrency). */
  enqueueJob(input: unknown, name?: string): StartedJob {
    const sweep = this.asSweep(input);
    if (sweep) return this.sweeps.start(sweep, name);
    const { config, parents, ...inputs } = this.prepare(input);
    const run = this.store.createRun({ config, parents, name });
    this.emitRun(run.id);
    if (config.kind === 'report') return { run, finished: Promise.resolve(this.buildReport(run.id, config)) };
    return { run, finished: this.queue.enqueue(run.id, config, inputs) };
  }

  /** A sweep's config, expanded and every run of it validated; undefined for any other kind. */
  private asSweep(input: unknown): PlannedSweep | undefined {
    const config = parseJobConfig(input);
    return config.kind === 'sweep' ? this.sweeps.plan(config) : undefined;
  }

  /** Plans a sweep naming fields as the caller's user typed them (the CLI's flags). */
  planSweep(config: SweepConfig, label?: (field: string) => string): PlannedSweep {
    return this.sweeps.plan(config, label);
  }

  /** A sweep's page: its runs and each setting's statistics over seeds. */
  getSweep(idOrPrefix: string): SweepView {
    return this.sweeps.view(this.resolveRunField('id', idOrPrefix));
  }

  /** The sweep table as CSV (one row per setting), or the sweep as a self-contained HTML report. */
  exportSweep(idOrPrefix: string, format: 'csv' | 'html' = 'csv'): { name: string; mime: string; text: string } {
    const view = this.getSweep(idOrPrefix);
    if (format === 'csv') return { name: `sweep-${view.sweep.id}.csv`, mime: 'text/csv', text: sweepCsv(view) };
    return { name: `sweep-${view.sweep.id}.html`, mime: 'text/html', text: renderHtmlReport(sweepReport(view, new Date().toISOString())) };
  }

  /**
   * Checks that a run can continue from its last checkpoint, then makes it
   * ready: metrics logged after the checkpoint and the old artifacts are
   * dropped and the run is queued again, under the same id. Refused with a
   * ConflictError for a queued, running or completed run, a ValidationError
   * for one with no checkpoint (or whose parent runs are gone).
   */
  prepareResume(idOrPrefix: string): { run: Run; config: JobConfig; inputs: JobInputs } {
    const id = this.resolveRunField('id', idOrPrefix);
    const run = this.store.getRun(id)!;
    if (run.status === 'queued' || run.status === 'running') throw new ConflictError(`id: run ${id} is ${run.status}; only a stopped run can be resumed`, 'id');
    if (run.status === 'completed') throw new ConflictError(`id: run ${id} is completed; there is nothing to resume`, 'id');
    // The files decide, not the database: a checkpoint's event may not have been written when its host died.
    const file = latestCheckpointFile(checkpointDir(runDir(this.dataDir, id)));
    if (!file) {
      const lost = run.checkpoint ? ` (its checkpoint file ${run.checkpoint.path} is missing from the data folder)` : ' (train, distill, finetune, factorize, prune with fine-tuning, autoencoder, ae-distill, vae and dirvae runs save one after each epoch)';
      throw new ValidationError(`id: run ${id} (${run.kind}, ${run.status}) has no checkpoint to resume from${lost}`, 'id');
    }
    let prepared: ReturnType<Service['prepare']>;
    try {
      prepared = this.prepare(run.config);
    } catch (e) {
      throw new ValidationError(`id: run ${id} cannot be resumed: ${(e as Error).message}`, 'id');
    }
    const { config, parents: _parents, ...inputs } = prepared;
    this.store.setCheckpoint(id, { epoch: file.epoch, path: relative(this.dataDir, file.path), bytes: file.bytes });
    this.store.prepareResume(id, file.epoch);
    return { run: this.store.getRun(id)!, config, inputs: { ...inputs, resume: true } };
  }

  /** Resumes a stopped run at once, outside the queue (the CLI's way); a sweep's runs go through the queue. */
  resumeJob(idOrPrefix: string): StartedJob {
    const sweepId = this.sweepIdOf(idOrPrefix);
    if (sweepId) return this.sweeps.resume(sweepId);
    const { run, config, inputs } = this.prepareResume(idOrPrefix);
    this.emitRun(run.id);
    const job = this.runner.start(run.id, config, inputs);
    this.emitRun(run.id);
    return { run, finished: job.finished };
  }

  /** Resumes a stopped run through the queue (the app's way). */
  enqueueResume(idOrPrefix: string): StartedJob {
    const sweepId = this.sweepIdOf(idOrPrefix);
    if (sweepId) return this.sweeps.resume(sweepId);
    const { run, config, inputs } = this.prepareResume(idOrPrefix);
    this.emitRun(run.id);
    return { run, finished: this.queue.enqueue(run.id, config, inputs) };
  }

  private sweepIdOf(idOrPrefix: string): string | undefined {
    const id = this.resolveRunField('id', idOrPrefix);
    return this.store.getRun(id)!.kind === 'sweep' ? id : undefined;
  }

  /** Runs a job to its end; resolves with the final run record. */
  async runJob(input: unknown, name?: string, onStart?: (run: Run) => void): Promise<Run> {
    const job = this.startJob(input, name);
    onStart?.(job.run);
    await job.finished;
    return this.store.getRun(job.run.id)!;
  }

  /**
   * Validates a recipe's options and every step's config before any step
   * runs: a bad alpha fails before the teacher trains, a bad third step
   * before the first is pruned.
   */
  planRecipe(recipe: string, options: unknown): PlannedRecipe {
    if (!isRecipe(recipe)) throw new ValidationError(`recipe: "${recipe}" is not a recipe (${RECIPE_IDS.join(', ')})`, 'recipe');
    const def = RECIPES[recipe];
    const parsed = def.schema.safeParse(options ?? {});
    if (!parsed.success) throw zodToValidation(parsed.error);
    const o = parsed.data as never;
    const steps = (def.steps as (o: never) => RecipeStep[])(o);
    const placeholders = steps.map(() => 'pending');
    steps.forEach((st, i) => {
      const prefix = def.stepError?.(i, st, o);
      try {
        // Steps that start from given runs are checked against them; later ones by schema only.
        if (!st.after?.length) this.prepare(st.config(placeholders));
        else parseJobConfig(st.config(placeholders));
      } catch (e) {
        throw prefix ? new ValidationError(`${prefix}: ${(e as Error).message}`, prefix.split(' ')[0]) : e;
      }
    });
    return { recipe, steps, title: (def.title as (o: never) => string)(o) };
  }

  /**
   * Runs a recipe in the foreground (the CLI's way). Steps start in order as
   * their prerequisites complete, at most `parallel` at a time (1: one after
   * another; more lets independent steps, e.g. dirvae-vs-gvae's four VAEs,
   * use several cores). A step whose prerequisite ended without completing
   * is not run, nor any step after it (as one at a time always did);
   * resolves with the runs made, in step order.
   */
  async runRecipe(recipe: string, options: unknown, onStart?: (run: Run, step: string) => void, parallel = 1): Promise<Run[]> {
    const plan = this.planRecipe(recipe, options);
    const ids: string[] = [];
    const runs: (Run | undefined)[] = plan.steps.map(() => undefined);
    const started = plan.steps.map(() => false);
    let running = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        for (const [i, st] of plan.steps.entries()) {
          const after = st.after ?? [];
          if (!started[i] && after.some((j) => runs[j] && runs[j].status !== 'completed')) break;
          if (started[i] || running >= parallel || !after.every((j) => runs[j]?.status === 'completed')) continue;
          started[i] = true;
          running++;
          this.runJob(st.config(ids), `${plan.recipe}: ${st.label}`, (run) => {
            ids[i] = run.id;
            onStart?.(run, st.label);
          }).then((r) => {
            runs[i] = r;
            running--;
            pump();
          }, reject);
        }
        if (running === 0) resolve();
      };
      pump();
    });
    return runs.filter((r): r is Run => r !== undefined);
  }

  /**
   * A recipe through the queue (the app's way): queues the steps that need
   * nothing, and each later step once its prerequisites complete. Returns
   * the first queued run.
   */
  enqueueRecipe(recipe: string, options: unknown): Run {
    const plan = this.planRecipe(recipe, options);
    const ids: (string | undefined)[] = plan.steps.map(() => undefined);
    const status: (string | undefined)[] = plan.steps.map(() => undefined);
    const queueReady = () => {
      plan.steps.forEach((st, i) => {
        if (ids[i] || !(st.after ?? []).every((j) => status[j] === 'completed')) return;
        try {
          const job = this.enqueueJob(st.config(ids as string[]), `${plan.recipe}: ${st.label}`);
          ids[i] = job.run.id;
          void job.finished.then((f) => {
            status[i] = f.status;
            if (f.status === 'completed') queueReady();
          });
        } catch (e) {
          ids[i] = 'failed';
          process.emitWarning(`${plan.recipe}: could not queue "${st.label}": ${(e as Error).message}`);
        }
      });
    };
    queueReady();
    return this.store.getRun(ids.find((x): x is string => !!x && x !== 'failed')!)!;
  }

  /**
   * A `report` run, made here rather than in a job process (which never
   * opens the database): reads the recipe's step runs, sets the measured
   * numbers beside the published ones (contract/references.ts) and writes
   * report.json and report.html (report/html.ts) as the run's artifacts.
   */
  private buildReport(runId: string, config: ReportConfig): FinalState {
    this.store.markRunning(runId, process.pid);
    this.emitRun(runId);
    try {
      const runs = config.stepRunIds.map((id) => this.store.getRun(id));
      const labels = runs.map((r) => (r?.name ?? '').replace(/^[^:]*:\s*/, ''));
      const report = reproductionReport(config.recipe, config.quick, runs, labels);
      const dir = runDir(this.dataDir, runId);
      mkdirSync(dir, { recursive: true });
      const events: JobEvent[] = [];
      const write = (name: string, kind: string, text: string, meta: Record<string, unknown>) => {
        const path = join(dir, name);
        writeFileSync(path, text);
        const buf = Buffer.from(text);
        events.push({ type: 'artifact', kind, name, path, size: buf.length, sha256: createHash('sha256').update(buf).digest('hex'), meta });
      };
      write('report.json', 'data', JSON.stringify(report, null, 2), { title: 'Published vs measured (JSON)' });
      write('report.html', 'report', reproductionHtml(report, new Date().toISOString()), { title: 'Published vs measured (HTML)' });
      const measured = report.rows.filter((r) => r.measured !== null).length;
      events.push({ type: 'log', level: 'info', message: `${config.recipe}${config.quick ? ' (smoke run)' : ''}: ${measured} of ${report.rows.length} published numbers measured; claims holding ${report.claims.filter((c) => c.holds).length} of ${report.claims.length}` });
      this.store.applyEvents(runId, events, this.dataDir);
      this.store.finishRun(runId, 'completed', {
        summary: {
          recipe: config.recipe,
          quick: config.quick ? 'yes (smoke run)' : 'no',
          published_numbers: report.rows.length,
          measured_numbers: measured,
          claims: report.claims.length,
          claims_holding: report.claims.filter((c) => c.holds).length,
        },
      });
      this.emitRun(runId);
      return { status: 'completed' };
    } catch (e) {
      const error = (e as Error).message;
      this.store.finishRun(runId, 'failed', { error });
      this.emitRun(runId);
      return { status: 'failed', error };
    }
  }

  /** Cancels a running job, or withdraws a queued one. */
  cancel(runId: string): boolean {
    const id = this.store.resolveRunId(runId);
    if (this.store.getRun(id)!.kind === 'sweep') return this.sweeps.cancel(id);
    if (this.queue.withdraw(id)) {
      this.store.finishRun(id, 'cancelled');
      this.emitRun(id);
      return true;
    }
    return this.runner.cancel(id);
  }

  listRuns(filter: Parameters<Store['listRuns']>[0] = {}): Run[] {
    return this.store.listRuns(filter);
  }

  getRun(idOrPrefix: string): RunDetail {
    const id = this.store.resolveRunId(idOrPrefix);
    // A live host fills in what older runs lack when they are first opened.
    if (this.pollTimer) void this.backfillSizeCards([id]);
    return {
      run: this.store.getRun(id)!,
      metrics: this.store.metricsThinned(id, RUN_VIEW_POINTS),
      artifacts: this.store.artifacts(id),
      logs: this.store.logs(id),
    };
  }

  updateRun(id: string, patch: { tags?: string[]; note?: string }): Run {
    const rid = this.store.resolveRunId(id);
    this.store.updateRun(rid, patch);
    this.emitRun(rid);
    return this.store.getRun(rid)!;
  }

  /** Deletes runs with their weights and artifacts; running runs must be cancelled first. */
  deleteRuns(ids: string[]): string[] {
    const resolved = ids.map((i) => this.store.resolveRunId(i));
    const busy = resolved.filter((i) => ['running', 'queued'].includes(this.store.getRun(i)!.status));
    if (busy.length) throw new ConflictError(`ids: run(s) ${busy.join(', ')} are still queued or running; cancel them first`, 'ids');
    for (const id of resolved) {
      this.store.deleteRun(id);
      rmSync(runDir(this.dataDir, id), { recursive: true, force: true });
    }
    this.emit('api', { type: 'deleted', ids: resolved });
    return resolved;
  }

  getSettings(): Settings {
    return { concurrency: this.store.getSetting('concurrency', 1) };
  }

  setSettings(s: Settings): Settings {
    this.store.setSetting('concurrency', s.concurrency);
    this.queue.pump();
    return this.getSettings();
  }

  /** Artifacts shown in the UI are small; larger ones (weights) are refused rather than sent whole. */
  getArtifact(runId: string, artifactId: number): { name: string; mime: string; dataUrl: string } {
    const id = this.store.resolveRunId(runId);
    const a = this.store.artifacts(id).find((x) => x.id === artifactId);
    if (!a) throw new NotFoundError(`artifactId: run ${id} has no artifact ${artifactId}`);
    if (a.size > MAX_INLINE_ARTIFACT) throw new ValidationError(`artifactId: ${a.name} is ${a.size} bytes, too large to show (limit ${MAX_INLINE_ARTIFACT})`);
    const mime = a.name.endsWith('.png') ? 'image/png' : a.name.endsWith('.json') ? 'application/json' : a.name.endsWith('.html') ? 'text/html' : 'application/octet-stream';
    const file = resolve(this.dataDir, a.path);
    if (!file.startsWith(resolve(this.dataDir) + sep)) throw new ValidationError(`artifactId: ${a.path} is outside the data folder`);
    return { name: a.name, mime, dataUrl: `data:${mime};base64,${readFileSync(file).toString('base64')}` };
  }

  listDatasets(): DatasetInfo[] {
    return listBuiltinDatasets();
  }

  // ---- bundles (the workbench's way; the CLI writes and reads files) ----

  async exportBundleData(ids: string[]): Promise<{ name: string; dataBase64: string; runs: string[]; bytes: number }> {
    const resolved = ids.map((id) => this.resolveRunField('ids', id));
    const dir = mkdtempSync(join(tmpdir(), 'distillery-bundle-out-'));
    try {
      const file = join(dir, 'runs.distillery');
      const r = await exportBundle(this.store, resolved, file);
      const name = `distillery-${resolved.length === 1 ? resolved[0] : `${resolved.length}-runs`}.distillery`;
      return { name, dataBase64: readFileSync(file).toString('base64'), runs: r.runs, bytes: r.bytes };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async importBundleData(dataBase64: string): Promise<{ imported: string[]; skipped: string[]; renamed: Record<string, string> }> {
    const dir = mkdtempSync(join(tmpdir(), 'distillery-bundle-in-'));
    try {
      const file = join(dir, 'upload.distillery');
      writeFileSync(file, Buffer.from(dataBase64, 'base64'));
      const r = await importBundle(this.store, file);
      this.emit('api', { type: 'changed' });
      return r;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // ---- comparing runs ----

  compare(input: z.output<typeof CompareInput>): Comparison {
    const ids = input.ids.map((id) => this.resolveRunField('ids', id));
    const baseline = input.baseline ? this.resolveRunField('baseline', input.baseline) : undefined;
    return compareRuns(this.store, ids, { ...input, baseline });
  }

  compareSeries(input: z.output<typeof CompareSeriesInput>): CompareSeries[] {
    const ids = input.ids.map((id) => this.resolveRunField('ids', id));
    return this.store.metricsForCompare(ids, input.names, { scope: input.scope, xAxis: input.xAxis, budget: input.budget });
  }

  /** The comparison as a file: CSV (one row per run) or one self-contained HTML report. */
  exportComparison(input: z.output<typeof CompareExportInput>): { name: string; mime: string; text: string } {
    const c = this.compare(input);
    if (input.format === 'csv') return { name: 'comparison.csv', mime: 'text/csv', text: comparisonCsv(c) };
    const series = input.charts ? this.compareSeries({ ...input.charts, ids: c.runIds }) : undefined;
    return { name: 'comparison.html', mime: 'text/html', text: renderHtmlReport(comparisonReport(c, { title: input.title, series, generatedAt: new Date().toISOString() })) };
  }

  /**
   * Size cards for runs that have none (made before cards existed) or no
   * latency yet: counted from their saved model, latency timed here and
   * marked as measured later. Runs one at a time in the background; each
   * finished card is pushed to the windows.
   */
  backfillSizeCards(ids?: string[]): Promise<void> {
    const todo = (ids ?? this.store.listRuns({ status: 'completed' }).map((r) => r.id)).filter((id) => {
      const r = this.store.getRun(id);
      return r && r.status === 'completed' && leavesOf(r.kind) === 'classifier' && (!r.sizeCard || r.sizeCard.latencyB1Ms === null) && !this.backfillTried.has(id);
    });
    // Once per run and process: a run whose card or latency cannot be had is not retried on every reload.
    for (const id of todo) this.backfillTried.add(id);
    this.backfillChain = this.backfillChain.then(async () => {
      if (!todo.length) return;
      const [{ refreshSizeCard }, { initBackend }] = await Promise.all([import('../compare/size-card.js'), import('../ml/engine/backend.js')]);
      // cpu: the wasm backend is better left to job processes; the card says which backend timed it.
      await initBackend('cpu');
      for (const id of todo) {
        try {
          await refreshSizeCard(this.store, id, runDir(this.dataDir, id), { latency: true, later: true });
          this.emitRun(id);
        } catch (e) {
          process.emitWarning(`size card of run ${id}: ${(e as Error).message}`);
        }
      }
    });
    return this.backfillChain;
  }
  private backfillTried = new Set<string>();
  private backfillChain: Promise<void> = Promise.resolve();

  /** A run's probabilities for one test image at temperature T (inference in this process). */
  async soften(id: string, image: number, temperature: number): Promise<SoftenResult> {
    const rid = this.store.resolveRunId(id);
    const run = this.store.getRun(rid)!;
    this.softenTool ??= import('./soften-cache.js');
    const tool = await this.softenTool;
    return tool.softenCached(rid, this.modelDir(rid), run.dataset ?? 'mnist', image, temperature);
  }

  /**
   * Writes a run's classifier as a TensorFlow.js layers model or an ONNX
   * model in `out`, loads it back with the other runtime, compares its
   * predictions with Distillery's, and records the files (size, SHA-256) and
   * the verdict as artifacts of the run. An export that disagrees is removed.
   */
  async exportModel(id: string, opts: { format: string; out?: string; images?: number; onProgress?: (message: string) => void }): Promise<ExportReport> {
    const rid = this.resolveRunField('runId', id);
    const run = this.store.getRun(rid)!;
    if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format)) throw new ValidationError(`format: must be one of ${EXPORT_FORMATS.join(', ')}, got "${opts.format}"`, 'format');
    if (leavesOf(run.kind) !== 'classifier') throw new ValidationError(`runId: run ${rid} is a ${run.kind} run; only runs that leave a classifier can be exported`, 'runId');
    if (run.status !== 'completed') throw new ValidationError(`runId: run ${rid} is ${run.status}; only completed runs can be exported`, 'runId');
    const out = opts.out || join(runDir(this.dataDir, rid), 'exports', opts.format);
    const manifestArt = this.store.artifacts(rid).find((a) => a.name === 'compression.json');
    const manifest = manifestArt ? (JSON.parse(readFileSync(join(this.dataDir, manifestArt.path), 'utf8')) as { weights?: Record<string, import('../ml/export/onnx.js').QuantGrid>; steps?: string[] }) : {};
    const tool = await import('./model-export.js');
    const { report, events } = await tool.exportModel({
      runId: rid,
      modelDir: this.modelDir(rid),
      dataset: run.dataset ?? 'mnist',
      grids: manifest.weights ?? {},
      steps: manifest.steps ?? [],
      format: opts.format as ExportFormat,
      out,
      images: opts.images,
      onProgress: opts.onProgress,
    });
    this.store.applyEvents(rid, events, this.dataDir);
    this.emitRun(rid);
    return report;
  }
}

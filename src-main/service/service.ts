// The application API: everything the CLI, serve mode and the desktop app
// can do, free of Electron and of any transport. Adapters stay thin.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { ApiEvent, DatasetInfo, RunDetail, Settings, SoftenResult } from '../contract/api.js';
import {
  COMPRESSION_KINDS,
  parseJobConfig,
  pickTrainingFields,
  ValidationError,
  type AeDistillConfig,
  type CompressionConfig,
  type DistillConfig,
  type JobConfig,
  type JobInputs,
} from '../contract/jobs.js';
import { Store, type Run, type RunParent } from '../db/store.js';
import { JobRunner, type FinalState } from '../jobs/runner.js';
import type { SpawnJobProcess } from '../jobs/spawn.js';
import { listBuiltinDatasets, resolveDataset } from '../ml/data/datasets.js';
import { runDir } from './data-dir.js';
import { JobQueue } from './job-queue.js';

export type { RunDetail };

export interface StartedJob {
  run: Run;
  finished: Promise<FinalState>;
}

export const KD_RECIPE_DEFAULTS = { temperature: 4, alpha: 0.5 };

export interface KdRecipeOptions {
  dataset?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  trainLimit?: number;
  testLimit?: number;
  seed?: number;
  backend?: JobConfig['backend'];
  temperature?: number;
  alpha?: number;
}

/** Run kinds whose saved model is a classifier that compression can take. */
const MODEL_KINDS = ['train', 'distill', 'prune', 'quantize', 'factorize', 'finetune'];

/** Weight name → shape, read from a saved model's manifest without loading it. */
function weightShapes(modelDir: string): Map<string, number[]> {
  const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
  return new Map(json.weightsManifest.flatMap((g) => g.weights.map((w) => [w.name, w.shape] as [string, number[]])));
}

const MAX_INLINE_ARTIFACT = 8 * 1024 * 1024;

/** How often the database is checked for commits by other processes (the CLI). */
const EXTERNAL_POLL_MS = 1000;

export class Service extends EventEmitter<{ api: [ApiEvent] }> {
  readonly store: Store;
  readonly runner: JobRunner;
  private readonly queue: JobQueue;
  private pollTimer?: NodeJS.Timeout;
  private softenTool?: Promise<typeof import('./soften-cache.js')>;

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
  modelDir(runId: string, folder = 'model'): string {
    const run = this.store.getRun(runId);
    if (!run) throw new ValidationError(`no run with id "${runId}"`);
    const art = this.store.artifacts(runId).find((a) => a.kind === 'model' && (a.name === `${folder}/model.json` || (folder === 'model' && a.name === 'model.json')));
    if (!art) throw new ValidationError(`run ${runId} (${run.kind}, ${run.status}) has no saved model`);
    const dir = join(this.dataDir, art.path, '..');
    if (!existsSync(join(dir, 'model.json'))) throw new ValidationError(`run ${runId}: saved model file ${art.path} is missing from the data folder`);
    return dir;
  }

  /**
   * Validates a job config completely (schema, dataset, parent runs) before
   * anything is recorded or started, so bad input never costs a run.
   */
  prepare(input: unknown): { config: JobConfig; parents: RunParent[] } & JobInputs {
    const config = parseJobConfig(input);
    try {
      resolveDataset(config.dataset);
    } catch (e) {
      throw new ValidationError(`dataset: ${(e as Error).message}`);
    }
    if ((COMPRESSION_KINDS as readonly string[]).includes(config.kind)) return this.prepareCompression(config as CompressionConfig);
    if (config.kind !== 'distill' && config.kind !== 'ae-distill') return { config, parents: [] };
    const teacherId = this.resolveTeacher(config);
    return { config: { ...config, teacherRunId: teacherId }, parents: [{ id: teacherId, role: 'teacher' }], teacherModelDir: this.modelDir(teacherId) };
  }

  /** Checks a compression job against its source model (layer names, ranks) and resolves its inputs. */
  private prepareCompression(config: CompressionConfig): { config: JobConfig; parents: RunParent[] } & JobInputs {
    const sourceId = this.resolveRunField('sourceRunId', config.sourceRunId);
    const source = this.store.getRun(sourceId)!;
    if (!MODEL_KINDS.includes(source.kind)) throw new ValidationError(`sourceRunId: run ${sourceId} is a ${source.kind} run; compression needs a classifier (train, distill or an earlier compression step)`);
    if (source.status !== 'completed') throw new ValidationError(`sourceRunId: run ${sourceId} is ${source.status}; the source must be completed`);
    let sourceModelDir: string;
    try {
      sourceModelDir = this.modelDir(sourceId);
    } catch (e) {
      throw new ValidationError(`sourceRunId: ${(e as Error).message}`);
    }
    const shapes = weightShapes(sourceModelDir);
    const kernels = [...shapes.entries()].filter(([n]) => n.endsWith('/kernel')).map(([n, shape]) => ({ layer: n.slice(0, -'/kernel'.length), shape }));
    const known = (field: string, names: string[] | undefined, allowed: { layer: string }[], what: string) => {
      for (const n of names ?? []) {
        if (!allowed.some((k) => k.layer === n)) throw new ValidationError(`${field}: ${n} is not ${what} of the source model (it has ${allowed.map((k) => k.layer).join(', ')})`);
      }
    };
    if (config.kind === 'prune' || config.kind === 'sensitivity') {
      const allowed = config.kind === 'prune' && config.method === 'structured' ? kernels.slice(0, -1) : kernels;
      known('layers', config.layers, allowed, config.kind === 'prune' && config.method === 'structured' ? 'a prunable hidden layer' : 'a Dense or Conv2D layer');
      if (config.kind === 'prune') known('layerSparsity', Object.keys(config.layerSparsity ?? {}), allowed, 'a prunable layer');
    }
    if (config.kind === 'factorize') {
      const f = config;
      const dense = kernels.filter((k) => k.shape.length === 2);
      known('layers', f.layers, dense, 'a Dense layer');
      known('ranks', Object.keys(f.ranks ?? {}), dense, 'a Dense layer');
      for (const k of dense.filter((d) => (f.layers ?? dense.slice(0, -1).map((x) => x.layer)).includes(d.layer))) {
        const r = f.ranks?.[k.layer] ?? f.rank;
        const [m, n] = k.shape;
        if (r !== undefined && r > Math.min(m, n)) throw new ValidationError(`rank: ${k.layer} is ${m}×${n}, so k must be at most ${Math.min(m, n)}, got ${r}`);
      }
    }
    const parents: RunParent[] = [{ id: sourceId, role: 'source' }];
    let baselineModelDir: string | undefined;
    if (config.kind === 'score' && config.baselineRunId) {
      const b = this.resolveRunField('baselineRunId', config.baselineRunId);
      try {
        baselineModelDir = this.modelDir(b);
      } catch (e) {
        throw new ValidationError(`baselineRunId: ${(e as Error).message}`);
      }
      parents.push({ id: b, role: 'baseline' });
      config = { ...config, baselineRunId: b };
    }
    const manifestArt = this.store.artifacts(sourceId).find((a) => a.name === 'compression.json');
    const sourceCompression = manifestArt ? JSON.parse(readFileSync(join(this.dataDir, manifestArt.path), 'utf8')) : undefined;
    return {
      config: { ...config, sourceRunId: sourceId, model: source.model ?? undefined },
      parents,
      sourceModelDir,
      sourceCompression,
      baselineModelDir,
      originalModelDir: this.modelDir(this.lineageRoot(sourceId)),
    };
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
      throw new ValidationError(`${field}: ${(e as Error).message}`);
    }
  }

  private resolveTeacher(config: DistillConfig | AeDistillConfig): string {
    let id: string;
    try {
      id = this.store.resolveRunId(config.teacherRunId);
    } catch (e) {
      throw new ValidationError(`teacherRunId: ${(e as Error).message}`);
    }
    const t = this.store.getRun(id)!;
    if (config.kind === 'ae-distill') {
      if (t.kind !== 'autoencoder' || t.model !== 'conv') throw new ValidationError(`teacherRunId: run ${id} is a ${t.kind} run of ${t.model}; the teacher must be a conv autoencoder run`);
    } else if (t.kind !== 'train' && t.kind !== 'distill') {
      throw new ValidationError(`teacherRunId: run ${id} is a ${t.kind} run, not a trained classifier`);
    }
    if (t.status !== 'completed') throw new ValidationError(`teacherRunId: run ${id} is ${t.status}, a teacher must be completed`);
    return id;
  }

  /** Starts a job at once, outside the queue (the CLI's way: one job, in the foreground). */
  startJob(input: unknown, name?: string): StartedJob {
    const { config, parents, ...inputs } = this.prepare(input);
    const run = this.store.createRun({ config, parents, name });
    this.emitRun(run.id);
    const job = this.runner.start(run.id, config, inputs);
    this.emitRun(run.id);
    return { run, finished: job.finished };
  }

  /** Queues a job; it starts when the queue has a free slot (Settings.concurrency). */
  enqueueJob(input: unknown, name?: string): StartedJob {
    const { config, parents, ...inputs } = this.prepare(input);
    const run = this.store.createRun({ config, parents, name });
    this.emitRun(run.id);
    return { run, finished: this.queue.enqueue(run.id, config, inputs) };
  }

  /** Runs a job to its end; resolves with the final run record. */
  async runJob(input: unknown, name?: string, onStart?: (run: Run) => void): Promise<Run> {
    const job = this.startJob(input, name);
    onStart?.(job.run);
    await job.finished;
    return this.store.getRun(job.run.id)!;
  }

  private kdSteps(o: KdRecipeOptions) {
    const common = pickTrainingFields(o as Record<string, unknown>);
    const distill = (teacherRunId: string) => ({
      ...common,
      kind: 'distill',
      model: 'student',
      temperature: o.temperature ?? KD_RECIPE_DEFAULTS.temperature,
      alpha: o.alpha ?? KD_RECIPE_DEFAULTS.alpha,
      teacherRunId,
    });
    const teacher = { ...common, kind: 'train', model: 'teacher' };
    const alone = { ...common, kind: 'train', model: 'student' };
    // Validate every step up front, so a bad alpha fails before the teacher trains.
    parseJobConfig(distill('pending'));
    this.prepare(teacher);
    return { teacher, distill, alone };
  }

  /**
   * The seed's experiment, in the foreground: teacher CNN, student MLP
   * distilled from it, and the same student trained alone. Stops at the
   * first step that does not complete.
   */
  async runKdRecipe(o: KdRecipeOptions, onStart?: (run: Run, step: string) => void): Promise<Run[]> {
    const steps = this.kdSteps(o);
    const runs: Run[] = [];
    const teacher = await this.runJob(steps.teacher, 'kd: teacher', (r) => onStart?.(r, 'teacher'));
    runs.push(teacher);
    if (teacher.status !== 'completed') return runs;
    const student = await this.runJob(steps.distill(teacher.id), 'kd: student with teacher', (r) => onStart?.(r, 'student with teacher'));
    runs.push(student);
    if (student.status !== 'completed') return runs;
    runs.push(await this.runJob(steps.alone, 'kd: student alone', (r) => onStart?.(r, 'student alone')));
    return runs;
  }

  /**
   * The kd recipe through the queue (the app's way): returns the queued
   * teacher run at once; the two students are queued when it completes.
   */
  enqueueKdRecipe(o: KdRecipeOptions): Run {
    const steps = this.kdSteps(o);
    const teacher = this.enqueueJob(steps.teacher, 'kd: teacher');
    void teacher.finished.then((state) => {
      if (state.status !== 'completed') return;
      try {
        this.enqueueJob(steps.distill(teacher.run.id), 'kd: student with teacher');
        this.enqueueJob(steps.alone, 'kd: student alone');
      } catch (e) {
        process.emitWarning(`kd recipe: could not queue the students of ${teacher.run.id}: ${(e as Error).message}`);
      }
    });
    return teacher.run;
  }

  /**
   * A compression pipeline: each step takes the previous step's run as its
   * source (the first takes `sourceRunId`), each a run of its own. All steps
   * are validated before the first starts; a step that does not complete ends it.
   */
  async runPipeline(sourceRunId: string, steps: Record<string, unknown>[], common: Record<string, unknown>, onStart?: (run: Run, step: string) => void): Promise<Run[]> {
    if (steps.length === 0) throw new ValidationError('steps: give at least one step');
    steps.forEach((st, i) => {
      if (!(COMPRESSION_KINDS as readonly string[]).includes(String(st.kind))) throw new ValidationError(`steps.${i}: "${String(st.kind)}" is not a compression step (${COMPRESSION_KINDS.join(', ')})`);
      if ((st.kind === 'score' || st.kind === 'sensitivity') && i < steps.length - 1) throw new ValidationError(`steps.${i}: ${String(st.kind)} makes no model, so it can only be the last step`);
      try {
        parseJobConfig({ ...common, ...st, sourceRunId: 'pending' });
      } catch (e) {
        throw new ValidationError(`steps.${i} (${String(st.kind)}): ${(e as Error).message}`);
      }
    });
    this.prepare({ ...common, ...steps[0], sourceRunId });
    const runs: Run[] = [];
    let source = sourceRunId;
    for (const [i, st] of steps.entries()) {
      const label = `${i + 1}/${steps.length} ${String(st.kind)}`;
      const r = await this.runJob({ ...common, ...st, sourceRunId: source }, `pipeline ${label}`, (run) => onStart?.(run, label));
      runs.push(r);
      if (r.status !== 'completed') break;
      source = r.id;
    }
    return runs;
  }

  /** Cancels a running job, or withdraws a queued one. */
  cancel(runId: string): boolean {
    const id = this.store.resolveRunId(runId);
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
    return {
      run: this.store.getRun(id)!,
      metrics: this.store.metrics(id),
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
    if (busy.length) throw new ValidationError(`ids: run(s) ${busy.join(', ')} are still queued or running; cancel them first`);
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
    if (!a) throw new ValidationError(`artifactId: run ${id} has no artifact ${artifactId}`);
    if (a.size > MAX_INLINE_ARTIFACT) throw new ValidationError(`artifactId: ${a.name} is ${a.size} bytes, too large to show (limit ${MAX_INLINE_ARTIFACT})`);
    const mime = a.name.endsWith('.png') ? 'image/png' : a.name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    const file = resolve(this.dataDir, a.path);
    if (!file.startsWith(resolve(this.dataDir) + sep)) throw new ValidationError(`artifactId: ${a.path} is outside the data folder`);
    return { name: a.name, mime, dataUrl: `data:${mime};base64,${readFileSync(file).toString('base64')}` };
  }

  listDatasets(): DatasetInfo[] {
    return listBuiltinDatasets();
  }

  /** A run's probabilities for one test image at temperature T (inference in this process). */
  async soften(id: string, image: number, temperature: number): Promise<SoftenResult> {
    const rid = this.store.resolveRunId(id);
    const run = this.store.getRun(rid)!;
    this.softenTool ??= import('./soften-cache.js');
    const tool = await this.softenTool;
    return tool.softenCached(rid, this.modelDir(rid), run.dataset ?? 'mnist', image, temperature);
  }
}

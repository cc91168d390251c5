// The application API: everything the CLI, serve mode and the desktop app
// can do, free of Electron and of any transport. Adapters stay thin.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJobConfig, ValidationError, type DistillConfig, type JobConfig } from '../contract/jobs.js';
import { Store, type ArtifactRow, type LogRow, type MetricRow, type Run, type RunParent } from '../db/store.js';
import { JobRunner, type FinalState } from '../jobs/runner.js';
import type { SpawnJobProcess } from '../jobs/spawn.js';
import { resolveDataset } from '../ml/data/datasets.js';

export interface RunDetail {
  run: Run;
  epochMetrics: MetricRow[];
  artifacts: ArtifactRow[];
  logs: LogRow[];
}

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

export class Service {
  readonly store: Store;
  readonly runner: JobRunner;

  constructor(
    readonly dataDir: string,
    opts: { spawn?: SpawnJobProcess; cancelGraceMs?: number } = {},
  ) {
    this.store = new Store(dataDir);
    this.runner = new JobRunner(this.store, opts.spawn, opts.cancelGraceMs);
  }

  close(): void {
    this.store.close();
  }

  /** The folder of a run's saved model, or an error saying why there is none. */
  modelDir(runId: string): string {
    const run = this.store.getRun(runId);
    if (!run) throw new ValidationError(`no run with id "${runId}"`);
    const art = this.store.artifacts(runId).find((a) => a.kind === 'model' && a.name === 'model.json');
    if (!art) throw new ValidationError(`run ${runId} (${run.kind}, ${run.status}) has no saved model`);
    const dir = join(this.dataDir, art.path, '..');
    if (!existsSync(join(dir, 'model.json'))) throw new ValidationError(`run ${runId}: saved model file ${art.path} is missing from the data folder`);
    return dir;
  }

  /**
   * Validates a job config completely (schema, dataset, parent runs) before
   * anything is recorded or started, so bad input never costs a run.
   */
  prepare(input: unknown): { config: JobConfig; parents: RunParent[]; teacherModelDir?: string } {
    const config = parseJobConfig(input);
    try {
      resolveDataset(config.dataset);
    } catch (e) {
      throw new ValidationError(`dataset: ${(e as Error).message}`);
    }
    if (config.kind !== 'distill') return { config, parents: [] };
    const teacherId = this.resolveTeacher(config);
    return { config: { ...config, teacherRunId: teacherId }, parents: [{ id: teacherId, role: 'teacher' }], teacherModelDir: this.modelDir(teacherId) };
  }

  private resolveTeacher(config: DistillConfig): string {
    let id: string;
    try {
      id = this.store.resolveRunId(config.teacherRunId);
    } catch (e) {
      throw new ValidationError(`teacherRunId: ${(e as Error).message}`);
    }
    const t = this.store.getRun(id)!;
    if (t.kind !== 'train' && t.kind !== 'distill') throw new ValidationError(`teacherRunId: run ${id} is a ${t.kind} run, not a trained classifier`);
    if (t.status !== 'completed') throw new ValidationError(`teacherRunId: run ${id} is ${t.status}, a teacher must be completed`);
    return id;
  }

  startJob(input: unknown, name?: string): StartedJob {
    const { config, parents, teacherModelDir } = this.prepare(input);
    const run = this.store.createRun({ config, parents, name });
    const job = this.runner.start(run.id, config, { teacherModelDir });
    return { run, finished: job.finished };
  }

  /** Runs a job to its end; resolves with the final run record. */
  async runJob(input: unknown, name?: string, onStart?: (run: Run) => void): Promise<Run> {
    const job = this.startJob(input, name);
    onStart?.(job.run);
    await job.finished;
    return this.store.getRun(job.run.id)!;
  }

  /**
   * The seed's experiment: teacher CNN, student MLP distilled from it, and
   * the same student trained alone. Stops at the first step that does not complete.
   */
  async runKdRecipe(o: KdRecipeOptions, onStart?: (run: Run, step: string) => void): Promise<Run[]> {
    const common = {
      dataset: o.dataset,
      epochs: o.epochs,
      batchSize: o.batchSize,
      learningRate: o.learningRate,
      trainLimit: o.trainLimit,
      testLimit: o.testLimit,
      seed: o.seed,
      backend: o.backend,
    };
    const distill = {
      ...common,
      kind: 'distill',
      model: 'student',
      temperature: o.temperature ?? KD_RECIPE_DEFAULTS.temperature,
      alpha: o.alpha ?? KD_RECIPE_DEFAULTS.alpha,
      teacherRunId: 'pending',
    };
    // Validate every step up front, so a bad alpha fails before the teacher trains.
    parseJobConfig(distill);
    const teacherInput = { ...common, kind: 'train', model: 'teacher' };
    this.prepare(teacherInput);
    const runs: Run[] = [];
    const teacher = await this.runJob(teacherInput, 'kd: teacher', (r) => onStart?.(r, 'teacher'));
    runs.push(teacher);
    if (teacher.status !== 'completed') return runs;
    const student = await this.runJob({ ...distill, teacherRunId: teacher.id }, 'kd: student with teacher', (r) => onStart?.(r, 'student with teacher'));
    runs.push(student);
    if (student.status !== 'completed') return runs;
    runs.push(await this.runJob({ ...common, kind: 'train', model: 'student' }, 'kd: student alone', (r) => onStart?.(r, 'student alone')));
    return runs;
  }

  cancel(runId: string): boolean {
    return this.runner.cancel(this.store.resolveRunId(runId));
  }

  listRuns(filter: Parameters<Store['listRuns']>[0] = {}): Run[] {
    return this.store.listRuns(filter);
  }

  getRun(idOrPrefix: string): RunDetail {
    const id = this.store.resolveRunId(idOrPrefix);
    return {
      run: this.store.getRun(id)!,
      epochMetrics: this.store.metrics(id, 'epoch'),
      artifacts: this.store.artifacts(id),
      logs: this.store.logs(id),
    };
  }

  /** Reads a run's model.json topology, e.g. to show its layers. */
  modelTopology(runId: string): unknown {
    return JSON.parse(readFileSync(join(this.modelDir(runId), 'model.json'), 'utf8')).modelTopology;
  }
}

// How each job kind runs inside a job process: the job side of the kind
// table (`contract/kinds/index.ts`). The mapped type makes a missing or
// misspelled kind a compile error.
import { KINDS, type ConfigOf, type JobKind } from '../contract/kinds/index.js';
import type { JobEvent, SizeCard, StartMessage } from '../contract/jobs.js';
import { computeSizeCard, measureLatency, runModelFiles, withLatency } from '../compare/size-card.js';
import { runClassifierJob } from './classifier-job.js';
import { runClusterJob } from './cluster-job.js';
import { runFactorizeJob, runFinetuneJob, runPruneJob, runQuantizeJob, runScoreJob, runSensitivityJob } from './compress-jobs.js';
import { runImportJob } from './import-job.js';
import type { JobIO } from './job-io.js';
import { runAeDistillJob, runAutoencoderJob, runVaeJob } from './latent-jobs.js';

export type JobMessage<K extends JobKind> = Omit<StartMessage, 'config'> & { config: ConfigOf<K> };
type Runner<K extends JobKind> = (msg: JobMessage<K>, io: JobIO) => Promise<void>;

export const JOB_RUNNERS: { [K in JobKind]: Runner<K> } = {
  train: runClassifierJob,
  distill: runClassifierJob,
  autoencoder: runAutoencoderJob,
  'ae-distill': runAeDistillJob,
  vae: runVaeJob,
  dirvae: runVaeJob,
  prune: runPruneJob,
  sensitivity: runSensitivityJob,
  quantize: runQuantizeJob,
  cluster: runClusterJob,
  factorize: runFactorizeJob,
  score: runScoreJob,
  finetune: runFinetuneJob,
  import: runImportJob,
  // Reports are built by the service from the database (a job process never opens it).
  report: async (_msg, io) => io.emit({ type: 'failed', error: 'report runs are built by the service, not in a job process' }),
  // A sweep is its member runs, queued by the service; it has no process of its own.
  sweep: async (_msg, io) => io.emit({ type: 'failed', error: 'sweeps are run by the service, not in a job process' }),
};

/**
 * Runs a job. A run that leaves a classifier gets its size card (sizes,
 * MicroNet counts, latency measured here, on the backend that trained it)
 * sent just before its `done`, so a completed run always has one.
 */
export async function runJob(msg: StartMessage, io: JobIO): Promise<void> {
  const run = JOB_RUNNERS[msg.config.kind] as Runner<JobKind>;
  if (KINDS[msg.config.kind].leaves !== 'classifier') return run(msg as JobMessage<JobKind>, io);
  let done: JobEvent | undefined;
  await run(msg as JobMessage<JobKind>, { ...io, emit: (e) => (e.type === 'done' ? (done = e) : io.emit(e)) });
  if (!done) return;
  try {
    const card = await sizeCard(msg.runDir);
    if (card) io.emit({ type: 'sizecard', card });
  } catch (e) {
    io.emit({ type: 'log', level: 'warn', message: `size card: ${(e as Error).message}` });
  }
  io.emit(done);
}

async function sizeCard(runDir: string): Promise<SizeCard | null> {
  const files = runModelFiles(runDir);
  if (!files) return null;
  const card = await computeSizeCard(files);
  return files.modelDirs.length === 1 ? withLatency(card, await measureLatency(files.modelDirs[0]), false) : card;
}

// How each job kind runs inside a job process: the job side of the kind
// table (`contract/kinds/index.ts`). The mapped type makes a missing or
// misspelled kind a compile error.
import type { ConfigOf, JobKind } from '../contract/kinds/index.js';
import type { StartMessage } from '../contract/jobs.js';
import { runClassifierJob } from './classifier-job.js';
import { runFactorizeJob, runFinetuneJob, runPruneJob, runQuantizeJob, runScoreJob, runSensitivityJob } from './compress-jobs.js';
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
  factorize: runFactorizeJob,
  score: runScoreJob,
  finetune: runFinetuneJob,
};

export function runJob(msg: StartMessage, io: JobIO): Promise<void> {
  const run = JOB_RUNNERS[msg.config.kind] as Runner<JobKind>;
  return run(msg as JobMessage<JobKind>, io);
}

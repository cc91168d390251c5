// Checkpoints as a job sees them: where they live in the run folder, the
// `checkpoint` event each one sends its parent, and resuming from the last.
import { join } from 'node:path';
import type { StartMessage } from '../contract/jobs.js';
import { latestCheckpointFile, readCheckpoint, writeCheckpoint, type TrainCheckpoint } from '../ml/train/checkpoint.js';
import { log, type JobIO } from './job-io.js';

/** The folder of a run's checkpoints. */
export const checkpointDir = (runDir: string) => join(runDir, 'checkpoints');

export interface Checkpointing {
  resume?: TrainCheckpoint;
  save: (c: TrainCheckpoint) => void;
}

/** Saves every epoch's checkpoint (and reports it); with `msg.resume`, loads the last one to continue from. */
export function checkpointing(msg: StartMessage, io: JobIO): Checkpointing {
  const dir = checkpointDir(msg.runDir);
  let resume: TrainCheckpoint | undefined;
  if (msg.resume) {
    const file = latestCheckpointFile(dir);
    if (!file) throw new Error(`cannot resume: no checkpoint in ${dir}`);
    resume = readCheckpoint(file.path);
    log(io, 'info', `resuming from the checkpoint of epoch ${resume.epoch} (step ${resume.step})`);
  }
  return {
    resume,
    save: (c) => {
      const t0 = performance.now();
      const { path, bytes } = writeCheckpoint(dir, c);
      io.emit({ type: 'checkpoint', epoch: c.epoch, path, size: bytes, ms: performance.now() - t0 });
    },
  };
}

/**
 * Test hook: with DISTILLERY_TEST_HALT_AT=<epoch>:<batch> in its environment,
 * a job stops making progress after that step (its events still flow), so a
 * test can kill it at a known point. Unset, it costs one comparison per step.
 */
export function haltHook(env: NodeJS.ProcessEnv = process.env): (s: { epoch: number; batch: number }) => Promise<void> | void {
  const m = /^(\d+):(\d+)$/.exec(env.DISTILLERY_TEST_HALT_AT ?? '');
  if (!m) return () => {};
  const [epoch, batch] = [Number(m[1]), Number(m[2])];
  return (s) => (s.epoch === epoch && s.batch === batch ? new Promise<void>(() => {}) : undefined);
}

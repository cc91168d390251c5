// For the resume tests (jobs/*resume*.test.ts): starts a job that halts after
// a given step (the DISTILLERY_TEST_HALT_AT hook) and kills its process there
// with SIGKILL, as the OS would. Not used by the app.
import type { FinalState } from '../jobs/runner.js';
import type { Service } from './service.js';

/** Starts `config` with the test hook that halts the job after step `batch` of `epoch`, then SIGKILLs it there. */
export async function startAndKill(svc: Service, config: Record<string, unknown>, epoch: number, batch: number, batches: number): Promise<{ id: string; final: FinalState; checkpoints: number[] }> {
  process.env.DISTILLERY_TEST_HALT_AT = `${epoch}:${batch}`;
  let job: ReturnType<Service['startJob']>;
  try {
    job = svc.startJob(config); // the job process copies the environment now
  } finally {
    delete process.env.DISTILLERY_TEST_HALT_AT;
  }
  const checkpoints: number[] = [];
  await new Promise<void>((resolve) => {
    const on = (id: string, e: { type: string; scope?: string; step?: number; epoch?: number; name?: string }) => {
      if (id !== job.run.id) return;
      if (e.type === 'checkpoint') checkpoints.push(e.epoch!);
      // The halting step's batch metric has arrived: the job is stuck there (where losses are read in bursts, the
      // steps after it in the same burst may have run, but the epoch has not ended: no checkpoint of that epoch).
      if (e.type === 'metric' && e.scope === 'batch' && e.name === 'loss' && e.step === (epoch - 1) * batches + batch) {
        svc.runner.off('event', on);
        resolve();
      }
    };
    svc.runner.on('event', on);
  });
  process.kill(svc.runner.jobPid(job.run.id)!, 'SIGKILL');
  const final = await job.finished;
  return { id: job.run.id, final, checkpoints };
}

// FIFO queue in front of the job runner: at most `concurrency()` jobs run at
// once (a second training job on a 2-core laptop only slows both down).
import { EventEmitter } from 'node:events';
import type { JobConfig, JobInputs } from '../contract/jobs.js';
import type { FinalState, JobRunner } from '../jobs/runner.js';

interface Pending {
  runId: string;
  config: JobConfig;
  extra: JobInputs;
  resolve: (s: FinalState) => void;
}

export class JobQueue extends EventEmitter<{ started: [runId: string] }> {
  private pending: Pending[] = [];

  constructor(
    private readonly runner: JobRunner,
    private readonly concurrency: () => number,
  ) {
    super();
    runner.on('finished', () => this.pump());
  }

  enqueue(runId: string, config: JobConfig, extra: Pending['extra'] = {}): Promise<FinalState> {
    return new Promise((resolve) => {
      this.pending.push({ runId, config, extra, resolve });
      this.pump();
    });
  }

  /** Removes a run that has not started yet; false when it is not waiting. */
  withdraw(runId: string): boolean {
    const i = this.pending.findIndex((p) => p.runId === runId);
    if (i < 0) return false;
    const [p] = this.pending.splice(i, 1);
    p.resolve({ status: 'cancelled' });
    return true;
  }

  get waiting(): string[] {
    return this.pending.map((p) => p.runId);
  }

  pump(): void {
    while (this.pending.length && this.runner.runningIds.length < this.concurrency()) {
      const next = this.pending.shift()!;
      const job = this.runner.start(next.runId, next.config, next.extra);
      this.emit('started', next.runId);
      job.finished.then(next.resolve);
    }
  }
}

// Parent side of a job: starts the job process, writes what it streams to
// the store in batched transactions, and turns its exit into a final status.
// The CLI, serve mode and the desktop app all use this one module; only the
// way a process is spawned differs (see spawn.ts).
import { EventEmitter } from 'node:events';
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JobEventSchema, type JobConfig, type JobEvent, type JobInputs, type StartMessage } from '../contract/jobs.js';
import type { Store } from '../db/store.js';
import { runDir } from '../db/data-dir.js';
import { checkpointDir } from './checkpoints.js';
import { forkJobProcess, type JobProcess, type SpawnJobProcess } from './spawn.js';

/** How often buffered events are written to SQLite. */
const WRITE_INTERVAL_MS = 250;
/** How long a cancelled job may take to finish its step and save before it is killed. */
export const CANCEL_GRACE_MS = 10_000;

export interface RunningJob {
  runId: string;
  /** Resolves with the final status once the job process is gone and everything is written. */
  finished: Promise<FinalState>;
}

export interface FinalState {
  /** `interrupted`: the job process was killed by a signal nobody here sent (out of memory, a user's kill); resumable. */
  status: 'completed' | 'failed' | 'cancelled' | 'interrupted';
  error?: string;
}

export interface JobRunnerEvents {
  event: [runId: string, event: JobEvent];
  finished: [runId: string, state: FinalState];
}

export class JobRunner extends EventEmitter<JobRunnerEvents> {
  private readonly active = new Map<string, { proc: JobProcess; cancelRequested: boolean; killTimer?: NodeJS.Timeout }>();

  constructor(
    private readonly store: Store,
    private readonly spawn: SpawnJobProcess = forkJobProcess,
    private readonly cancelGraceMs = CANCEL_GRACE_MS,
  ) {
    super();
  }

  get runningIds(): string[] {
    return [...this.active.keys()];
  }

  /** OS process id of a running job's process. */
  jobPid(runId: string): number | undefined {
    return this.active.get(runId)?.proc.pid;
  }

  /** Starts a queued run's job process. `extra` carries resolved inputs such as the teacher's model folder. */
  start(runId: string, config: JobConfig, extra: JobInputs = {}): RunningJob {
    const dir = runDir(this.store.dataDir, runId);
    mkdirSync(dir, { recursive: true });
    const proc = this.spawn();
    const entry: { proc: JobProcess; cancelRequested: boolean; killTimer?: NodeJS.Timeout } = { proc, cancelRequested: false };
    this.active.set(runId, entry);
    this.store.markRunning(runId, process.pid);

    let pending: JobEvent[] = [];
    let terminal: FinalState | undefined;
    let stderrTail = '';
    const write = () => {
      const batch = pending;
      pending = [];
      try {
        this.store.applyEvents(runId, batch, this.store.dataDir);
        if (batch.some((e) => e.type === 'checkpoint')) this.store.setDiskBytes(runId, dirBytes(dir));
      } catch (e) {
        // A full disk or locked database must not kill the job; say so in the log.
        process.emitWarning(`could not write events of run ${runId}: ${(e as Error).message}`);
      }
    };
    // The job process keeps the host alive, not this timer.
    const timer = setInterval(write, WRITE_INTERVAL_MS).unref();

    proc.onStderr((chunk) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
    });
    proc.onMessage((raw) => {
      const list = Array.isArray(raw) ? raw : [raw];
      for (const item of list) {
        const parsed = JobEventSchema.safeParse(item);
        if (!parsed.success) continue; // a malformed event is dropped, not trusted
        const e = parsed.data;
        pending.push(e);
        this.emit('event', runId, e);
        if (e.type === 'done') terminal = { status: 'completed' };
        else if (e.type === 'cancelled') terminal = { status: 'cancelled' };
        else if (e.type === 'failed') terminal = { status: 'failed', error: e.error };
        if (e.type === 'done' || e.type === 'cancelled') {
          write();
          try {
            this.store.finishRun(runId, terminal!.status as 'completed' | 'cancelled', { summary: e.summary });
          } catch (err) {
            process.emitWarning(`run ${runId}: could not record its summary: ${(err as Error).message}`);
          }
        }
      }
    });

    const finished = new Promise<FinalState>((resolve) => {
      proc.onExit((code, signal) => {
        clearInterval(timer);
        if (entry.killTimer) clearTimeout(entry.killTimer);
        this.active.delete(runId);
        write();
        let state = terminal;
        if (!state) {
          const tail = stderrTail ? `: ${stderrTail.trim().split('\n').slice(-5).join(' | ')}` : '';
          state = entry.cancelRequested
            ? { status: 'cancelled' }
            : signal
              ? { status: 'interrupted', error: `job process was killed (signal ${signal})${tail}` }
              : { status: 'failed', error: `job process exited unexpectedly (exit code ${code})${tail}` };
        }
        // finishRun only touches runs still open, so a 'done' already written stays.
        // A full disk can refuse this write; the run is then left open and becomes
        // `interrupted` on the next open, and the host keeps running.
        try {
          this.store.finishRun(runId, state.status, { error: state.error });
        } catch (e) {
          process.emitWarning(`run ${runId}: could not record its end (${state.status}): ${(e as Error).message}`);
        }
        try {
          // A completed run cannot be resumed: its checkpoint is no longer needed.
          if (state.status === 'completed' && this.store.getRun(runId)?.status === 'completed') {
            rmSync(checkpointDir(dir), { recursive: true, force: true });
            this.store.setCheckpoint(runId, null);
          }
          this.store.setDiskBytes(runId, dirBytes(dir));
        } catch (e) {
          process.emitWarning(`run ${runId}: could not measure or tidy its folder: ${(e as Error).message}`);
        }
        this.emit('finished', runId, state);
        resolve(state);
      });
    });

    const message: StartMessage = { type: 'start', runId, config, runDir: dir, ...extra };
    proc.send(message);
    return { runId, finished };
  }

  /** Asks the job to stop after its current step; kills it if it has not exited after the grace period. */
  cancel(runId: string): boolean {
    const entry = this.active.get(runId);
    if (!entry) return false;
    if (entry.cancelRequested) return true;
    entry.cancelRequested = true;
    entry.proc.send({ type: 'cancel' });
    entry.killTimer = setTimeout(() => entry.proc.kill(), this.cancelGraceMs);
    return true;
  }

  cancelAll(): void {
    for (const id of this.runningIds) this.cancel(id);
  }

  /** Kills every job process now (a second Ctrl-C); their runs end cancelled. */
  killAll(): void {
    for (const entry of this.active.values()) {
      entry.cancelRequested = true;
      entry.proc.kill();
    }
  }
}

/** Bytes of the files under `dir` (0 when it does not exist); links are not followed. */
export function dirBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const p = join(dir, name);
    try {
      const st = lstatSync(p);
      total += st.isDirectory() ? dirBytes(p) : st.size;
    } catch {
      // deleted meanwhile
    }
  }
  return total;
}

// Entry point of a job process (child_process.fork of the service host: the
// CLI, serve mode, and the desktop app's host). It never opens the
// database: it receives one start message, streams events to its parent, and
// exits. Events are buffered and sent in small batches, because one IPC
// message per training step would cost more than the step's bookkeeping.
import { ParentMessageSchema, type JobEvent } from '../contract/jobs.js';
import { runJob } from './runners.js';

const FLUSH_MS = 100;

interface Port {
  /** Resolves once the message has been handed to the channel. */
  send(msg: unknown): Promise<void>;
  on(event: 'message', fn: (msg: unknown) => void): void;
}

function parentPort(): Port {
  if (!process.send) throw new Error('worker.ts must be started as a job process (no IPC channel)');
  return {
    send: (m) => new Promise((resolve) => process.send!(m, undefined, undefined, () => resolve())),
    on: (e, fn) => process.on(e, fn),
  };
}

const port = parentPort();
let cancelled = false;
let buffer: JobEvent[] = [];
let timer: NodeJS.Timeout | undefined;

function flush(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = undefined;
  const batch = buffer;
  buffer = [];
  return batch.length ? port.send(batch) : Promise.resolve();
}

function emit(event: JobEvent): void {
  buffer.push(event);
  const terminal = event.type === 'done' || event.type === 'failed' || event.type === 'cancelled';
  if (terminal) void flush();
  else if (!timer) timer = setTimeout(() => void flush(), FLUSH_MS);
}

// Ctrl-C in a terminal reaches the whole process group; the parent decides
// what a cancel means (finish the step, save, report), so the job ignores it.
process.on('SIGINT', () => {});
// If the parent dies, nobody is listening: stop instead of training on.
process.on('disconnect', () => process.exit(3));

port.on('message', (raw) => {
  const parsed = ParentMessageSchema.safeParse(raw);
  if (!parsed.success) {
    emit({ type: 'log', level: 'error', message: `job process: ignored a malformed message from the parent` });
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'cancel') {
    cancelled = true;
    return;
  }
  runJob(msg, { emit, isCancelled: () => cancelled })
    .catch((e: unknown) => emit({ type: 'failed', error: (e as Error)?.message ?? String(e) }))
    .finally(async () => {
      await flush();
      process.exit(0);
    });
});

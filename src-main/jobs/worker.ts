// Entry point of a job process (child_process.fork in the CLI, serve mode
// and tests; Electron's utilityProcess in the app). It never opens the
// database: it receives one start message, streams events to its parent, and
// exits. Events are buffered and sent in small batches, because one IPC
// message per training step would cost more than the step's bookkeeping.
import { ParentMessageSchema, type JobEvent } from '../contract/jobs.js';
import type { StartMessage } from '../contract/jobs.js';
import { runClassifierJob } from './classifier-job.js';
import type { JobIO } from './job-io.js';
import { runAeDistillJob, runAutoencoderJob, runVaeJob } from './latent-jobs.js';
import { runFactorizeJob, runFinetuneJob, runPruneJob, runQuantizeJob, runScoreJob, runSensitivityJob } from './compress-jobs.js';

const FLUSH_MS = 100;

interface Port {
  /** Resolves once the message has been handed to the channel. */
  send(msg: unknown): Promise<void>;
  on(event: 'message', fn: (msg: unknown) => void): void;
}

/** Electron's utilityProcess exposes process.parentPort; forked Node children use process.send. */
function parentPort(): Port {
  const pp = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', fn: (e: { data: unknown }) => void): void } }).parentPort;
  if (pp) return { send: async (m) => pp.postMessage(m), on: (_e, fn) => pp.on('message', (ev) => fn(ev.data)) };
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

function runJob(msg: StartMessage, io: JobIO): Promise<void> {
  const c = msg.config;
  switch (c.kind) {
    case 'train':
    case 'distill':
      return runClassifierJob({ ...msg, config: c }, io);
    case 'autoencoder':
      return runAutoencoderJob({ ...msg, config: c }, io);
    case 'ae-distill':
      return runAeDistillJob({ ...msg, config: c }, io);
    case 'vae':
    case 'dirvae':
      return runVaeJob({ ...msg, config: c }, io);
    case 'prune':
      return runPruneJob({ ...msg, config: c }, io);
    case 'sensitivity':
      return runSensitivityJob({ ...msg, config: c }, io);
    case 'quantize':
      return runQuantizeJob({ ...msg, config: c }, io);
    case 'factorize':
      return runFactorizeJob({ ...msg, config: c }, io);
    case 'score':
      return runScoreJob({ ...msg, config: c }, io);
    case 'finetune':
      return runFinetuneJob({ ...msg, config: c }, io);
  }
}

// What a job sees of its process: an event sink, the cancel flag, and
// helpers every job kind shares (progress throttling, artifact files).
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JobEvent } from '../contract/jobs.js';

export interface JobIO {
  emit(event: JobEvent): void;
  isCancelled(): boolean;
}

/** Progress events are for eyes: a few per second is smooth, more is waste. */
const PROGRESS_INTERVAL_MS = 200;

export interface StepInfo {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  step: number;
  elapsed: number;
  images: number;
  /** Values logged as batch metrics; `loss` (and `accuracy`) also drive the progress bar. */
  metrics: Record<string, number>;
}

/** Turns training steps into batch metrics and throttled progress events. */
export function stepReporter(io: JobIO) {
  let lastProgress = 0;
  let images = 0;
  let seconds = 0;
  return {
    step(s: StepInfo): void {
      images += s.images;
      seconds = s.elapsed;
      for (const [name, value] of Object.entries(s.metrics)) {
        io.emit({ type: 'metric', scope: 'batch', step: s.step, epoch: s.epoch, name, value, t: s.elapsed });
      }
      const now = performance.now();
      const last = s.batch === s.batches && s.epoch === s.epochs;
      if (now - lastProgress < PROGRESS_INTERVAL_MS && s.step !== 1 && !last) return;
      lastProgress = now;
      const totalSteps = s.batches * s.epochs;
      io.emit({
        type: 'progress',
        epoch: s.epoch,
        epochs: s.epochs,
        batch: s.batch,
        batches: s.batches,
        loss: s.metrics.loss,
        accuracy: s.metrics.accuracy,
        eta: (s.elapsed / s.step) * (totalSteps - s.step),
        imagesPerSecond: images / Math.max(s.elapsed, 1e-9),
      });
    },
    epoch(epoch: number, elapsed: number, metrics: Record<string, number>): void {
      for (const [name, value] of Object.entries(metrics)) io.emit({ type: 'metric', scope: 'epoch', step: epoch, epoch, name, value, t: elapsed });
    },
    /** Training throughput so far, images per second. */
    throughput: (): number | null => (seconds > 0 ? images / seconds : null),
  };
}

/** Writes a file atomically under the run folder and reports it as an artifact. */
export function saveArtifact(io: JobIO, runDir: string, rel: string, kind: string, data: Buffer | string, meta: Record<string, unknown> = {}): string {
  const path = join(runDir, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  io.emit({ type: 'artifact', kind, name: rel, path, size: buf.length, sha256: createHash('sha256').update(buf).digest('hex'), meta });
  return path;
}

export const log = (io: JobIO, level: 'info' | 'warn', message: string) => io.emit({ type: 'log', level, message });

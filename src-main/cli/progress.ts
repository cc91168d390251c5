// Live progress of a job in the terminal: a bar on a TTY, one line per
// epoch otherwise (logs, CI), nothing with --json.
import cliProgress from 'cli-progress';
import type { JobEvent } from '../contract/jobs.js';
import { duration } from './format.js';

export interface ProgressView {
  onEvent(e: JobEvent): void;
  stop(): void;
}

export function progressView(label: string, mode: 'tty' | 'lines' | 'off', out = process.stderr): ProgressView {
  if (mode === 'off') return { onEvent: () => {}, stop: () => {} };
  if (mode === 'lines') {
    return {
      onEvent: (e) => {
        if (e.type === 'metric' && e.scope === 'epoch' && e.name === 'test_accuracy') out.write(`${label}: epoch ${e.epoch} test accuracy ${e.value.toFixed(4)}\n`);
        if (e.type === 'log' && e.level !== 'info') out.write(`${label}: ${e.level}: ${e.message}\n`);
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(22)} {bar} {percentage}% | epoch {epoch}/{epochs} batch {batch}/{batches} | loss {loss} acc {acc} | {ips} img/s | ETA {etaText}`,
      barsize: 24,
      hideCursor: true,
      stream: out,
      etaBuffer: 1,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onEvent: (e) => {
      if (e.type === 'log' && e.level !== 'info') out.write(`\n${e.level}: ${e.message}\n`);
      if (e.type !== 'progress') return;
      const total = e.epochs * e.batches;
      const value = (e.epoch - 1) * e.batches + e.batch;
      const payload = {
        epoch: e.epoch,
        epochs: e.epochs,
        batch: e.batch,
        batches: e.batches,
        loss: e.loss.toFixed(4),
        acc: e.accuracy === undefined ? '-' : e.accuracy.toFixed(3),
        ips: Math.round(e.imagesPerSecond),
        etaText: duration(e.eta),
      };
      if (!started) {
        bar.start(total, value, payload);
        started = true;
      } else bar.update(value, payload);
    },
    stop: () => started && bar.stop(),
  };
}

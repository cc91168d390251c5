// What every command shares: the global flags, the service on the chosen
// data folder, printing (human or --json), and running jobs with a live
// progress view and Ctrl-C handling.
import type { Command } from 'commander';
import type { JobEvent } from '../contract/jobs.js';
import { defaultDataDir } from '../db/data-dir.js';
import type { Run } from '../db/store.js';
import { Service } from '../service/service.js';
import { acc, int, modelLabel, table } from './format.js';
import { progressView } from './progress.js';

interface GlobalOpts {
  dataDir?: string;
  json?: boolean;
}

export class CliContext {
  constructor(private readonly program: Command) {}

  get json(): boolean {
    return !!this.program.opts<GlobalOpts>().json;
  }

  service(): Service {
    return new Service(this.program.opts<GlobalOpts>().dataDir ?? defaultDataDir());
  }

  /** Opens the service for one command and closes it after, whatever happens. */
  async withService<T>(fn: (svc: Service) => T | Promise<T>): Promise<T> {
    const svc = this.service();
    try {
      return await fn(svc);
    } finally {
      svc.close();
    }
  }

  print(human: string, json: unknown): void {
    console.log(this.json ? JSON.stringify(json, null, 2) : human);
  }

  /** Runs jobs with a live view and Ctrl-C handling; resolves with their runs. */
  async runWithProgress(svc: Service, go: (onStart: (run: Run, label: string) => void) => Promise<Run[]>): Promise<Run[]> {
    const mode = this.json ? 'off' : process.stderr.isTTY ? 'tty' : 'lines';
    let view = progressView('', 'off');
    let current: string | undefined;
    // Every run started here: a recipe may run several steps at once (reproduce --jobs), and Ctrl-C cancels them all.
    const started: string[] = [];
    let interrupts = 0;
    const onEvent = (runId: string, e: JobEvent) => runId === current && view.onEvent(e);
    svc.runner.on('event', onEvent);
    const onSigint = () => {
      interrupts++;
      if (!current) process.exit(130);
      process.stderr.write(interrupts === 1 ? '\ncancelling: finishing the current step(s) and saving (Ctrl-C again to stop at once)\n' : '\nstopping now\n');
      if (interrupts === 1) for (const id of started) svc.cancel(id);
      else svc.runner.killAll();
    };
    process.on('SIGINT', onSigint);
    try {
      return await go((run, label) => {
        view.stop();
        current = run.id;
        started.push(run.id);
        if (interrupts > 0) svc.cancel(run.id);
        if (mode !== 'off') process.stderr.write(`${label}: run ${run.id}\n`);
        view = progressView(label, mode);
      });
    } finally {
      view.stop();
      process.off('SIGINT', onSigint);
      svc.runner.off('event', onEvent);
      if (interrupts > 0) process.exitCode = 130;
    }
  }

  /** The results table of finished runs; sets the exit code from their status. */
  reportRuns(runs: Run[], title: string): void {
    const cols = keyMetrics(runs);
    const rows = runs.map((r) => [r.name?.replace(/^[\w-]+: /, '') ?? modelLabel(r), r.id, r.status, int(r.summary.params), ...cols.map((c) => c.fmt(r.summary[c.key]))]);
    const failed = runs.find((r) => r.status === 'failed' || r.status === 'interrupted');
    const resumable = failed?.status === 'interrupted' ? ` (distillery resume ${failed.id} continues it from its last checkpoint, if it has one)` : '';
    this.print(`\n${title}\n${table(['model', 'run', 'status', 'parameters', ...cols.map((c) => c.label)], rows)}${failed ? `\n\nrun ${failed.id} ${failed.status}: ${failed.error}${resumable}` : ''}`, runs);
    if (runs.some((r) => r.status === 'failed' || r.status === 'interrupted')) process.exitCode = 1;
    else if (runs.some((r) => r.status === 'cancelled')) process.exitCode = 130;
  }
}

/** The summary metrics worth a column for these runs' kinds. */
function keyMetrics(runs: Run[]): { key: string; label: string; fmt: (v: unknown) => string }[] {
  const n4 = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : '');
  const n2 = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : '');
  const all = [
    { key: 'test_accuracy', label: 'test accuracy', fmt: acc },
    { key: 'teacher_test_recon_loss', label: 'teacher recon', fmt: n4 },
    { key: 'alone_test_recon_loss', label: 'student alone recon', fmt: n4 },
    { key: 'test_recon_loss', label: 'test recon loss', fmt: n4 },
    { key: 'test_elbo', label: 'test ELBO', fmt: n2 },
    { key: 'elbo_bound', label: 'ELBO bound', fmt: (v: unknown) => (typeof v === 'string' ? v : '') },
    { key: 'test_nll', label: 'test NLL (IS)', fmt: n2 },
    { key: 'active_dims', label: 'active dims', fmt: (v: unknown) => (typeof v === 'number' ? String(v) : '') },
  ];
  return all.filter((c) => runs.some((r) => r.summary[c.key] !== undefined && r.summary[c.key] !== null));
}

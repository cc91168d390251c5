// `distillery resume <run>`: continues an interrupted, cancelled or failed
// run in place (same id) from its last end-of-epoch checkpoint, in the
// foreground with the same progress view and Ctrl-C handling as `run`.
import type { Command } from 'commander';
import { AppError } from '../../contract/errors.js';
import type { CliContext } from '../context.js';
import { followSweep, reportSweep } from './sweep.js';

export function registerResume(program: Command, ctx: CliContext): void {
  program
    .command('resume <run-id>')
    .description('continue an interrupted, cancelled or failed run from its last checkpoint (saved after each epoch of train, distill, finetune, factorize, prune with fine-tuning, autoencoder, ae-distill, vae and dirvae); metrics logged after it are replaced. A sweep continues with the runs it had not finished')
    .action(async (id: string) => {
      await ctx.withService(async (svc) => {
        try {
          if (svc.store.getRun(svc.store.resolveRunId(id))?.kind === 'sweep') {
            const job = svc.resumeJob(id);
            if (!ctx.json) process.stderr.write(`sweep ${job.run.id}: ${svc.store.sweepMembers(job.run.id).filter((m) => m.status === 'queued').length} run(s) queued again, the completed ones kept\n`);
            reportSweep(ctx, await followSweep(ctx, svc, job.run.id, job.finished), (f) => f);
            return;
          }
          const runs = await ctx.runWithProgress(svc, async (onStart) => {
            const job = svc.resumeJob(id);
            onStart(job.run, `resume ${job.run.kind}${job.run.model ? ` ${job.run.model}` : ''} (${job.run.config.epochs ?? '?'} epochs)`);
            await job.finished;
            return [svc.store.getRun(job.run.id)!];
          });
          ctx.reportRuns(runs, 'Result');
        } catch (e) {
          // The positional argument has no flag name: drop the API's "id: " prefix.
          if (e instanceof AppError && e.field === 'id') throw new AppError(e.code, e.message.replace(/^id: /, ''), { candidates: e.candidates });
          throw e;
        }
      });
    });
}

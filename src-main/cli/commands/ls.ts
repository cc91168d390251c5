// `distillery ls`: every run, one line each.
import type { Command } from 'commander';
import type { Run } from '../../db/store.js';
import type { CliContext } from '../context.js';
import { acc, duration, int, modelLabel, runSeconds, table } from '../format.js';

function runRow(r: Run) {
  return [
    r.id,
    r.kind,
    r.status,
    r.dataset,
    modelLabel(r),
    acc(r.summary.test_accuracy),
    int(r.summary.params),
    r.createdAt.replace('T', ' ').slice(0, 19),
    duration(runSeconds(r)),
  ];
}
const RUN_HEADERS = ['id', 'kind', 'status', 'dataset', 'model', 'test acc', 'params', 'created', 'duration'];

export function registerLs(program: Command, ctx: CliContext): void {
  program
    .command('ls')
    .description('list runs')
    .option('--kind <kind>', 'only runs of this kind')
    .option('--status <status>', 'only runs with this status')
    .action(async (o) => {
      await ctx.withService(async (svc) => {
        const runs = svc.listRuns({ kind: o.kind, status: o.status });
        ctx.print(runs.length ? table(RUN_HEADERS, runs.map(runRow)) : 'no runs yet: try `distillery run kd --epochs 1 --train-limit 2000 --test-limit 1000`', runs);
      });
    });

}

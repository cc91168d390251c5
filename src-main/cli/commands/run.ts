// `distillery run <kind|recipe>`: one subcommand per job kind and per
// recipe, flags generated from their schemas.
import type { Command } from 'commander';
import { KIND_LIST } from '../../contract/kinds/index.js';
import { RECIPE_LIST } from '../../contract/recipes/index.js';
import type { Run } from '../../db/store.js';
import type { CliContext } from '../context.js';
import { acc, int } from '../format.js';
import { addSchemaOptions, withFlagNames } from '../schema-options.js';

/** A compression step's own results, under the table. */
function printExtras(ctx: CliContext, runs: Run[]): void {
  if (ctx.json) return;
  const r = runs[runs.length - 1];
  if (runs.length === 1 && r.status === 'completed' && r.config.sourceRunId) {
    const extra = Object.entries(r.summary).filter(([k]) => !['params', 'test_accuracy'].includes(k));
    process.stdout.write(`\n${extra.map(([k, v]) => `  ${k}: ${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(6) : v}`).join('\n')}\n`);
  }
  const score = runs.length > 1 ? runs.find((x) => x.kind === 'score' && x.status === 'completed') : undefined;
  if (score) {
    const s = score.summary;
    process.stdout.write(
      `\nMicroNet score ${Number(s.micronet_score).toFixed(4)} (storage ${Number(s.storage_ratio).toFixed(4)} + ops ${Number(s.ops_ratio).toFixed(4)}, ${s.convention})\n` +
        `Compressed size ${int(s.compressed_bytes)} bytes vs ${int(s.original_bytes)} original: ${Number(s.compression_ratio).toFixed(1)}× smaller; test accuracy ${acc(s.test_accuracy)}\n`,
    );
  }
}

export function registerRun(program: Command, ctx: CliContext): void {
  const run = program.command('run').description('run a job (train, distill, compress, VAEs, …) or a recipe of several');

  // Sweeps have their own command, `distillery sweep <kind>`.
  for (const def of KIND_LIST.filter((k) => k.group !== 'sweep')) {
    const cmd = run.command(def.kind).description(def.help);
    const opts = addSchemaOptions(cmd, def.schema, def);
    cmd.action(async (o: Record<string, unknown>) => {
      await ctx.withService(async (svc) => {
        try {
          const config: Record<string, unknown> = { kind: def.kind, ...opts.toConfig(o) };
          const label = `${def.kind}${typeof config.model === 'string' ? ` ${config.model}` : ''}`;
          const runs = await ctx.runWithProgress(svc, async (onStart) => [await svc.runJob(config, undefined, (r) => onStart(r, label))]);
          ctx.reportRuns(runs, 'Result');
          printExtras(ctx, runs);
        } catch (e) {
          throw withFlagNames(e, opts.flagOf);
        }
      });
    });
  }

  for (const def of RECIPE_LIST) {
    const cmd = run.command(def.recipe).description(`${def.label}: ${def.help}`);
    const opts = addSchemaOptions(cmd, def.schema, def);
    cmd.action(async (o: Record<string, unknown>) => {
      await ctx.withService(async (svc) => {
        try {
          const options = opts.toConfig(o);
          const plan = svc.planRecipe(def.recipe, options);
          const runs = await ctx.runWithProgress(svc, (onStart) => svc.runRecipe(def.recipe, options, onStart));
          ctx.reportRuns(runs, plan.title);
          printExtras(ctx, runs);
        } catch (e) {
          throw withFlagNames(e, opts.flagOf);
        }
      });
    });
  }
}

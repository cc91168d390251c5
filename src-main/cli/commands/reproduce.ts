// `distillery reproduce <recipe> [--quick]`: re-runs a published experiment
// (a reproduction recipe) and prints the published-vs-measured table of its
// report run; `--list` shows the recipes with their source, setting,
// published numbers and a time estimate for this machine.
import type { Command } from 'commander';
import type { ReproReport } from '../../contract/analysis/reproduction.js';
import { ValidationError } from '../../contract/errors.js';
import { RECIPES, REPRODUCTIONS, estimateSeconds, formatDuration, measuredSpeeds, type RecipeId } from '../../contract/recipes/index.js';
import { REFERENCES } from '../../contract/references.js';
import type { CliContext } from '../context.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const fmt = (v: number | null) => (v === null ? '–' : Number.isInteger(v) ? v.toLocaleString('en-US') : String(+v.toPrecision(4)));

export function registerReproduce(program: Command, ctx: CliContext): void {
  program
    .command('reproduce')
    .description('reproduce a published result in one go: the runs, then a published-vs-measured report run (report.html, report.json)')
    .argument('[recipe]', `one of: ${Object.keys(REPRODUCTIONS).join(', ')}`)
    .option('--quick', 'smoke run: 256 training and 256 test images, 1 epoch per step')
    .option('--list', 'list the reproduction recipes with source, setting, published numbers and a time estimate')
    .option('--jobs <n>', 'steps that do not depend on each other run side by side, n at a time (each job uses one core; default 1)', '1')
    .action(async (recipe: string | undefined, o: { quick?: boolean; list?: boolean; jobs: string }) => {
      await ctx.withService(async (svc) => {
        if (o.list || !recipe) {
          const speeds = measuredSpeeds(svc.listRuns());
          const list = Object.entries(REPRODUCTIONS).map(([id, r]) => {
            const ref = REFERENCES[r.reference];
            const full = estimateSeconds(id, false, speeds);
            const quick = estimateSeconds(id, true, speeds);
            return { recipe: id, label: RECIPES[id as RecipeId].label, source: ref.where, setting: ref.setting, published: ref.numbers, estimateSeconds: full.seconds, quickEstimateSeconds: quick.seconds, estimateFromThisWorkspace: full.measured };
          });
          ctx.print(
            list
              .map(
                (x) =>
                  `${x.recipe}  (${x.label})\n  source:   ${x.source}\n  setting:  ${x.setting}\n  published: ${x.published.map((n) => `${n.label} ${fmt(n.value)}${n.unit === 'accuracy' || n.unit === 'count' || n.unit === 'params' || n.unit === 'errors' ? '' : ` ${n.unit}`}`).join('; ')}\n  estimate: ${formatDuration(x.estimateSeconds)} full, ${formatDuration(x.quickEstimateSeconds)} --quick (${x.estimateFromThisWorkspace ? 'speeds measured in this workspace' : 'rough: built-in speeds where this workspace has no full run of a model'})`,
              )
              .join('\n\n'),
            list,
          );
          return;
        }
        if (!Object.hasOwn(REPRODUCTIONS, recipe)) throw new ValidationError(`recipe: "${recipe}" is not a reproduction recipe (${Object.keys(REPRODUCTIONS).join(', ')}); see distillery reproduce --list`, 'recipe');
        const jobs = Number(o.jobs);
        if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new ValidationError(`--jobs: must be an integer from 1 to 64, got "${o.jobs}"`, 'jobs');
        const options = { quick: !!o.quick };
        svc.planRecipe(recipe, options);
        const runs = await ctx.runWithProgress(svc, (onStart) => svc.runRecipe(recipe, options, onStart, jobs));
        const report = runs.at(-1);
        if (report?.kind !== 'report' || report.status !== 'completed') {
          ctx.reportRuns(runs, `${recipe}: did not complete`);
          process.exitCode = 1;
          return;
        }
        const arts = svc.store.artifacts(report.id);
        const json = JSON.parse(readFileSync(join(svc.dataDir, arts.find((a) => a.name === 'report.json')!.path), 'utf8')) as ReproReport;
        const html = join(svc.dataDir, arts.find((a) => a.name === 'report.html')!.path);
        const rows = json.rows.map((r) => `  ${r.label.padEnd(58)} ${fmt(r.value).padStart(9)} ${fmt(r.measured).padStart(9)}  ${r.unit}`);
        const only = json.measuredOnly.map((r) => `  ${r.label.padEnd(58)} ${''.padStart(9)} ${fmt(r.value).padStart(9)}`);
        const claims = json.claims.map((c) => `  ${c.holds === null ? 'not tested' : c.holds ? 'holds' : 'does not hold'}${json.quick ? ' (smoke run: not meaningful)' : ''}: ${c.claim} (${c.evidence})`);
        ctx.print(
          `\n${json.reference.title}${json.quick ? ' — SMOKE RUN (--quick): not a reproduction' : ''}\n  ${'quantity'.padEnd(58)} ${'published'.padStart(9)} ${'measured'.padStart(9)}\n${rows.join('\n')}${only.length ? `\n\nMeasured (no published number)\n${only.join('\n')}` : ''}\n\nClaims\n${claims.join('\n')}\n\nReport run ${report.id}: ${html}`,
          { runs, report: json, html },
        );
      });
    });
}

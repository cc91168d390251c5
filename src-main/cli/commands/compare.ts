// `distillery compare <runs…>` prints the summary table and the config diff;
// `distillery export --runs … --format csv|json|html` writes the comparison
// to standard output or a file.
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { SUMMARY_NUMBERS } from '../../contract/analysis/comparison.js';
import { SUMMARY_LABELS } from '../../compare/compare.js';
import { exportBundle } from '../../bundle/bundle.js';
import { ValidationError } from '../../contract/errors.js';
import type { CliContext } from '../context.js';
import { table } from '../format.js';

const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toPrecision(5)) : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function registerCompare(program: Command, ctx: CliContext): void {
  program
    .command('compare <runs...>')
    .description('compare runs: size, cost and accuracy side by side, deltas to the first (or --baseline), and the config keys that differ')
    .option('--baseline <run-id>', 'run the deltas are taken against (default: the first)')
    .option('--all-config', 'list every config key, not only those that differ')
    .action(async (ids: string[], o: { baseline?: string; allConfig?: boolean }) => {
      await ctx.withService((svc) => {
        const c = svc.compare({ ids, baseline: o.baseline, allConfig: o.allConfig });
        const fields = SUMMARY_NUMBERS.filter((f) => c.summary.some((r) => r[f] !== null));
        const base = c.runIds.indexOf(c.baselineId);
        const summary = table(
          ['run', 'kind', 'model', ...fields.map((f) => SUMMARY_LABELS[f])],
          c.summary.map((r, i) => [r.id + (i === base ? ' *' : ''), r.kind, r.model, ...fields.map((f) => cell(r[f]) + (i !== base && typeof c.summaryDeltas[f][i] === 'number' && c.summaryDeltas[f][i] !== 0 ? ` (${c.summaryDeltas[f][i]! > 0 ? '+' : ''}${cell(c.summaryDeltas[f][i])})` : ''))]),
        );
        const diff = c.config.length ? table(['config key', ...c.runIds], c.config.map((r) => [r.key, ...r.values.map(cell)])) : '  (the configs do not differ)';
        ctx.print(`${summary}\n(* baseline; deltas in parentheses)\n\n${o.allConfig ? 'config' : 'config differences'}\n${diff}`, c);
      });
    });

  program
    .command('export')
    .description('write runs as CSV or JSON (one row per run: size card, final metrics, flattened config), as one self-contained HTML report, or as a .distillery bundle to import elsewhere')
    .requiredOption('--runs <ids...>', 'runs to export')
    .addOption(new Option('--format <format>', 'csv, json, html or bundle (needs -o)').choices(['csv', 'json', 'html', 'bundle']).default('csv'))
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .option('--title <text>', 'title of the HTML report')
    .action(async (o: { runs: string[]; format: 'csv' | 'json' | 'html' | 'bundle'; output?: string; title?: string }) => {
      if (o.format === 'bundle') {
        if (!o.output) throw new ValidationError('--output: a bundle is a file: give -o FILE.distillery', 'output');
        await ctx.withService(async (svc) => {
          const ids = o.runs.map((id) => svc.store.resolveRunId(id));
          const r = await exportBundle(svc.store, ids, o.output!);
          const extra = r.runs.length - ids.length;
          ctx.print(`wrote ${r.file}: ${r.runs.length} runs${extra ? ` (${extra} of them ancestors, kept for lineage)` : ''}, ${r.files} files, ${r.bytes.toLocaleString('en-US')} bytes`, r);
        });
        return;
      }
      const format = o.format;
      await ctx.withService((svc) => {
        const text =
          format === 'json'
            ? JSON.stringify(svc.compare({ ids: o.runs }), null, 2)
            : svc.exportComparison({ ids: o.runs, format, title: o.title, charts: format === 'html' ? { names: [], scope: 'epoch', xAxis: 'epoch', budget: 500 } : undefined }).text;
        if (o.output) {
          writeFileSync(o.output, text);
          process.stderr.write(`wrote ${o.output} (${text.length.toLocaleString('en-US')} bytes)\n`);
        } else process.stdout.write(text.endsWith('\n') ? text : text + '\n');
      });
    });
}

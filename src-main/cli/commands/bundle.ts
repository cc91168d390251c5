// `distillery import FILE.distillery` brings runs in; `distillery backup -o
// FILE` copies the whole workspace while jobs may be running.
import type { Command } from 'commander';
import { backupWorkspace, importBundle } from '../../bundle/bundle.js';
import type { CliContext } from '../context.js';

export function registerBundle(program: Command, ctx: CliContext): void {
  program
    .command('import <file>')
    .description('import the runs of a .distillery bundle (every hash checked; importing twice changes nothing)')
    .action(async (file: string) => {
      await ctx.withService(async (svc) => {
        const r = await importBundle(svc.store, file);
        const renamed = Object.entries(r.renamed);
        ctx.print(
          [
            `imported ${r.imported.length} run${r.imported.length === 1 ? '' : 's'}${r.imported.length ? `: ${r.imported.join(', ')}` : ''}`,
            r.skipped.length ? `already here, unchanged: ${r.skipped.join(', ')}` : '',
            renamed.length ? `renamed (their id was taken by another run): ${renamed.map(([a, b]) => `${a} → ${b}`).join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
          r,
        );
      });
    });

  program
    .command('backup')
    .description('copy the whole workspace (database and run files) into one archive, safely while jobs run')
    .requiredOption('-o, --output <file>', 'archive to write (.tar.gz)')
    .action(async (o: { output: string }) => {
      await ctx.withService(async (svc) => {
        const r = await backupWorkspace(svc.store, o.output);
        ctx.print(`wrote ${r.file} (${r.bytes.toLocaleString('en-US')} bytes)`, r);
      });
    });
}

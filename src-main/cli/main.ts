// `distillery` command line: a thin adapter over the service. Each command
// lives in commands/; `run` generates its flags from the kind and recipe
// schemas.
import { Command } from 'commander';
import { AppError } from '../contract/errors.js';
import { DATA_DIR_ENV } from '../db/data-dir.js';
import { registerBundle } from './commands/bundle.js';
import { registerCompare } from './commands/compare.js';
import { registerExportModel } from './commands/export-model.js';
import { registerImportModel } from './commands/import-model.js';
import { registerLs } from './commands/ls.js';
import { registerResume } from './commands/resume.js';
import { registerReproduce } from './commands/reproduce.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerShow } from './commands/show.js';
import { registerSoften } from './commands/soften.js';
import { registerSummary } from './commands/summary.js';
import { registerSweep } from './commands/sweep.js';
import { CliContext } from './context.js';

export function buildCli(): Command {
  const program = new Command('distillery')
    .description('Train, distill, compress and compare models on your own machine.')
    .option('--data-dir <folder>', `where runs are stored (default: $${DATA_DIR_ENV} or the OS app-data folder)`)
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError();
  const ctx = new CliContext(program);
  for (const register of [registerRun, registerSweep, registerResume, registerLs, registerShow, registerSummary, registerSoften, registerServe, registerCompare, registerBundle, registerExportModel, registerImportModel, registerReproduce]) register(program, ctx);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.stderr.write(`distillery: ${(e as Error)?.message ?? String(e)}\n`);
    // Bad input exits 2 (as usage errors do); anything else 1.
    process.exitCode = e instanceof AppError && e.code !== 'internal' ? 2 : e instanceof RangeError ? 2 : 1;
  }
}

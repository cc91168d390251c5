// `distillery import-model <folder|model.json> [--name]`: bring your own
// TensorFlow.js layers classifier; it becomes a run that compression kinds
// and distillation (as teacher) take like any trained model.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CliContext } from '../context.js';
import { numberArg } from '../schema-options.js';

export function registerImportModel(program: Command, ctx: CliContext): void {
  program
    .command('import-model <path>')
    .description('import a TensorFlow.js layers model (model.json or its folder; Sequential or a plain chain of Dense/Conv2D/MaxPooling2D/Flatten/Dropout/Activation layers, 28x28x1 or 784 inputs, 10 classes) as a new run')
    .option('--name <name>', 'name of the new run')
    .option('--dataset <name|folder>', 'test set it is evaluated on', 'mnist')
    .option('--test-limit <n>', 'use only the first n test images', numberArg('--test-limit', true))
    .action(async (path: string, o: { name?: string; dataset: string; testLimit?: number }) => {
      await ctx.withService(async (svc) => {
        const config = { kind: 'import', path: resolve(path), dataset: o.dataset, testLimit: o.testLimit };
        const runs = await ctx.runWithProgress(svc, async (onStart) => [await svc.runJob(config, o.name, (r) => onStart(r, 'import'))]);
        ctx.reportRuns(runs, 'Imported');
      });
    });
}

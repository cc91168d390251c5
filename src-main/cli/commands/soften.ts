// `distillery soften`: one test image's probabilities, plain and softened at T.
import type { Command } from 'commander';
import { initBackend } from '../../ml/engine/backend.js';
import { softenExample } from '../../ml/inspect/soften.js';
import type { CliContext } from '../context.js';
import { numberArg } from '../schema-options.js';

export function registerSoften(program: Command, ctx: CliContext): void {
  program
    .command('soften')
    .description("a teacher's probabilities for one test image, unsoftened and softened at temperature T")
    .requiredOption('--run <run-id>', 'run whose model to use')
    .option('--image <index>', 'test image index', numberArg('--image', true), 0)
    .option('--temperature <T>', 'softmax temperature', numberArg('--temperature', false), 4)
    .option('--dataset <name|folder>', "test set to take the image from (default: the run's dataset)")
    .action(async (o) => {
      await ctx.withService(async (svc) => {
        const id = svc.store.resolveRunId(o.run);
        const run = svc.store.getRun(id)!;
        const dir = svc.modelDir(id);
        await initBackend(run.config.backend === 'tensorflow' ? undefined : 'cpu');
        const r = await softenExample(dir, o.dataset ?? run.dataset ?? 'mnist', o.image, o.temperature);
        const vec = (v: number[]) => `[${v.map((x) => x.toExponential(7)).join(' ')}]`;
        ctx.print(
          [
            `run ${id}, test image ${r.image} (label ${r.label})`,
            `Unsoftened probabilities: ${vec(r.probabilities)}`,
            `Prediction based on unsoftened probability for: ${r.predicted}`,
            `Softened probabilities (T = ${r.temperature}): ${vec(r.softened)}`,
            `Prediction based on Softened probability for: ${r.predictedSoftened}`,
          ].join('\n'),
          { runId: id, ...r, pixels: undefined },
        );
      });
    });

}

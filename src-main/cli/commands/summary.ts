// `distillery summary <model>`: a Keras-style layer table of a built-in model.
import type { Command } from 'commander';
import type { LayersModel } from '@tensorflow/tfjs';
import { ValidationError } from '../../contract/errors.js';
import { initBackend } from '../../ml/engine/backend.js';
import { buildConvAe, buildDenseAe, buildGaussianVae } from '../../ml/models/autoencoders.js';
import { buildClassifier, CLASSIFIER_MODELS } from '../../ml/models/classifiers.js';
import { formatSummary, summarize } from '../../ml/models/summary.js';
import type { CliContext } from '../context.js';

/** Models `distillery summary` can describe, by the name users type. */
const SUMMARY_MODELS: Record<string, () => LayersModel> = {
  ...Object.fromEntries(CLASSIFIER_MODELS.map((m) => [m, () => buildClassifier(m)])),
  'conv-ae': () => buildConvAe().model,
  'dense-ae': () => buildDenseAe().model,
  'vae-encoder': () => buildGaussianVae(2).encoder,
  'vae-decoder': () => buildGaussianVae(2).decoder,
};

export function registerSummary(program: Command, ctx: CliContext): void {
  program
    .command('summary <model>')
    .description(`Keras-style layer table of a model (${Object.keys(SUMMARY_MODELS).join(', ')})`)
    .action(async (name: string) => {
      const build = SUMMARY_MODELS[name];
      if (!build) throw new ValidationError(`model: must be one of ${Object.keys(SUMMARY_MODELS).join(', ')}, got "${name}"`);
      await initBackend('cpu');
      const s = summarize(build());
      ctx.print(formatSummary(s), s);
    });

}

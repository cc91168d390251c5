import { z } from 'zod';
import { pickTrainingFields, trainingFields, vaeFields } from '../kinds/common.js';
import { KINDS } from '../kinds/index.js';
import { defineRecipe } from './recipe.js';

const dir = KINDS.dirvae.schema.shape;

export const vaeCompare = defineRecipe({
  recipe: 'vae-compare',
  label: 'VAE vs Dirichlet VAE',
  help: 'A Gaussian VAE and a Dirichlet VAE of the same latent size on the same data, side by side: ELBO, log-likelihood, active dimensions.',
  schema: z.object({
    latentDim: z.number().int().min(2, 'must be at least 2 (a Dirichlet lives on a simplex)').max(512).meta({ title: 'Latent size', description: 'Latent size of both models.' }).default(10),
    priorAlpha: dir.priorAlpha,
    sampler: dir.sampler,
    kl: dir.kl,
    ...vaeFields,
    ...trainingFields,
  }),
  // The same active-dimension measure for both kinds: variance of E[z|x] relative to the prior's, above 0.01.
  title: (o) => `VAE comparison, latent size ${o.latentDim} (lower NLL is better; active dims: Var E[z|x] / prior variance > 0.01)`,
  steps: (o) => {
    const shared = { latentDim: o.latentDim, llSamples: o.llSamples, llImages: o.llImages, ...pickTrainingFields(o) };
    return [
      { label: 'Gaussian VAE', config: () => ({ kind: 'vae', ...shared }) },
      { label: 'Dirichlet VAE', config: () => ({ kind: 'dirvae', priorAlpha: o.priorAlpha, sampler: o.sampler, kl: o.kl, ...shared }) },
    ];
  },
});

import { z } from 'zod';
import { trainingFields, vaeFields } from './common.js';
import { defineKind } from './kind.js';

export const vae = defineKind({
  kind: 'vae',
  label: 'VAE',
  help: 'Gaussian VAE (encoder 784-512-(d, d)): ELBO curves, latent scatter, decoded manifold, importance-sampled log-likelihood.',
  group: 'latent',
  needs: [],
  leaves: 'vae',
  schema: z.object({
    kind: z.literal('vae'),
    model: z.literal('gaussian').meta({ internal: true }).default('gaussian'),
    // 2 draws the scatter and the manifold directly, as the seed does.
    latentDim: z.number().int().min(1, 'must be at least 1').max(512).meta({ title: 'Latent size', description: '2 gives the scatter and manifold pictures directly.' }).default(2),
    ...vaeFields,
    ...trainingFields,
  }),
});

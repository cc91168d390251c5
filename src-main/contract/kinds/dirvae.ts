import { z } from 'zod';
import { trainingFields, vaeFields } from './common.js';
import { defineKind } from './kind.js';

export const dirvae = defineKind({
  kind: 'dirvae',
  label: 'Dirichlet VAE',
  help: 'Dirichlet prior Dir(α) on the latent simplex (Joo et al.); the decoder reads the sample scaled by K; Dirichlet or multi-Gamma KL; latent usage per dimension, log-likelihood.',
  group: 'latent',
  needs: [],
  leaves: 'vae',
  schema: z.object({
    kind: z.literal('dirvae'),
    model: z.literal('dirichlet').meta({ internal: true }).default('dirichlet'),
    latentDim: z.number().int().min(2, 'must be at least 2 (a Dirichlet lives on a simplex)').max(512).meta({ title: 'Latent size K', description: 'Dimensions of the simplex (at least 2).' }).default(10),
    // The paper's prior: 0.98 per dimension, slightly sparse.
    priorAlpha: z.number().positive('must be greater than 0').max(100).meta({ title: 'Prior α', description: 'Dirichlet concentration per dimension; the paper uses 0.98.' }).default(0.98),
    // The paper's inverse-CDF approximation is biased (its mean is not α), so the exact sampler is the default.
    sampler: z.enum(['exact', 'icdf']).meta({ title: 'Gamma sampler', description: "exact (reparameterized Marsaglia–Tsang) or icdf (the paper's approximation, biased: its mean is not α)." }).default('exact'),
    // The decoder sees only the normalized sample, so the closed-form Dirichlet KL is that
    // model's exact KL and gives the tighter ELBO; the paper's multi-Gamma KL adds a term on
    // the Gammas' total that taxes confident posteriors.
    kl: z.enum(['dirichlet', 'multigamma']).meta({ title: 'KL term', description: "dirichlet (closed-form Dirichlet KL, exact for this model, the tighter bound) or multigamma (the paper's, looser)" }).default('dirichlet'),
    ...vaeFields,
    ...trainingFields,
  }),
});

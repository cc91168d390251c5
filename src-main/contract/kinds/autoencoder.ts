import { z } from 'zod';
import { dataParallel, trainingFields } from './common.js';
import { defineKind } from './kind.js';

export const reconLoss = z.enum(['bce', 'mse']).meta({ title: 'Reconstruction loss', description: 'Per pixel, averaged: bce (cross-entropy) or mse.' });

export const autoencoder = defineKind({
  kind: 'autoencoder',
  label: 'Autoencoder',
  help: "The seed's conv AE (4,385 parameters) or dense AE 784-128-784 (201,616); reconstructions are also shown sharpened (logits ÷ T before the sigmoid).",
  group: 'latent',
  needs: [],
  leaves: 'autoencoder',
  schema: z.object({
    kind: z.literal('autoencoder'),
    model: z.enum(['conv', 'dense']).meta({ title: 'Model', description: 'conv (4,385 parameters) or dense 784-128-784 (201,616).' }).default('conv'),
    // The conv AE only: worthParallel leaves dense models on one core.
    dataParallel,
    loss: reconLoss.default('bce'),
    // The seed shows reconstructions sharpened at T = 0.6.
    sharpenTemperature: z.number().positive('must be greater than 0').max(100).meta({ title: 'Sharpening T', description: 'Reconstruction logits ÷ T before the sigmoid; the seed uses 0.6.' }).default(0.6),
    ...trainingFields,
  }),
});

import { z } from 'zod';
import { trainingFields } from './common.js';
import { reconLoss } from './autoencoder.js';
import { defineKind } from './kind.js';

export const aeDistill = defineKind({
  kind: 'ae-distill',
  label: 'AE distill',
  help: "A dense AE student whose 128-d code is pulled towards a conv AE teacher's 4×4×8 code: loss = recon + α·MSE(code_S − code_T)·T². The student alone is trained too, for comparison.",
  group: 'latent',
  needs: [{ field: 'teacherRunId', role: 'teacher', leaves: 'autoencoder', model: 'conv' }],
  leaves: 'autoencoder',
  flags: { teacherRunId: 'teacher' },
  schema: z.object({
    kind: z.literal('ae-distill'),
    teacherRunId: z.string().min(1, 'is required').meta({ title: 'Teacher (conv autoencoder run)', description: "A completed conv autoencoder run: its 4×4×8 code guides the dense student's 128-d code." }),
    model: z.literal('dense').meta({ internal: true }).default('dense'),
    loss: reconLoss.default('bce'),
    temperature: z.number().positive('must be greater than 0').max(1000).meta({ title: 'Temperature T', description: 'Scales the code-matching term by T².' }).default(4),
    alpha: z.number().positive('must be greater than 0').max(1000).meta({ title: 'Alpha', description: 'Weight of the code-matching term; the seed uses 0.5.' }).default(0.5),
    ...trainingFields,
  }),
});

import { z } from 'zod';
import { checkTrainerFields, sourceFields, trainerFields } from './common.js';
import { defineKind } from './kind.js';

export const finetune = defineKind({
  kind: 'finetune',
  label: 'Fine-tune',
  help: 'Trains a compressed model further, keeping pruned weights at zero.',
  group: 'compress',
  needs: [{ field: 'sourceRunId', role: 'source', leaves: 'classifier' }],
  leaves: 'classifier',
  flags: { sourceRunId: 'source' },
  schema: z.object({
    kind: z.literal('finetune'),
    epochs: z.number().int().min(1, 'must be at least 1').max(1000).meta({ title: 'Epochs', description: 'Fine-tuning epochs.' }).default(1),
    ...sourceFields,
    ...trainerFields,
  }).superRefine(checkTrainerFields),
});

import { z } from 'zod';
import { checkTrainerFields, layerList, sourceFields, trainerFields } from './common.js';
import { defineKind } from './kind.js';

export const factorize = defineKind({
  kind: 'factorize',
  label: 'Factorize (SVD)',
  help: 'Replaces Dense layers by two low-rank layers: m·n → (m+n)·k weights; the spectrum is logged.',
  group: 'compress',
  needs: [{ field: 'sourceRunId', role: 'source', leaves: 'classifier' }],
  leaves: 'classifier',
  flags: { sourceRunId: 'source' },
  schema: z.object({
    kind: z.literal('factorize'),
    layers: layerList.meta({ title: 'Layers', description: 'Dense layers to factorize (default: every Dense layer but the output).', advanced: true }).optional(),
    rank: z.number().int('must be an integer').min(1, 'must be at least 1').meta({ title: 'Rank k', description: 'One rank for every chosen layer (empty = choose by kept energy).' }).optional(),
    ranks: z.record(z.string(), z.number().int().min(1, 'must be at least 1')).meta({ title: 'Per-layer ranks', description: 'layer=k pairs.', advanced: true }).optional(),
    // 90 % of Σσ² keeps accuracy within a point on the seed's MLPs while cutting their Dense weights severalfold.
    energy: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').meta({ title: 'Kept energy', description: 'Without a rank: the smallest rank keeping this share of Σσ².' }).default(0.9),
    finetuneEpochs: z.number().int().min(0).max(100).meta({ title: 'Fine-tuning epochs', description: 'After factorizing; 0 = none.' }).default(0),
    ...sourceFields,
    ...trainerFields,
  }).superRefine(checkTrainerFields),
});

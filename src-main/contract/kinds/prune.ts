import { z } from 'zod';
import { checkTrainerFields, layerList, sourceFields, sparsity, trainerFields } from './common.js';
import { defineKind } from './kind.js';

const SOURCE = { field: 'sourceRunId', role: 'source', leaves: 'classifier' } as const;

export const prune = defineKind({
  kind: 'prune',
  label: 'Prune',
  help: 'Removes weights by magnitude (unstructured) or whole units/filters (structured: the layers really shrink), optionally in steps with fine-tuning; pruned weights stay zero.',
  group: 'compress',
  needs: [SOURCE],
  leaves: 'classifier',
  flags: { sourceRunId: 'source' },
  schema: z.object({
    kind: z.literal('prune'),
    method: z.enum(['unstructured', 'structured']).meta({ title: 'Method', description: 'unstructured (single weights) or structured (units / filters: layers get smaller).' }).default('unstructured'),
    criterion: z.enum(['l1', 'l2', 'activation', 'apoz']).meta({ title: 'Ranking', description: "Structured pruning's ranking of units/filters (unstructured always uses weight magnitude)." }).default('l1'),
    sparsity: sparsity.meta({ title: 'Sparsity', description: 'Share of weights (or units) removed per layer, in [0, 1).' }).default(0.5),
    layerSparsity: z.record(z.string(), sparsity).meta({ title: 'Per-layer sparsity', description: 'layer=share pairs overriding the sparsity for the layers named.', advanced: true }).optional(),
    scope: z.enum(['layer', 'global']).meta({ title: 'Scope', description: 'One threshold per layer, or one for all layers.', advanced: true }).default('layer'),
    layers: layerList.meta({ title: 'Layers', description: 'Layers to prune (default: every Dense/Conv2D; structured pruning never shrinks the output layer).', advanced: true }).optional(),
    steps: z.number().int().min(1, 'must be at least 1').max(50).meta({ title: 'Steps', description: 'Reach the target in this many steps, fine-tuning after each (1 = one-shot).' }).default(1),
    finetuneEpochs: z.number().int().min(0, 'must be 0 or more').max(100).meta({ title: 'Fine-tuning epochs', description: 'After each step; 0 = none.' }).default(1),
    validationImages: z.number().int().min(1).max(10000).meta({ title: 'Validation images', description: 'Training images used to rank units by activation or APoZ.', advanced: true }).default(500),
    ...sourceFields,
    ...trainerFields,
  }).superRefine(checkTrainerFields),
});

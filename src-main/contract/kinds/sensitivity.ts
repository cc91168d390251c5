import { z } from 'zod';
import { layerList, sourceFields, sparsity } from './common.js';
import { defineKind } from './kind.js';

export const sensitivity = defineKind({
  kind: 'sensitivity',
  label: 'Sensitivity scan',
  help: 'Per layer: test accuracy when only that layer is pruned to 0…95 %, and the sparsity each layer tolerates.',
  group: 'compress',
  needs: [{ field: 'sourceRunId', role: 'source', leaves: 'classifier' }],
  leaves: 'nothing',
  flags: { sourceRunId: 'source' },
  schema: z.object({
    kind: z.literal('sensitivity'),
    layers: layerList.meta({ title: 'Layers', description: 'Layers to scan (default: every Dense/Conv2D).' }).optional(),
    sparsities: z.array(sparsity).min(1).meta({ title: 'Sparsities', description: 'Sparsity levels tried per layer.', advanced: true }).default([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]),
    ...sourceFields,
  }),
});

import { z } from 'zod';
import { checkTrainerFields, layerList, sourceFields, trainerFields } from './common.js';
import { defineKind } from './kind.js';

const bits = z.number().int('must be an integer').min(1, 'must be from 1 to 8').max(8, 'must be from 1 to 8');

export const cluster = defineKind({
  kind: 'cluster',
  label: 'Cluster (weight sharing)',
  help: "Han et al.'s weight sharing: k-means on each layer's weights into 2^bits shared values (linear initialization), then fine-tuning that moves the shared values, not single weights; pruned zeros stay zero. Storage: a 32-bit codebook plus ceil(log2 k)-bit indices.",
  group: 'compress',
  needs: [{ field: 'sourceRunId', role: 'source', leaves: 'classifier' }],
  leaves: 'classifier',
  flags: { sourceRunId: 'source' },
  schema: z.object({
    kind: z.literal('cluster'),
    // Han et al. use 6 bits for every layer of LeNet-300-100 (8 conv / 5 fc for LeNet-5).
    bits: bits.meta({ title: 'Bits', description: 'Index bits per weight: k = 2^bits shared values per layer (Han et al.: 6 for LeNet-300-100).' }).default(6),
    layerBits: z.record(z.string(), bits).meta({ title: 'Per-layer bits', description: 'layer=bits pairs overriding the bits for the layers named (LeNet-5: conv 8, fc 5).', advanced: true }).optional(),
    layers: layerList.meta({ title: 'Layers', description: 'Layers to cluster (default: every Dense/Conv2D).', advanced: true }).optional(),
    finetuneEpochs: z.number().int().min(0, 'must be 0 or more').max(100).meta({ title: 'Fine-tuning epochs', description: 'Centroid fine-tuning after clustering: the summed gradients of the weights sharing a value move that value; 0 = none.' }).default(1),
    ...sourceFields,
    ...trainerFields,
  }).superRefine((o, ctx) => {
    checkTrainerFields(o, ctx);
    if (o.maxNorm !== undefined) ctx.addIssue({ code: 'custom', path: ['maxNorm'], message: 'is not available with clustering (it would move single weights off their shared values)' });
  }),
});

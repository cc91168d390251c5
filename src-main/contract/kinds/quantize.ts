import { z } from 'zod';
import { sourceFields } from './common.js';
import { defineKind } from './kind.js';

export const quantize = defineKind({
  kind: 'quantize',
  label: 'Quantize',
  help: 'Affine post-training quantization of the weights to 2–8 bits; writes the packed integer file whose size is the storage reported.',
  group: 'compress',
  needs: [{ field: 'sourceRunId', role: 'source', leaves: 'classifier' }],
  leaves: 'classifier',
  flags: { sourceRunId: 'source' },
  negations: { perChannel: 'per-tensor' },
  schema: z.object({
    kind: z.literal('quantize'),
    bits: z.number().int('must be an integer').min(2, 'must be from 2 to 8').max(8, 'must be from 2 to 8').meta({ title: 'Bits', description: '2 to 8 per weight.' }).default(8),
    // Per channel keeps narrow channels from being crushed by a wide one's range.
    perChannel: z.boolean().meta({ title: 'Per output channel', description: 'One scale per output channel, else one per tensor.' }).default(true),
    calibrationImages: z.number().int().min(1, 'must be at least 1').max(60000).meta({ title: 'Calibration images', description: 'Training images run through the model to record activation ranges (written to the file for runtimes).', advanced: true }).default(500),
    ...sourceFields,
  }),
});

import { z } from 'zod';
import { sourceFields } from './common.js';
import { defineKind } from './kind.js';

export const score = defineKind({
  kind: 'score',
  label: 'MicroNet score',
  help: "Parameter storage and math operations against a baseline (default: the seed's teacher at 32 bits), and the Deep Compression size.",
  group: 'compress',
  needs: [
    { field: 'sourceRunId', role: 'source', leaves: 'classifier' },
    { field: 'baselineRunId', role: 'baseline', leaves: 'classifier', optional: true },
  ],
  leaves: 'nothing',
  flags: { sourceRunId: 'source', baselineRunId: 'baseline' },
  schema: z.object({
    kind: z.literal('score'),
    baselineRunId: z.string().meta({ title: 'Baseline run', description: "Run whose model is the baseline (default: the seed's teacher CNN at 32 bits)." }).optional(),
    convention: z.enum(['fp32', 'fp16']).meta({ title: 'Convention', description: 'fp32: a 32-bit parameter counts 1 (MicroNet); fp16: the seed\'s "16-bit counts as one".' }).default('fp32'),
    ...sourceFields,
  }),
});

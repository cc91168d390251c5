import { z } from 'zod';
import { MAX_SWEEP_RUNS } from '../sweeps/spec.js';
import { defineKind } from './kind.js';

export const sweep = defineKind({
  kind: 'sweep',
  label: 'Sweep',
  help: "A grid of runs of one kind: a base config, the fields to vary (a list, a lin/log range or random draws) and seeds per setting. Its runs go through the queue; the sweep's page shows each setting's mean ± std over seeds.",
  group: 'sweep',
  needs: [],
  leaves: 'nothing',
  schema: z.object({
    kind: z.literal('sweep'),
    // The member kind's schema checks the base (and each generated config) in the service: a recursive union here would not type.
    base: z
      .record(z.string(), z.unknown())
      .refine((b) => typeof b.kind === 'string' && b.kind !== 'sweep' && b.kind !== 'report', 'must be the config of a job kind (not a sweep or report)')
      .meta({ title: 'Base config', description: 'The config every run starts from (its kind and fields); varied fields are set per setting.' }),
    vary: z
      .array(z.object({ field: z.string().min(1, 'is required'), spec: z.string().trim().min(1, 'give the values to try') }).strict())
      .min(1, 'name at least one field to vary')
      .meta({ title: 'Varied fields', description: 'Per field: a list 1,2,4, a range lin:A..B:N or log:A..B:N, or a draw uniform:A..B / loguniform:A..B.' }),
    // Three seeds show whether a difference is larger than seed-to-seed noise at a tolerable cost.
    seeds: z.number().int().min(1, 'must be at least 1').max(MAX_SWEEP_RUNS).meta({ title: 'Seeds per setting', description: 'Runs per setting; seed k uses the base seed + k.' }).default(1),
    samples: z.number().int().min(1, 'must be at least 1').max(MAX_SWEEP_RUNS).meta({ title: 'Random samples', description: 'Draws for uniform:/loguniform: specs.' }).optional(),
    model: z.string().meta({ internal: true, description: "The base config's model, for tables." }).optional(),
    dataset: z.string().min(1).meta({ internal: true, description: "The base config's dataset, for tables." }).default('mnist'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).meta({ internal: true, description: 'The base seed; also seeds the random draws.' }).default(42),
  }),
});

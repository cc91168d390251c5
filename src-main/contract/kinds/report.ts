import { z } from 'zod';
import { defineKind } from './kind.js';

export const report = defineKind({
  kind: 'report',
  label: 'Reproduction report',
  help: "Published vs measured: reads the named runs of a reproduction recipe from the database and writes report.html and report.json (the published numbers come from the references module only). Made by the service; it trains nothing.",
  group: 'report',
  needs: [],
  leaves: 'nothing',
  schema: z.object({
    kind: z.literal('report'),
    recipe: z.string().min(1, 'is required').meta({ title: 'Recipe', description: 'The reproduction recipe whose runs are reported (e.g. seed-kd).' }),
    stepRunIds: z.array(z.string().min(1)).min(1, 'name at least one run').meta({ title: 'Step runs', description: "The recipe's runs, in step order." }),
    quick: z.boolean().meta({ title: 'Quick', description: 'The runs are a smoke run (tiny slices, one epoch): the report says so.' }).default(false),
    model: z.string().meta({ internal: true, description: 'Unused; for tables.' }).optional(),
    dataset: z.string().min(1).meta({ internal: true, description: 'The dataset of the runs, for tables.' }).default('mnist'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).meta({ internal: true, description: 'Unused; for tables.' }).default(42),
  }),
});

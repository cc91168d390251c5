// The table of job kinds. Adding a kind: one file beside this one, one row
// here, and one row in `jobs/runners.ts` (the compiler asks for it).
import { z } from 'zod';
import { aeDistill } from './ae-distill.js';
import { autoencoder } from './autoencoder.js';
import { cluster } from './cluster.js';
import { dirvae } from './dirvae.js';
import { distill } from './distill.js';
import { factorize } from './factorize.js';
import { finetune } from './finetune.js';
import { importModel } from './import.js';
import type { KindDef, Leaves } from './kind.js';
import { prune } from './prune.js';
import { quantize } from './quantize.js';
import { report } from './report.js';
import { score } from './score.js';
import { sensitivity } from './sensitivity.js';
import { sweep } from './sweep.js';
import { train } from './train.js';
import { vae } from './vae.js';

export const KINDS = {
  train,
  distill,
  autoencoder,
  'ae-distill': aeDistill,
  vae,
  dirvae,
  prune,
  sensitivity,
  quantize,
  cluster,
  factorize,
  score,
  finetune,
  import: importModel,
  report,
  sweep,
} as const;

export type JobKind = keyof typeof KINDS;
// Each row's key is its kind: a typo in either fails here.
KINDS satisfies { [K in JobKind]: KindDef<K> };

export const JobConfigSchema = z.discriminatedUnion('kind', [
  train.schema,
  distill.schema,
  autoencoder.schema,
  aeDistill.schema,
  vae.schema,
  dirvae.schema,
  prune.schema,
  sensitivity.schema,
  quantize.schema,
  cluster.schema,
  factorize.schema,
  score.schema,
  finetune.schema,
  importModel.schema,
  report.schema,
  sweep.schema,
]);
export type JobConfig = z.infer<typeof JobConfigSchema>;
export type ConfigOf<K extends JobKind> = z.infer<(typeof KINDS)[K]['schema']>;

export const KIND_LIST: KindDef[] = Object.values(KINDS);

export function isJobKind(k: string): k is JobKind {
  return Object.hasOwn(KINDS, k);
}

/** What a run of this kind leaves (unknown kinds, e.g. from a newer version, leave nothing usable). */
export function leavesOf(kind: string): Leaves {
  return isJobKind(kind) ? KINDS[kind].leaves : 'nothing';
}

/** The flag a user types for a config field of this kind. */
export function flagFor(kind: string, field: string): string {
  const def = isJobKind(kind) ? KINDS[kind] : undefined;
  const renamed = def?.flags?.[field] ?? def?.negations?.[field] ?? COMMON_FLAGS[field];
  return '--' + (renamed ?? field.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
}

/** Renamed the same way for every kind (recipes too). */
export const COMMON_FLAGS: Record<string, string> = { teacherRunId: 'teacher', sourceRunId: 'source', baselineRunId: 'baseline' };

export type { KindDef, Leaves, RunNeed } from './kind.js';

// Config diff across runs: what was different between these runs? Configs
// are nested (records of per-layer sparsities, arrays of sparsities), so
// they are flattened to dot paths ("layerSparsity.FC1", "sparsities.2")
// whose leaf values can be compared side by side.

import { withTrainerDefaults } from '../kinds/common.js';
import { isJobKind, KINDS } from '../kinds/index.js';

const takesTrainer = (c: unknown): boolean => {
  const kind = (c as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' && isJobKind(kind) && 'optimizer' in KINDS[kind].schema.shape;
};

export type Leaf = string | number | boolean | null;

/**
 * Flattens a JSON value into dot paths. Arrays use their indices as path
 * segments; empty arrays and objects are kept as leaves ("[]", "{}") so that
 * "no layers" differs from "layers not set".
 */
export function flattenConfig(value: unknown, prefix = '', out: Record<string, Leaf> = {}): Record<string, Leaf> {
  if (Array.isArray(value)) {
    if (value.length === 0 && prefix) out[prefix] = '[]';
    value.forEach((v, i) => flattenConfig(v, prefix ? `${prefix}.${i}` : String(i), out));
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object);
    if (keys.length === 0 && prefix) out[prefix] = '{}';
    for (const k of keys) flattenConfig((value as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) {
    out[prefix] = typeof value === 'bigint' ? Number(value) : (value as Leaf);
  }
  return out;
}

export interface ConfigDiffRow {
  key: string;
  /** One entry per run, in the order given; undefined where the run's config lacks the key. */
  values: (Leaf | undefined)[];
  differs: boolean;
}

/** Keys (sorted) whose values differ between the configs, or every key with `all`. */
export function configDiff(configs: readonly unknown[], opts: { all?: boolean } = {}): ConfigDiffRow[] {
  // A run recorded before the trainer options trained with their defaults: beside a run that has them, compare it as such.
  const anyTrainer = configs.some((c) => c !== null && typeof c === 'object' && 'optimizer' in c);
  const flat = configs.map((c) => flattenConfig(withTrainerDefaults(c, anyTrainer && takesTrainer(c))));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const rows: ConfigDiffRow[] = [];
  for (const key of keys) {
    const values = flat.map((f) => (Object.prototype.hasOwnProperty.call(f, key) ? f[key] : undefined));
    const differs = values.some((v) => !Object.is(v, values[0]) && !(v === 0 && values[0] === 0));
    if (differs || opts.all) rows.push({ key, values, differs });
  }
  return rows;
}

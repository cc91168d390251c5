// Checks of a compression config against its source model that the schema
// cannot make: layer names that exist, ranks that fit the layer. Read from
// the saved model's manifest, without loading weights.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../contract/errors.js';
import type { JobConfig } from '../contract/jobs.js';

interface Kernel {
  layer: string;
  shape: number[];
}

/** Kernel weights of a saved model (Dense and Conv2D layers), in order. */
function kernels(modelDir: string): Kernel[] {
  const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
  return json.weightsManifest.flatMap((g) => g.weights).filter((w) => w.name.endsWith('/kernel')).map((w) => ({ layer: w.name.slice(0, -'/kernel'.length), shape: w.shape }));
}

function known(field: string, names: string[] | undefined, allowed: Kernel[], what: string): void {
  for (const n of names ?? []) {
    if (!allowed.some((k) => k.layer === n)) throw new ValidationError(`${field}: ${n} is not ${what} of the source model (it has ${allowed.map((k) => k.layer).join(', ')})`, field);
  }
}

export function checkAgainstSource(config: JobConfig, sourceModelDir: string): void {
  if (config.kind !== 'prune' && config.kind !== 'sensitivity' && config.kind !== 'factorize') return;
  const all = kernels(sourceModelDir);
  if (config.kind === 'prune' || config.kind === 'sensitivity') {
    const structured = config.kind === 'prune' && config.method === 'structured';
    // Structured pruning never shrinks the output layer: the classes are fixed.
    const allowed = structured ? all.slice(0, -1) : all;
    known('layers', config.layers, allowed, structured ? 'a prunable hidden layer' : 'a Dense or Conv2D layer');
    if (config.kind === 'prune') known('layerSparsity', Object.keys(config.layerSparsity ?? {}), allowed, 'a prunable layer');
    return;
  }
  const dense = all.filter((k) => k.shape.length === 2);
  known('layers', config.layers, dense, 'a Dense layer');
  known('ranks', Object.keys(config.ranks ?? {}), dense, 'a Dense layer');
  const chosen = config.layers ?? dense.slice(0, -1).map((x) => x.layer);
  for (const k of dense.filter((d) => chosen.includes(d.layer))) {
    const r = config.ranks?.[k.layer] ?? config.rank;
    const [m, n] = k.shape;
    if (r !== undefined && r > Math.min(m, n)) throw new ValidationError(`rank: ${k.layer} is ${m}×${n}, so k must be at most ${Math.min(m, n)}, got ${r}`, 'rank');
  }
}

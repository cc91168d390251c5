// Pruning. Unstructured: zero the smallest-magnitude weights (per layer or
// with one global threshold). Structured: remove whole Dense units or Conv2D
// filters, ranked by the L1/L2 norm of their weights, their mean activation,
// or their share of zero activations (APoZ) on validation images — and
// really shrink the layers, so the saved model is smaller, not just masked.
import * as tf from '@tensorflow/tfjs';
import { fromChain, isWeighted, type Chain, type LayerSpec } from './chain.js';

export type PruneScope = 'layer' | 'global';
export type Criterion = 'l1' | 'l2' | 'activation' | 'apoz';

export function checkSparsity(s: number): void {
  if (!(s >= 0 && s < 1)) throw new RangeError(`sparsity: must be in [0, 1), got ${s}`);
}

const kernelOf = (l: LayerSpec) => l.weights[0].values;

/** Zeroes the floor(sparsity·n) smallest |w| of each chosen kernel (or, globally, across all of them). */
export function pruneUnstructured(chain: Chain, layerNames: string[], sparsity: number, scope: PruneScope): Map<string, number> {
  checkSparsity(sparsity);
  const layers = chain.layers.filter((l) => layerNames.includes(l.name));
  if (scope === 'layer') {
    for (const l of layers) zeroSmallest([kernelOf(l)], sparsity);
  } else {
    zeroSmallest(layers.map(kernelOf), sparsity);
  }
  return new Map(layers.map((l) => [l.name, sparsityOf(kernelOf(l))]));
}

function zeroSmallest(tensors: Float32Array[], sparsity: number): void {
  const total = tensors.reduce((n, t) => n + t.length, 0);
  const k = Math.floor(sparsity * total);
  if (k === 0) return;
  // Sort (tensor, index) pairs by magnitude; ties broken by position so the count is exact.
  const refs = new Uint32Array(total);
  const mags = new Float32Array(total);
  const owner = new Uint16Array(total);
  let p = 0;
  tensors.forEach((t, ti) => {
    for (let i = 0; i < t.length; i++, p++) {
      refs[p] = i;
      owner[p] = ti;
      mags[p] = Math.abs(t[i]);
    }
  });
  const order = Uint32Array.from({ length: total }, (_, i) => i).sort((a, b) => mags[a] - mags[b] || a - b);
  for (let j = 0; j < k; j++) tensors[owner[order[j]]][refs[order[j]]] = 0;
}

export function sparsityOf(values: Float32Array): number {
  let z = 0;
  for (const v of values) if (v === 0) z++;
  return z / values.length;
}

/** Keeps zeros at zero: the masks of a pruned chain, by layer name. */
export function masksOf(chain: Chain): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const l of chain.layers.filter(isWeighted)) {
    const k = kernelOf(l);
    if (sparsityOf(k) > 0) out.set(l.name, Float32Array.from(k, (v) => (v === 0 ? 0 : 1)));
  }
  return out;
}

/** Per-unit scores (higher = more important) of a Dense/Conv2D layer. */
export function rankUnits(chain: Chain, layerName: string, criterion: Criterion, validation?: { x: tf.Tensor }): Float32Array {
  const layer = chain.layers.find((l) => l.name === layerName)!;
  const k = kernelOf(layer);
  const units = layer.weights[0].shape.at(-1)!;
  const scores = new Float32Array(units);
  if (criterion === 'l1' || criterion === 'l2') {
    for (let i = 0; i < k.length; i++) scores[i % units] += criterion === 'l1' ? Math.abs(k[i]) : k[i] * k[i];
    if (criterion === 'l2') for (let u = 0; u < units; u++) scores[u] = Math.sqrt(scores[u]);
    return scores;
  }
  if (!validation) throw new Error(`criterion ${criterion} needs validation images`);
  const model = fromChain(chain);
  try {
    const acts = tf.tidy(() => {
      const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer(layerName).output as tf.SymbolicTensor });
      const a = probe.predict(validation.x) as tf.Tensor;
      const flat = a.reshape([-1, units]); // conv: every position counts as an observation
      return criterion === 'activation' ? tf.mean(flat, 0) : tf.sub(1, tf.mean(tf.cast(tf.equal(flat, 0), 'float32'), 0)); // 1 − APoZ
    });
    scores.set(acts.dataSync());
    acts.dispose();
  } finally {
    model.dispose();
  }
  return scores;
}

/**
 * Removes the lowest-scored fraction of units/filters of `layerName` and the
 * matching inputs of the next weighted layer (through pooling, dropout and
 * flatten, where each removed filter takes its positions in the flattened vector).
 */
export function removeUnits(chain: Chain, layerName: string, scores: Float32Array, fraction: number): { kept: number[]; before: number; after: number } {
  checkSparsity(fraction);
  const idx = chain.layers.findIndex((l) => l.name === layerName);
  const layer = chain.layers[idx];
  if (!layer || !isWeighted(layer)) throw new Error(`layers: ${layerName} is not a Dense or Conv2D layer`);
  const nextIdx = chain.layers.findIndex((l, i) => i > idx && isWeighted(l));
  if (nextIdx < 0) throw new Error(`layers: ${layerName} is the output layer; removing its units would change the classes`);
  const units = scores.length;
  const drop = Math.floor(fraction * units);
  const keptSet = new Set(Array.from({ length: units }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, Math.max(1, units - drop)));
  const kept = [...keptSet].sort((a, b) => a - b);

  // This layer: keep the chosen output columns of the kernel and their biases.
  const [kw, bw] = layer.weights;
  layer.weights[0] = { values: selectLastAxis(kw.values, units, kept), shape: [...kw.shape.slice(0, -1), kept.length] };
  if (bw) layer.weights[1] = { values: Float32Array.from(kept, (u) => bw.values[u]), shape: [kept.length] };
  layer.config = { ...layer.config, [layer.className === 'Dense' ? 'units' : 'filters']: kept.length };

  // The next weighted layer: keep the input rows fed by kept units.
  const next = chain.layers[nextIdx];
  const nk = next.weights[0];
  const flattened = chain.layers.slice(idx + 1, nextIdx).some((l) => l.className === 'Flatten');
  if (next.className === 'Conv2D') {
    // kernel [kh, kw, in, out]: select along axis 2
    const [kh, kwid, cin, cout] = nk.shape;
    const out = new Float32Array(kh * kwid * kept.length * cout);
    let p = 0;
    for (let a = 0; a < kh * kwid; a++) for (const c of kept) for (let o = 0; o < cout; o++) out[p++] = nk.values[(a * cin + c) * cout + o];
    next.weights[0] = { values: out, shape: [kh, kwid, kept.length, cout] };
  } else {
    const [rows, cols] = nk.shape;
    let keptRows: number[] = kept;
    if (flattened) {
      // NHWC flatten: row index = position · C + channel.
      const positions = rows / units;
      keptRows = [];
      for (let pos = 0; pos < positions; pos++) for (const c of kept) keptRows.push(pos * units + c);
    }
    const out = new Float32Array(keptRows.length * cols);
    keptRows.forEach((r, i) => out.set(nk.values.subarray(r * cols, (r + 1) * cols), i * cols));
    next.weights[0] = { values: out, shape: [keptRows.length, cols] };
  }
  return { kept, before: units, after: kept.length };
}

function selectLastAxis(values: Float32Array, last: number, kept: number[]): Float32Array {
  const rows = values.length / last;
  const out = new Float32Array(rows * kept.length);
  for (let r = 0; r < rows; r++) for (let j = 0; j < kept.length; j++) out[r * kept.length + j] = values[r * last + kept[j]];
  return out;
}

/** Layers that structured pruning may shrink: every Dense/Conv2D but the last (the classes). */
export function prunableLayers(chain: Chain, structured: boolean): string[] {
  const weighted = chain.layers.filter(isWeighted).map((l) => l.name);
  return structured ? weighted.slice(0, -1) : weighted;
}


// MicroNet challenge scoring (NeurIPS 2019): parameter storage and math
// operations per example, each normalized by a baseline and summed.
//
// Storage, in "32-bit parameters": a b-bit parameter counts b/32. A sparse
// kernel stores only its nonzeros plus a 1-bit-per-element mask (when that
// is smaller than storing it dense). Convention
// 'fp16' (the seed's slide: "a 16-bit parameter counts as one") divides by 16
// instead and counts an unquantized 32-bit parameter as 16-bit, as the rules allow.
//
// Operations: multiplies and additions counted separately; multiplications
// by pruned (zero) weights are not counted, nor the additions they would
// feed. Per output value of a Dense/Conv2D layer with nnz nonzero incoming
// weights: nnz multiplies, nnz − 1 additions, + 1 for the bias. Activations,
// pooling and dropout are not counted (they are comparisons or no-ops at
// inference), and activations are taken to be full precision.
import { isWeighted, outputShapes, type Chain } from './chain.js';

export type Convention = 'fp32' | 'fp16';

export interface LayerCost {
  layer: string;
  params: number;
  nonzeros: number;
  bits: number;
  storage: number;
  multiplies: number;
  additions: number;
}

export interface Cost {
  convention: Convention;
  layers: LayerCost[];
  params: number;
  storage: number;
  multiplies: number;
  additions: number;
  ops: number;
}

/**
 * `bits` maps weight names ("FC1/kernel") to their bit width; missing means 32.
 * `codebooks` maps clustered (weight-shared) weights to their number of
 * shared values k: such a weight stores a ceil(log2 k)-bit index per element
 * (its `bits`) plus a codebook of k 32-bit floats, counted here.
 */
export function micronetCost(chain: Chain, bits: Record<string, number> = {}, convention: Convention = 'fp32', codebooks: Record<string, number> = {}): Cost {
  const shapes = outputShapes(chain);
  const unit = convention === 'fp32' ? 32 : 16;
  const layers: LayerCost[] = [];
  for (const l of chain.layers.filter(isWeighted)) {
    const [kernel, bias] = l.weights;
    const names = [`${l.name}/kernel`, `${l.name}/bias`];
    let storage = 0;
    let params = 0;
    let nonzeros = 0;
    [kernel, bias].forEach((w, i) => {
      if (!w) return;
      const b = Math.min(bits[names[i]] ?? 32, convention === 'fp16' ? 16 : 32);
      let nnz = 0;
      for (const v of w.values) if (v !== 0) nnz++;
      params += w.values.length;
      nonzeros += nnz;
      // Kernels may be stored sparse (when that is smaller); biases are never pruned.
      const dense = (w.values.length * b) / unit;
      const sparse = (nnz * b) / unit + w.values.length / unit;
      storage += (i === 0 ? Math.min(dense, sparse) : dense) + ((codebooks[names[i]] ?? 0) * Math.min(32, unit)) / unit;
    });
    let kernelNnz = 0;
    for (const v of kernel.values) if (v !== 0) kernelNnz++;
    const outUnits = kernel.shape.at(-1)!;
    const positions = l.className === 'Conv2D' ? shapes.get(l.name)!.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
    const multiplies = positions * kernelNnz;
    const additions = positions * (kernelNnz - outUnits + (bias ? outUnits : 0));
    layers.push({ layer: l.name, params, nonzeros, bits: bits[names[0]] ?? 32, storage, multiplies, additions });
  }
  const sum = (k: keyof LayerCost) => layers.reduce((a, l) => a + (l[k] as number), 0);
  return { convention, layers, params: sum('params'), storage: sum('storage'), multiplies: sum('multiplies'), additions: sum('additions'), ops: sum('multiplies') + sum('additions') };
}

export function micronetScore(cost: Cost, baseline: Cost): { score: number; storageRatio: number; opsRatio: number } {
  const storageRatio = cost.storage / baseline.storage;
  const opsRatio = cost.ops / baseline.ops;
  return { score: storageRatio + opsRatio, storageRatio, opsRatio };
}

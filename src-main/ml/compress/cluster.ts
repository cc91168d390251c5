// Weight sharing by k-means, as in Han, Mao, Dally 2016 ("Deep Compression"
// §3): each layer's weights are clustered into k = 2^bits centroids
// (linear initialization over [min, max] of the weights, which the paper
// found best), each weight stores only its centroid's index, and fine-tuning
// moves the centroids: the gradients of all weights sharing a centroid are
// summed into that centroid. Pruned weights (exact zeros) are not clustered,
// keep index -1 and stay zero.
//
// Storage of a clustered layer: a codebook of k 32-bit floats plus
// ceil(log2 k) bits per stored weight.

export interface Clustering {
  /** Centroid values, ascending. */
  centroids: Float32Array;
  /** Centroid index of each weight; -1 for a pruned (zero) weight. */
  index: Int32Array;
  iterations: number;
}

/** Bits per weight index for k centroids. */
export function indexBits(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new Error(`index bits: k must be a positive integer, got ${k}`);
  return Math.ceil(Math.log2(k));
}

/** Storage of a clustered tensor in bits: codebook (k × 32) + an index of ceil(log2 k) bits per stored weight. */
export function clusteredBits(storedWeights: number, k: number): number {
  return 32 * k + storedWeights * indexBits(k);
}

/** Index of the centroid nearest v (centroids sorted ascending). */
function nearest(c: Float32Array, v: number): number {
  let lo = 0;
  let hi = c.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (c[mid] <= v) lo = mid;
    else hi = mid;
  }
  return Math.abs(v - c[lo]) <= Math.abs(c[hi] - v) ? lo : hi;
}

/**
 * k-means in one dimension with linear initialization: centroids evenly
 * spaced over [min, max] of the unpruned weights, then Lloyd iterations until
 * no assignment changes. `skipZeros`: exact zeros are pruned weights (index -1).
 */
export function kmeans1d(values: Float32Array, k: number, opts: { skipZeros?: boolean; maxIterations?: number } = {}): Clustering {
  const skipZeros = opts.skipZeros ?? true;
  const maxIterations = opts.maxIterations ?? 50;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k-means: k must be a positive integer, got ${k}`);
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (skipZeros && v === 0) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const index = new Int32Array(values.length).fill(-1);
  if (min === Infinity) return { centroids: new Float32Array(k), index, iterations: 0 };
  const centroids = new Float32Array(k);
  for (let j = 0; j < k; j++) centroids[j] = k === 1 ? (min + max) / 2 : min + ((max - min) * j) / (k - 1);
  const sum = new Float64Array(k);
  const count = new Float64Array(k);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let changed = 0;
    for (let i = 0; i < values.length; i++) {
      if (skipZeros && values[i] === 0) continue;
      const j = nearest(centroids, values[i]);
      if (j !== index[i]) (index[i] = j), changed++;
    }
    if (changed === 0 && iterations > 0) break;
    sum.fill(0);
    count.fill(0);
    for (let i = 0; i < values.length; i++) {
      const j = index[i];
      if (j < 0) continue;
      sum[j] += values[i];
      count[j]++;
    }
    // An empty cluster keeps its place; 1-D Lloyd steps keep the centroids in order.
    for (let j = 0; j < k; j++) if (count[j] > 0) centroids[j] = sum[j] / count[j];
  }
  return { centroids, index, iterations };
}

/** The weights a clustering stands for: each weight its centroid's value, pruned ones zero. */
export function sharedWeights(c: { centroids: Float32Array; index: Int32Array }, out = new Float32Array(c.index.length)): Float32Array {
  for (let i = 0; i < c.index.length; i++) out[i] = c.index[i] < 0 ? 0 : c.centroids[c.index[i]];
  return out;
}

/** The gradient of each centroid: the sum of the gradients of the weights that share it (pruned weights contribute nothing). */
export function centroidGradients(grad: ArrayLike<number>, index: Int32Array, k: number): Float64Array {
  const g = new Float64Array(k);
  for (let i = 0; i < index.length; i++) if (index[i] >= 0) g[index[i]] += grad[i];
  return g;
}

/** Adam on a centroid vector (a few hundred numbers: plain JS). */
export class CentroidAdam {
  private m: Float64Array;
  private v: Float64Array;
  private t = 0;
  constructor(
    k: number,
    private lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-7,
  ) {
    this.m = new Float64Array(k);
    this.v = new Float64Array(k);
  }
  setLearningRate(lr: number): void {
    this.lr = lr;
  }
  step(centroids: Float32Array, grad: Float64Array): void {
    this.t++;
    const b1 = 1 - this.beta1 ** this.t;
    const b2 = 1 - this.beta2 ** this.t;
    for (let j = 0; j < centroids.length; j++) {
      this.m[j] = this.beta1 * this.m[j] + (1 - this.beta1) * grad[j];
      this.v[j] = this.beta2 * this.v[j] + (1 - this.beta2) * grad[j] * grad[j];
      centroids[j] -= (this.lr * (this.m[j] / b1)) / (Math.sqrt(this.v[j] / b2) + this.eps);
    }
  }
}

/** SGD with momentum on a centroid vector, the same update as the trainer's FlatSgd (v ← m·v + g; w ← w − lr·v, or Nesterov). */
export class CentroidMomentum {
  private v: Float64Array;
  constructor(
    k: number,
    private lr: number,
    private readonly momentum: number,
    private readonly nesterov = false,
  ) {
    this.v = new Float64Array(k);
  }
  setLearningRate(lr: number): void {
    this.lr = lr;
  }
  step(centroids: Float32Array, grad: Float64Array): void {
    for (let j = 0; j < centroids.length; j++) {
      this.v[j] = this.momentum * this.v[j] + grad[j];
      centroids[j] -= this.lr * (this.nesterov ? grad[j] + this.momentum * this.v[j] : this.v[j]);
    }
  }
}

/** Plain gradient descent on the centroids (Han et al.'s update: c_k -= lr · Σ_{i∈k} ∂L/∂w_i). */
export function sgdCentroidStep(centroids: Float32Array, grad: Float64Array, lr: number): void {
  for (let j = 0; j < centroids.length; j++) centroids[j] -= lr * grad[j];
}

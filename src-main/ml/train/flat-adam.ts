// Adam over flat float32 arrays, for the data-parallel trainer: the two
// halves' gradients are combined and applied in one pass straight into the
// weight buffer both threads read. tf.train.adam does the same in ~12
// tensor ops per variable, each a full pass with its own allocation; this is
// one SIMD pass (adam.wasm) over a
// shared WebAssembly memory holding weights, both gradients and the moments.
//
// The update is tfjs-core 4.22's AdamOptimizer, term for term, in float32:
//   m ← β1·m + (1−β1)·g            v ← β2·v + (1−β2)·g²
//   w ← w − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
// with β1ᵗ, β2ᵗ kept as float32 products like tfjs's accumulator variables.
// Where the wasm module cannot load, a JavaScript loop does the same.
import { readFileSync } from 'node:fs';

/** tfjs's default: the float32 backends' epsilon(). */
const EPSILON = 1e-7;
const PAGE = 65536;
const MAX_PAGES = 65536;

type AdamFn = (w: number, g1: number, w1: number, g2: number, w2: number, m: number, v: number, n: number, b1: number, b2: number, step: number, r2: number, eps: number) => void;

let adamModule: WebAssembly.Module | null | undefined;
function loadModule(): WebAssembly.Module | null {
  if (adamModule === undefined) {
    try {
      adamModule = new WebAssembly.Module(readFileSync(new URL('../engine/kernels/adam.wasm', import.meta.url)));
    } catch {
      adamModule = null;
    }
  }
  return adamModule;
}

/** FlatAdam's state besides the weights: first and second moments, and β1ᵗ, β2ᵗ (float32 products). */
export interface FlatAdamMoments {
  m: Float32Array;
  v: Float32Array;
  accBeta1: number;
  accBeta2: number;
}

export class FlatAdam {
  /** The weights, in shared memory: the worker thread reads them at each step. */
  readonly weights: Float32Array;
  /** This thread's gradient, written before step(). */
  readonly ownGrads: Float32Array;
  /** The worker's gradient, in shared memory. */
  readonly otherGrads: Float32Array;
  /** Whether the SIMD kernel runs (else the JavaScript loop). */
  readonly simd: boolean;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly padded: number;
  private readonly kernel: AdamFn | null = null;
  private accBeta1: number;
  private accBeta2: number;

  constructor(
    size: number,
    private learningRate: number,
    options: { beta1?: number; beta2?: number; epsilon?: number; simd?: boolean; weightDecay?: number } = {},
  ) {
    this.weightDecay = options.weightDecay ?? 0;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? EPSILON;
    // Each array padded to whole 4-float vectors; zero padding never moves.
    this.padded = Math.ceil(size / 4) * 4;
    const bytes = this.padded * 4 * 5;
    const pages = Math.ceil(bytes / PAGE);
    const mod = options.simd === false || pages > MAX_PAGES ? null : loadModule();
    let buffer: SharedArrayBuffer;
    if (mod) {
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      this.kernel = new WebAssembly.Instance(mod, { env: { memory } }).exports.adam as AdamFn;
      buffer = memory.buffer as unknown as SharedArrayBuffer;
    } else {
      buffer = new SharedArrayBuffer(bytes);
    }
    this.simd = this.kernel !== null;
    const view = (i: number) => new Float32Array(buffer, i * this.padded * 4, size);
    this.weights = view(0);
    this.ownGrads = view(1);
    this.otherGrads = view(2);
    this.m = view(3);
    this.v = view(4);
    this.accBeta1 = Math.fround(this.beta1);
    this.accBeta2 = Math.fround(this.beta2);
  }

  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  /** L2 weight decay: decay·w is added to the gradient before the update (0 = none, the default path untouched). */
  private readonly weightDecay: number;

  /** The step size from the next step on (a learning-rate schedule sets it each epoch). */
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  /** The moments and the bias-correction products (Adam's step count, as tfjs keeps it), for a checkpoint. */
  moments(): FlatAdamMoments {
    return { m: this.m.slice(), v: this.v.slice(), accBeta1: this.accBeta1, accBeta2: this.accBeta2 };
  }

  /** Restores moments saved by moments(); the weights are restored separately. */
  restoreMoments(s: FlatAdamMoments): void {
    if (s.m.length !== this.m.length || s.v.length !== this.v.length) throw new Error(`optimizer state has ${s.m.length} values, the model ${this.m.length}`);
    this.m.set(s.m);
    this.v.set(s.v);
    this.accBeta1 = s.accBeta1;
    this.accBeta2 = s.accBeta2;
  }

  /**
   * One step on `weights` with the gradient w1·ownGrads + w2·otherGrads
   * (the size-weighted mean of two half-batch gradients; w2 = 0 for none).
   */
  step(w1: number, w2: number): void {
    if (this.weightDecay > 0) {
      // Combine the halves and the decay term into ownGrads, then step on it alone.
      const { weights, ownGrads: g1, otherGrads: g2, weightDecay } = this;
      for (let i = 0; i < weights.length; i++) g1[i] = g1[i] * w1 + g2[i] * w2 + weightDecay * weights[i];
      w1 = 1;
      w2 = 0;
    }
    const { beta1, beta2, epsilon } = this;
    const step = this.learningRate / (1 - this.accBeta1);
    const r2 = 1 / (1 - this.accBeta2);
    if (this.kernel) {
      const at = (i: number) => i * this.padded * 4;
      this.kernel(at(0), at(1), w1, at(2), w2, at(3), at(4), this.padded, beta1, beta2, step, r2, epsilon);
    } else {
      const { weights, ownGrads: g1, otherGrads: g2, m, v } = this;
      for (let i = 0; i < weights.length; i++) {
        const g = g1[i] * w1 + g2[i] * w2;
        const mi = beta1 * m[i] + (1 - beta1) * g;
        const vi = beta2 * v[i] + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        weights[i] -= (step * mi) / (Math.sqrt(vi * r2) + epsilon);
      }
    }
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(beta2));
  }
}

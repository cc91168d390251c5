// SGD with momentum over flat float32 arrays: FlatAdam's counterpart for
// the `sgd` optimizer, with the same shared-memory layout (weights and both
// threads' gradients), so the data-parallel worker works with either.
//
// The update is tfjs's MomentumOptimizer (and PyTorch's SGD without
// dampening), with the combined gradient g = w1·g1 + w2·g2 + decay·w:
//   v ← momentum·v + g
//   w ← w − lr·v                      (Nesterov: w ← w − lr·(g + momentum·v))
// A plain JavaScript pass: one multiply-add more than a weight copy, so
// there is no wasm kernel for it.

/** FlatSgd's state besides the weights: the velocity (momentum buffer). */
export interface FlatSgdState {
  velocity: Float32Array;
}

export class FlatSgd {
  readonly weights: Float32Array;
  readonly ownGrads: Float32Array;
  readonly otherGrads: Float32Array;
  private readonly velocity: Float32Array;
  private learningRate: number;

  constructor(
    size: number,
    learningRate: number,
    private readonly options: { momentum: number; nesterov?: boolean; weightDecay?: number },
  ) {
    this.learningRate = learningRate;
    const buffer = new SharedArrayBuffer(size * 4 * 4);
    const view = (i: number) => new Float32Array(buffer, i * size * 4, size);
    this.weights = view(0);
    this.ownGrads = view(1);
    this.otherGrads = view(2);
    this.velocity = view(3);
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  state(): FlatSgdState {
    return { velocity: this.velocity.slice() };
  }

  restoreState(s: FlatSgdState): void {
    if (s.velocity.length !== this.velocity.length) throw new Error(`optimizer state has ${s.velocity.length} values, the model ${this.velocity.length}`);
    this.velocity.set(s.velocity);
  }

  /** One step with the gradient w1·ownGrads + w2·otherGrads (+ weight decay). */
  step(w1: number, w2: number): void {
    const { weights, ownGrads: g1, otherGrads: g2, velocity: v, learningRate: lr } = this;
    const mom = this.options.momentum;
    const decay = this.options.weightDecay ?? 0;
    const nesterov = this.options.nesterov ?? false;
    for (let i = 0; i < weights.length; i++) {
      const g = g1[i] * w1 + g2[i] * w2 + decay * weights[i];
      const vi = (v[i] = mom * v[i] + g);
      weights[i] -= lr * (nesterov ? g + mom * vi : vi);
    }
  }
}

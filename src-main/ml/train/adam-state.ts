// The state of a tf.train.adam optimizer, as a checkpoint saves it: the first
// and second moments of each variable, flattened in the variables' order, and
// the β-products. In the same layout as FlatAdam's (flat-adam.ts), so one
// checkpoint format serves both trainers.
//
// tfjs's own getWeights/setWeights are not enough for an exact resume:
// setWeights recomputes β1ᵗ as pow(β1, t + 1), while training multiplies the
// float32 product step by step; the two differ in the last bits, and so would
// every later update. So the fields are read and written directly (tfjs-core
// 4.22's AdamOptimizer: accumulatedFirstMoment[i] belongs to the i-th variable
// of the gradients applied, which minimize() passes in varList order).
import * as tf from '@tensorflow/tfjs';
import type { FlatAdamMoments } from './flat-adam.js';

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

const internals = (opt: tf.AdamOptimizer) => opt as unknown as AdamInternals;

/** Reads the moments of `opt` for `vars` (zeros before its first step); asynchronous, so it works on webgpu. */
export async function readAdam(opt: tf.AdamOptimizer, vars: tf.Variable[]): Promise<FlatAdamMoments> {
  const a = internals(opt);
  const total = vars.reduce((s, v) => s + v.size, 0);
  const m = new Float32Array(total);
  const v = new Float32Array(total);
  let off = 0;
  for (let i = 0; i < vars.length; i++) {
    const first = a.accumulatedFirstMoment[i];
    const second = a.accumulatedSecondMoment[i];
    if (first) m.set((await first.variable.data()) as Float32Array, off);
    if (second) v.set((await second.variable.data()) as Float32Array, off);
    off += vars[i].size;
  }
  const [accBeta1, accBeta2] = [(await a.accBeta1.data())[0], (await a.accBeta2.data())[0]];
  return { m, v, accBeta1, accBeta2 };
}

/** Puts saved moments back into a fresh `opt` for `vars`, exactly (the float32 β-products included). */
export function restoreAdam(opt: tf.AdamOptimizer, vars: tf.Variable[], s: FlatAdamMoments): void {
  const total = vars.reduce((n, v) => n + v.size, 0);
  if (s.m.length !== total || s.v.length !== total) throw new Error(`optimizer state has ${s.m.length} values, the model ${total}`);
  const a = internals(opt);
  let off = 0;
  vars.forEach((w, i) => {
    const slot = (values: Float32Array, suffix: string) => ({ originalName: `${w.name}/${suffix}`, variable: tf.tidy(() => tf.variable(tf.tensor(values.subarray(off, off + w.size), w.shape), false)) });
    tf.dispose([a.accumulatedFirstMoment[i]?.variable, a.accumulatedSecondMoment[i]?.variable].filter((x): x is tf.Variable => !!x));
    a.accumulatedFirstMoment[i] = slot(s.m, 'm');
    a.accumulatedSecondMoment[i] = slot(s.v, 'v');
    off += w.size;
  });
  tf.tidy(() => {
    a.accBeta1.assign(tf.scalar(s.accBeta1));
    a.accBeta2.assign(tf.scalar(s.accBeta2));
  });
}

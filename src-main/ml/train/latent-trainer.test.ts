// The VAE evaluation measures against values computed independently: the
// importance-sampled NLL of a tiny Dirichlet-latent model against quadrature
// over the 1-simplex, and the active-dimension count on constructed posterior means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import type { Split } from '../data/datasets.js';
import { activeDimensions, importanceSampledNll, latentMeans, priorCoordinateVariance, type VaeSpec } from './latent-trainer.js';
import { mulberry32 } from './rng.js';

await initBackend('cpu');

const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

test('IS-NLL of a K = 2 Dirichlet-latent model matches quadrature over the 1-simplex', () => {
  // Decoder: logits = W z + b with z = (t, 1 − t); only pixels 0–2 depend on z, the rest have logit −6.
  // Prior Dir(1, 1) is uniform in t, so p(x) = ∫₀¹ p(x | t) dt exactly.
  const W = [[6, -2, 1], [-1, 3, -4]];
  const b = [-2, -1, 0.5];
  const x = new Float32Array(784);
  x[0] = 1;
  x[2] = 1; // pixel 1 and the rest are 0
  const logLik = (t: number) => {
    const z = [t, 1 - t];
    let s = 0;
    for (let i = 0; i < 784; i++) {
      const l = i < 3 ? W[0][i] * z[0] + W[1][i] * z[1] + b[i] : -6;
      s -= x[i] === 1 ? softplus(-l) : softplus(l); // log sigmoid(l) or log(1 − sigmoid(l))
    }
    return s;
  };
  // Midpoint rule in float64; the integrand is smooth, so 10⁵ points are exact to ~1e-10.
  const m = 100000;
  const ref = Array.from({ length: m }, (_, i) => logLik((i + 0.5) / m));
  const top = Math.max(...ref);
  const nllRef = -(top + Math.log(ref.reduce((s, v) => s + Math.exp(v - top), 0) / m));

  const decIn = tf.input({ shape: [2] });
  const dense = tf.layers.dense({ units: 784 });
  const decoder = tf.model({ inputs: decIn, outputs: dense.apply(decIn) as tf.SymbolicTensor });
  const kernel = new Float32Array(2 * 784);
  const bias = new Float32Array(784).fill(-6);
  for (let i = 0; i < 3; i++) {
    kernel[i] = W[0][i];
    kernel[784 + i] = W[1][i];
    bias[i] = b[i];
  }
  dense.setWeights([tf.tensor2d(kernel, [2, 784]), tf.tensor1d(bias)]);
  // Encoder: a constant q = Dir(softplus(bias)) = Dir(4.8, 1.2), the Beta with the posterior's mean and
  // variance (0.80, 0.023, from the same quadrature); any q is unbiased, a close one has small variance.
  const encIn = tf.input({ shape: [784] });
  const head = tf.layers.dense({ units: 2, activation: 'softplus' });
  const encoder = tf.model({ inputs: encIn, outputs: head.apply(encIn) as tf.SymbolicTensor });
  head.setWeights([tf.zeros([784, 2]), tf.tensor1d([4.79, 0.85])]);

  const spec: VaeSpec = { vae: { encoder, decoder, latentDim: 2 }, kind: 'dirichlet', priorAlpha: 1, sampler: 'exact', kl: 'dirichlet' };
  const split: Split = { images: new Uint8Array(784), pixels: x, labels: new Uint8Array(1), count: 1, rows: 28, cols: 28 };
  const nll = importanceSampledNll(spec, split, 4000, mulberry32(8));
  // Tolerance: with this q the weights' relative variance is about 0.01–0.03 (checked in float64 with
  // SciPy's Beta sampler), so 4000 samples give a standard error near 0.003 nats.
  assert.ok(Math.abs(nll - nllRef) < 0.02, `IS-NLL ${nll.toFixed(4)} vs quadrature ${nllRef.toFixed(4)}`);
});

test('prior coordinate variance: 1 for N(0, I); Beta marginal variance for a symmetric Dirichlet', () => {
  assert.equal(priorCoordinateVariance({ kind: 'gaussian', priorAlpha: 0 }, 10), 1);
  // Dir(1, 1): z₁ is uniform on [0, 1], variance 1/12.
  assert.ok(Math.abs(priorCoordinateVariance({ kind: 'dirichlet', priorAlpha: 1 }, 2) - 1 / 12) < 1e-12);
  // Dir(0.98 × 10): z₁ ~ Beta(0.98, 8.82), variance 0.98 · 8.82 / (9.8² · 10.8).
  assert.ok(Math.abs(priorCoordinateVariance({ kind: 'dirichlet', priorAlpha: 0.98 }, 10) - (0.98 * 8.82) / (9.8 * 9.8 * 10.8)) < 1e-12);
});

/** A one-layer head 784 → units that reads only pixel 0: out_k = act(w_k · x₀ + b_k). */
function headOnPixel0(w: number[], b: number[], activation: 'linear' | 'softplus'): { layer: tf.layers.Layer; apply: (x: tf.SymbolicTensor) => tf.SymbolicTensor } {
  const layer = tf.layers.dense({ units: w.length, activation });
  return {
    layer,
    apply: (x) => {
      const out = layer.apply(x) as tf.SymbolicTensor;
      const kernel = new Float32Array(784 * w.length);
      kernel.set(w); // row 0: pixel 0's weights
      layer.setWeights([tf.tensor2d(kernel, [784, w.length]), tf.tensor1d(b)]);
      return out;
    },
  };
}

test('active dimensions from constructed encoders: informative coordinates count, collapsed ones do not, for both kinds', () => {
  // 400 test images whose pixel 0 runs evenly over [0, 1] (variance 1/12); the other pixels are 0.
  const n = 400;
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) pixels[i * 784] = i / (n - 1);
  const split: Split = { images: new Uint8Array(n * 784), pixels, labels: new Uint8Array(n), count: n, rows: 28, cols: 28 };
  const x = tf.input({ shape: [784] });
  const none = { decoder: tf.sequential(), latentDim: 0 };

  // Gaussian: mu = (3x₀, 0.5x₀, 0.01x₀ + 0.3), Var_x = (0.75, 0.021, 8e-6) against the prior's 1.
  const mu = headOnPixel0([3, 0.5, 0.01], [0, 0, 0.3], 'linear').apply(x);
  const logvar = headOnPixel0([0, 0, 0], [0, 0, 0], 'linear').apply(x);
  const g: VaeSpec = { vae: { ...none, encoder: tf.model({ inputs: x, outputs: [mu, logvar] }), latentDim: 3 }, kind: 'gaussian', priorAlpha: 0, sampler: 'exact', kl: 'dirichlet' };
  const gm = latentMeans(g, split);
  const gu = activeDimensions(gm.means, gm.dims, priorCoordinateVariance(g, 3));
  assert.equal(gu.active, 2);
  const uniformVar = (n + 1) / (12 * (n - 1)); // population variance of i/(n−1), i < n
  assert.ok(Math.abs(gu.relative[0] - 9 * uniformVar) < 1e-3 && Math.abs(gu.relative[1] - 0.25 * uniformVar) < 1e-4);
  assert.ok(gu.relative[2] < 1e-4);

  // Dirichlet K = 4: α̂ = softplus(20 + 10x₀, 30 − 10x₀, 10, 10) ≈ (20 + 10x₀, 30 − 10x₀, 10, 10) (softplus(v) = v
  // to e^-10 here). The total stays 70, so E[z|x] = α̂/70: coordinates 0 and 1 vary
  // (Var = 100/12/70² ≈ 0.0017, relative to the prior's 0.0381 about 0.045); 2 and 3 are constant.
  const alpha = headOnPixel0([10, -10, 0, 0], [20, 30, 10, 10], 'softplus').apply(x);
  const d: VaeSpec = { vae: { ...none, encoder: tf.model({ inputs: x, outputs: alpha }), latentDim: 4 }, kind: 'dirichlet', priorAlpha: 0.98, sampler: 'exact', kl: 'dirichlet' };
  const prior = priorCoordinateVariance(d, 4);
  assert.ok(Math.abs(prior - (0.98 * 2.94) / (3.92 * 3.92 * 4.92)) < 1e-12);
  const dm = latentMeans(d, split);
  const du = activeDimensions(dm.means, dm.dims, prior);
  assert.equal(du.active, 2);
  const want = (100 * uniformVar) / (70 * 70) / prior;
  assert.ok(Math.abs(du.relative[0] - want) < 0.01 * want, `relative variance ${du.relative[0]} vs ${want}`);
  assert.ok(du.relative[2] < 1e-4 && du.relative[3] < 1e-4);
  // The raw variances are kept as measured.
  assert.ok(Math.abs(du.variances[0] - (100 * uniformVar) / (70 * 70)) < 1e-5);
});

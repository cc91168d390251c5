// The VAE evaluation measures against values computed independently: the
// importance-sampled NLL of a tiny Dirichlet-latent model against quadrature
// over the 1-simplex, and the active-dimension count on constructed posterior means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import type { Split } from '../data/datasets.js';
import { activeDimensions, importanceSampledNll, priorCoordinateVariance, type VaeSpec } from './latent-trainer.js';
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

test('active dimensions: informative coordinates count, collapsed ones do not, for both kinds', () => {
  const n = 400;
  const random = mulberry32(21);
  // Gaussian, 3 dims: E[z|x] spread like the prior (var ≈ 1), half-collapsed (var 0.04), collapsed (var 1e-4).
  const g = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    g[i * 3] = (random() - 0.5) * Math.sqrt(12); // uniform, variance 1
    g[i * 3 + 1] = (random() - 0.5) * Math.sqrt(12) * 0.2; // variance 0.04
    g[i * 3 + 2] = 0.3 + (random() - 0.5) * Math.sqrt(12) * 0.01; // variance 1e-4
  }
  const gu = activeDimensions(g, 3, priorCoordinateVariance({ kind: 'gaussian', priorAlpha: 0 }, 3));
  assert.equal(gu.active, 2);
  assert.ok(Math.abs(gu.relative[0] - 1) < 0.2 && gu.relative[2] < 1e-3);

  // Dirichlet K = 10, prior 0.98 (coordinate variance 0.00833): coordinates 0 and 1 trade a share
  // of 0.4 between images (each has variance 0.01, relative 1.2); the other 8 hold 0.075 each
  // with a jitter of variance 1e-8 (relative 1.2e-6: collapsed).
  const K = 10;
  const d = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    const s = (random() - 0.5) * Math.sqrt(12) * 0.1; // variance 0.01
    d[i * K] = 0.2 + s;
    d[i * K + 1] = 0.2 - s;
    for (let k = 2; k < K; k++) d[i * K + k] = 0.075 + (random() - 0.5) * Math.sqrt(12) * 1e-4;
  }
  const prior = priorCoordinateVariance({ kind: 'dirichlet', priorAlpha: 0.98 }, K);
  const du = activeDimensions(d, K, prior);
  assert.equal(du.active, 2);
  assert.ok(Math.abs(du.relative[0] - 0.01 / prior) < 0.2 * (0.01 / prior), `relative variance ${du.relative[0]}`);
  // The raw variances are kept as they were measured.
  assert.ok(Math.abs(du.variances[0] - 0.01) < 0.002);
});

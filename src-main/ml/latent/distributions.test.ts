import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { mulberry32 } from '../train/rng.js';
import { gaussianKl, icdfGammaApprox, logNormal, multiGammaKl, normalizeToSimplex, sampleGamma } from './distributions.js';

await initBackend('cpu');

test('Gaussian KL matches the closed form computed by hand', () => {
  const mu = [[0.5, -1], [0, 0]];
  const logvar = [[Math.log(0.25), 0.3], [0, 0]];
  const byHand = mu.map((m, i) => m.reduce((s, mk, k) => s - 0.5 * (1 + logvar[i][k] - mk * mk - Math.exp(logvar[i][k])), 0));
  const got = Array.from(gaussianKl(tf.tensor2d(mu), tf.tensor2d(logvar)).dataSync());
  assert.ok(Math.abs(got[0] - byHand[0]) < 1e-5, `${got[0]} vs ${byHand[0]}`);
  assert.ok(Math.abs(got[1]) < 1e-9, 'KL of the prior with itself is 0');
});

test('log N(z; mu, var) matches the density formula', () => {
  const v = logNormal(tf.tensor2d([[1, 2]]), tf.tensor2d([[0, 1]]), tf.tensor2d([[0, Math.log(4)]])).dataSync()[0];
  const byHand = -0.5 * (Math.log(2 * Math.PI) + 1) - 0.5 * (Math.log(2 * Math.PI) + Math.log(4) + 1 / 4);
  assert.ok(Math.abs(v - byHand) < 1e-5);
});

test('multi-Gamma (Dirichlet) KL matches the formula with known lgamma/digamma values', () => {
  // α̂ = (1, 2), α = (0.5, 0.5): Σ lgamma(α) − lgamma(α̂) + (α̂ − α) ψ(α̂)
  const EULER = 0.5772156649015329;
  const lgHalf = Math.log(Math.sqrt(Math.PI));
  const byHand = lgHalf - 0 + (1 - 0.5) * -EULER + (lgHalf - 0 + (2 - 0.5) * (1 - EULER));
  const got = multiGammaKl(tf.tensor2d([[1, 2]]), 0.5).dataSync()[0];
  assert.ok(Math.abs(got - byHand) < 1e-4, `${got} vs ${byHand}`);
  const self = multiGammaKl(tf.tensor2d([[0.98, 0.98, 0.98]]), 0.98).dataSync()[0];
  assert.ok(Math.abs(self) < 1e-6, 'KL of the prior with itself is 0');
  assert.ok(multiGammaKl(tf.tensor2d([[3, 0.1]]), 0.98).dataSync()[0] > 0, 'KL is positive away from the prior');
});

test('Gamma samples have mean α (several α), and gradients flow to α', () => {
  const random = mulberry32(5);
  for (const a of [0.1, 0.5, 0.98, 2, 7]) {
    const n = 20000;
    const s = sampleGamma(tf.fill([n, 1], a) as tf.Tensor2D, random).dataSync() as Float32Array;
    const mean = s.reduce((x, y) => x + y, 0) / n;
    const sd = Math.sqrt(a / n); // Gamma(α, 1) has variance α
    assert.ok(Math.abs(mean - a) < 5 * sd, `α = ${a}: sample mean ${mean.toFixed(4)}`);
  }
  const g = tf.grad((al: tf.Tensor) => tf.sum(sampleGamma(al as tf.Tensor2D, mulberry32(1))))(tf.fill([100, 1], 2)).dataSync() as Float32Array;
  assert.ok(g.every((v) => Number.isFinite(v)) && g.reduce((x, y) => x + y, 0) > 0, 'larger α gives larger samples');
});

test("the paper's inverse-CDF approximation has the analytic mean Γ(α+1)^(1/α)·α/(1+α), not α", () => {
  const a = 0.5;
  const n = 20000;
  const random = mulberry32(3);
  const u = tf.tensor2d(Float32Array.from({ length: n }, () => random()), [n, 1]);
  const s = icdfGammaApprox(tf.fill([n, 1], a) as tf.Tensor2D, u).dataSync() as Float32Array;
  const mean = s.reduce((x, y) => x + y, 0) / n;
  const analytic = Math.pow(Math.sqrt(Math.PI) / 2, 1 / a) * (a / (1 + a)); // Γ(1.5) = √π/2
  assert.ok(Math.abs(mean - analytic) < 0.01, `mean ${mean} vs ${analytic}`);
});

test('normalized Gamma samples lie on the simplex', () => {
  const z = normalizeToSimplex(sampleGamma(tf.fill([50, 4], 0.98) as tf.Tensor2D, mulberry32(9)));
  const sums = tf.sum(z, 1).dataSync();
  assert.ok(sums.every((s) => Math.abs(s - 1) < 1e-5));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { mulberry32 } from '../train/rng.js';
import {
  dirichletKl,
  gaussianKl,
  icdfGammaApprox,
  logDirichletFromLog,
  logNormal,
  logNormalizeToSimplex,
  multiGammaKl,
  normalizeToSimplex,
  sampleGamma,
  sampleLogGamma,
} from './distributions.js';

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

// ---- float64 references, independent of special.ts: Lanczos lgamma, and digamma by
// recurrence to x ≥ 20 then its asymptotic series (checked against known constants below).
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
function lgamma64(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma64(1 - x);
  const y = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(s);
}
function digamma64(x: number): number {
  let acc = 0;
  for (; x < 20; x++) acc -= 1 / x;
  const i2 = 1 / (x * x);
  return acc + Math.log(x) - 0.5 / x - i2 * (1 / 12 - i2 * (1 / 120 - i2 * (1 / 252 - i2 * (1 / 240))));
}
const lnB = (a: number[]) => a.reduce((s, v) => s + lgamma64(v), 0) - lgamma64(a.reduce((s, v) => s + v, 0));
function dirichletKl64(ah: number[], a: number[]): number {
  const A = ah.reduce((s, v) => s + v, 0);
  return lnB(a) - lnB(ah) + ah.reduce((s, v, k) => s + (v - a[k]) * (digamma64(v) - digamma64(A)), 0);
}

test('the float64 references reproduce known constants', () => {
  const EULER = 0.5772156649015329;
  assert.ok(Math.abs(lgamma64(0.5) - Math.log(Math.sqrt(Math.PI))) < 1e-12);
  assert.ok(Math.abs(lgamma64(10) - Math.log(362880)) < 1e-11);
  assert.ok(Math.abs(lgamma64(0.01) - 4.599479878042022) < 1e-11);
  assert.ok(Math.abs(digamma64(1) + EULER) < 1e-12);
  assert.ok(Math.abs(digamma64(0.5) + EULER + 2 * Math.log(2)) < 1e-12);
  assert.ok(Math.abs(digamma64(0.01) + 100.56088545786866) < 1e-10);
});

test('Dirichlet KL matches hand-computed closed forms', () => {
  // α̂ = (1, 2), α = (½, ½): lgamma(3) − 2 lgamma(½) … with ψ(1) = −γ, ψ(2) = 1 − γ, ψ(3) = 3/2 − γ
  // = ln 2 + [ln √π + ½(−3/2)] + [ln √π + (3/2)(−½)] = ln 2 + ln π − 3/2.
  const byHand = Math.log(2) + Math.log(Math.PI) - 1.5;
  const got = dirichletKl(tf.tensor2d([[1, 2]]), 0.5).dataSync()[0];
  assert.ok(Math.abs(got - byHand) < 1e-4, `${got} vs ${byHand}`);
  // The multi-Gamma KL is this plus KL(Gamma(3) ‖ Gamma(1)) = lgamma(1) − lgamma(3) + 2ψ(3) = 3 − 2γ − ln 2.
  const EULER = 0.5772156649015329;
  const mg = multiGammaKl(tf.tensor2d([[1, 2]]), 0.5).dataSync()[0];
  assert.ok(Math.abs(mg - (byHand + 3 - 2 * EULER - Math.log(2))) < 1e-4, `multi-Gamma ${mg}`);
  // Against the float64 closed form, down to α̂ = 0.001 and up to 50, prior 0.98.
  const rows = [[0.01, 5, 0.3], [0.001, 0.98, 0.98], [50, 0.05, 2], [0.98, 0.98, 0.98]];
  const kl = dirichletKl(tf.tensor2d(rows), 0.98).dataSync();
  rows.forEach((r, i) => {
    const want = dirichletKl64(r, [0.98, 0.98, 0.98]);
    assert.ok(Math.abs(kl[i] - want) < 1e-3 * Math.max(1, want), `KL(Dir(${r}) ‖ Dir(0.98)) = ${kl[i]}, want ${want}`);
  });
  assert.ok(Math.abs(kl[3]) < 1e-5, 'KL of the prior with itself is 0');
});

test('Dirichlet KL ≤ multi-Gamma KL; they agree when the total Σα̂ equals the prior total', () => {
  const ah = tf.tensor2d([[5, 5, 5], [0.1, 0.2, 0.3], [1, 0.5, 1.44]]); // last row sums to 3 × 0.98
  const d = dirichletKl(ah, 0.98).dataSync();
  const m = multiGammaKl(ah, 0.98).dataSync();
  for (let i = 0; i < 3; i++) assert.ok(d[i] <= m[i] + 1e-5, `row ${i}: ${d[i]} vs ${m[i]}`);
  assert.ok(Math.abs(d[2] - m[2]) < 1e-4);
});

test('log-space Dirichlet samples: E_q[p(z)/q(z)] = 1 for α̂ down to 0.001, gradients finite', () => {
  // With p = Dir(2α̂), Var_q(p/q) = B(α̂)B(3α̂)/B(2α̂)² − 1 (B the multivariate Beta), about 7/9
  // for small α̂ and K = 3; the tolerance is 5 standard errors of the mean of n weights.
  // (Before log-space sampling, u^{1/α̂} was 0 in float32 and these means were far off.)
  const n = 20000;
  const random = mulberry32(11);
  const cases: { ah: number[]; p: number[] }[] = [0.001, 0.005, 0.01, 0.05].map((a) => ({ ah: [a, a, 2 * a], p: [2 * a, 2 * a, 4 * a] }));
  cases.push({ ah: [0.05, 0.05], p: [0.98, 0.98] }); // the prior itself, at α̂ = 0.05
  for (const { ah, p } of cases) {
    const variance = Math.exp(lnB(ah) + lnB(ah.map((v, k) => 2 * p[k] - v)) - 2 * lnB(p)) - 1;
    const tol = 5 * Math.sqrt(variance / n);
    const mean = tf.tidy(() => {
      const alphaHat = tf.tensor2d(Array.from({ length: n }, () => ah));
      const logz = logNormalizeToSimplex(sampleLogGamma(alphaHat, random));
      const logw = tf.sub(logDirichletFromLog(logz, tf.tensor2d(Array.from({ length: n }, () => p))), logDirichletFromLog(logz, alphaHat));
      return tf.mean(tf.exp(logw)).dataSync()[0];
    });
    assert.ok(Math.abs(mean - 1) < tol, `α̂ = (${ah}), p = Dir(${p}): E_q[p/q] = ${mean.toFixed(4)}, tolerance ${tol.toFixed(4)}`);
  }
  // The ELBO's ingredients stay differentiable at α̂ = 0.001: log q(z) and a function of z = exp(log z).
  const g = tf.grad((a: tf.Tensor) => {
    const logz = logNormalizeToSimplex(sampleLogGamma(a as tf.Tensor2D, mulberry32(2)));
    return tf.add(tf.sum(logDirichletFromLog(logz, a as tf.Tensor2D)), tf.sum(tf.mul(tf.exp(logz), tf.tensor1d([1, -2, 3]))));
  })(tf.tensor2d(Array.from({ length: 200 }, () => [0.001, 0.002, 0.05]))).dataSync() as Float32Array;
  assert.ok(g.every((v) => Number.isFinite(v)), 'gradients are finite');
});

test('log-space Gamma samples: log v has mean ψ(α) (the log of a Gamma(α, 1) variable)', () => {
  const n = 20000;
  for (const a of [0.01, 0.3, 2]) {
    const lv = sampleLogGamma(tf.fill([n, 1], a) as tf.Tensor2D, mulberry32(4)).dataSync() as Float32Array;
    const mean = lv.reduce((x, y) => x + y, 0) / n;
    // Var(log v) = trigamma(α) ≈ 1/α² + 1/α + … for small α; bound it by 1/α² + 2/α + 2.
    const sd = Math.sqrt((1 / (a * a) + 2 / a + 2) / n);
    assert.ok(Math.abs(mean - digamma64(a)) < 5 * sd, `α = ${a}: mean log v ${mean.toFixed(3)}, ψ(α) = ${digamma64(a).toFixed(3)}`);
  }
});

test('a diverged α̂ (NaN, ∞) gives NaN samples at once, not an endless rejection loop', () => {
  const random = mulberry32(9);
  const out = tf.tidy(() => Array.from(sampleLogGamma(tf.tensor2d([[NaN, Infinity, 2]]), random).dataSync()));
  assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]), `${out}`);
  assert.ok(Number.isFinite(out[2]));
});

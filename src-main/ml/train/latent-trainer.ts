// Training and evaluation of autoencoders, Gaussian VAEs and Dirichlet VAEs.
import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/datasets.js';
import {
  dirichletKl,
  gaussianKl,
  icdfLogGammaApprox,
  logDirichletFromLog,
  logNormal,
  logNormalizeToSimplex,
  multiGammaKl,
  normal,
  sampleLogGamma,
} from '../latent/distributions.js';
import type { Autoencoder, Vae } from '../models/autoencoders.js';
import { mulberry32, shuffle } from './rng.js';
import { leaveWebgpu, onHost } from '../engine/host.js';
import type { TrainingData } from './types.js';

export type ReconLoss = 'bce' | 'mse';

/** Per-pixel binary cross-entropy from logits (stable form), shape of x. */
export function bceFromLogits(logits: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/** Mean per-pixel reconstruction loss (Keras-style), a scalar. */
export function reconLoss(kind: ReconLoss, logits: tf.Tensor, x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => (kind === 'bce' ? tf.mean(bceFromLogits(logits, x)) : tf.mean(tf.square(tf.sub(tf.sigmoid(logits), x)))) as tf.Scalar);
}

/** Images of `split` at `indices` as a tensor of `shape` per image ([784] or [28, 28, 1]). */
export function batchOf(split: Split, indices: ArrayLike<number>, shape: number[]): tf.Tensor {
  const size = split.rows * split.cols;
  const buf = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) buf.set(split.pixels.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
  return tf.tensor(buf, [indices.length, ...shape]);
}

const range = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface LoopHooks {
  onStep?: (r: { epoch: number; epochs: number; batch: number; batches: number; step: number; metrics: Record<string, number>; elapsed: number; images: number }) => void;
  onEpoch?: (r: { epoch: number; metrics: Record<string, number>; elapsed: number }) => void;
  shouldStop?: () => boolean;
}

interface LoopOptions extends LoopHooks, Omit<TrainingData, 'test'> {
  vars: tf.Variable[];
  /** Builds the loss for one batch of indices; extra scalars are reported as metrics. */
  step: (indices: Uint32Array) => { loss: tf.Scalar; extra: Record<string, tf.Scalar> };
  evaluate: () => Record<string, number>;
}

/** The shared minibatch loop: shuffle, step, report, evaluate each epoch, stop when asked. */
async function loop(o: LoopOptions): Promise<{ stopped: boolean; epochsDone: number; last: Record<string, number> | null }> {
  const random = mulberry32(o.seed);
  const optimizer = tf.train.adam(o.learningRate);
  const order = range(o.train.count);
  const batches = Math.ceil(o.train.count / o.batchSize);
  const started = performance.now();
  let step = 0;
  let last: Record<string, number> | null = null;
  let epochsDone = 0;
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      shuffle(order, random);
      for (let b = 0; b < batches; b++) {
        const idx = order.subarray(b * o.batchSize, Math.min(o.train.count, (b + 1) * o.batchSize));
        let extra: Record<string, tf.Scalar> = {};
        const loss = optimizer.minimize(() => {
          const r = o.step(idx);
          extra = Object.fromEntries(Object.entries(r.extra).map(([k, v]) => [k, tf.keep(v)]));
          return r.loss;
        }, true, o.vars) as tf.Scalar;
        // Async reads: webgpu has no synchronous one under Node (engine/host.ts).
        const metrics: Record<string, number> = { loss: (await loss.data())[0] };
        for (const [k, v] of Object.entries(extra)) metrics[k] = (await v.data())[0];
        tf.dispose([loss, ...Object.values(extra)]);
        if (!Number.isFinite(metrics.loss)) throw new Error(`loss became ${metrics.loss} at epoch ${epoch}, batch ${b + 1}; lower the learning rate (now ${o.learningRate})`);
        step++;
        o.onStep?.({ epoch, epochs: o.epochs, batch: b + 1, batches, step, metrics, elapsed: (performance.now() - started) / 1000, images: idx.length });
        await yieldToEventLoop();
        if (o.shouldStop?.()) return { stopped: true, epochsDone, last };
      }
      last = await onHost(o.evaluate);
      epochsDone = epoch;
      o.onEpoch?.({ epoch, metrics: last, elapsed: (performance.now() - started) / 1000 });
    }
  } finally {
    optimizer.dispose();
    // What follows training (evaluations, samples) reads synchronously: on webgpu, continue on the host backend.
    await leaveWebgpu();
  }
  return { stopped: false, epochsDone, last };
}

const trainableOf = (...models: tf.LayersModel[]) => models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));

/** Mean test reconstruction loss of an autoencoder, in batches. */
export function evaluateAutoencoder(ae: Autoencoder, test: Split, loss: ReconLoss, batchSize = 500): number {
  let sum = 0;
  for (let from = 0; from < test.count; from += batchSize) {
    const n = Math.min(batchSize, test.count - from);
    sum += tf.tidy(() => {
      const x = batchOf(test, range(n).map((i) => i + from), ae.inputShape);
      return reconLoss(loss, ae.logits.predict(x) as tf.Tensor, x).dataSync()[0];
    }) * n;
  }
  return sum / test.count;
}

export interface AeTrainOptions extends LoopHooks, TrainingData {
  ae: Autoencoder;
  loss: ReconLoss;
  /**
   * The seed's AE-guided distillation: Loss = recon + alpha · MSE(code_S − code_T) · T².
   * The teacher's code (conv AE, 4×4×8) and the student's (dense AE, 128) have the same size.
   */
  guide?: { teacher: Autoencoder; temperature: number; alpha: number };
}

export async function trainAutoencoder(o: AeTrainOptions) {
  const { ae, guide } = o;
  return loop({
    ...o,
    vars: trainableOf(ae.model),
    step: (idx): { loss: tf.Scalar; extra: Record<string, tf.Scalar> } => {
      const x = batchOf(o.train, idx, ae.inputShape);
      const recon = reconLoss(o.loss, ae.logits.apply(x) as tf.Tensor, x);
      if (!guide) return { loss: recon, extra: {} };
      const xt = batchOf(o.train, idx, guide.teacher.inputShape);
      const codeT = guide.teacher.encoder.predict(xt) as tf.Tensor;
      const codeS = ae.encoder.apply(x) as tf.Tensor;
      const match = tf.mean(tf.square(tf.sub(codeS, codeT))) as tf.Scalar;
      const loss = tf.add(recon, tf.mul(guide.alpha * guide.temperature * guide.temperature, match)) as tf.Scalar;
      return { loss, extra: { recon, code_mse: match } };
    },
    evaluate: () => ({ test_recon_loss: evaluateAutoencoder(ae, o.test, o.loss) }),
  });
}

// ---------------------------------------------------------------- VAEs

export type VaeKind = 'gaussian' | 'dirichlet';
export type GammaSampler = 'exact' | 'icdf';
/** The DirVAE's KL term: the closed-form Dirichlet KL (exact, tighter) or the paper's multi-Gamma KL. */
export type DirichletKlKind = 'dirichlet' | 'multigamma';

export interface VaeSpec {
  vae: Vae;
  kind: VaeKind;
  /** Dirichlet prior concentration per dimension. */
  priorAlpha: number;
  sampler: GammaSampler;
  /** DirVAE only (the Gaussian VAE's KL is exact and ignores it). */
  kl: DirichletKlKind;
}

/** The name of the bound a DirVAE's reported ELBO is, for summaries and logs. */
export const elboBound = (kl: DirichletKlKind) => (kl === 'dirichlet' ? 'dirichlet-kl' : 'multigamma-kl');

/** Per-example reconstruction term −log p(x|z): BCE summed over the 784 pixels. */
const reconPerExample = (logits: tf.Tensor, x: tf.Tensor) => tf.sum(bceFromLogits(logits, x), 1) as tf.Tensor1D;

/** One stochastic pass: z from q(z|x), per-example recon and KL. */
function vaeTerms(s: VaeSpec, x: tf.Tensor2D, random: () => number, training: boolean): { z: tf.Tensor2D; recon: tf.Tensor1D; kl: tf.Tensor1D } {
  if (s.kind === 'gaussian') {
    const [mu, logvar] = s.vae.encoder.apply(x, { training }) as tf.Tensor2D[];
    const eps = tf.tensor2d(Float32Array.from({ length: mu.size }, () => normal(random)), mu.shape);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps)) as tf.Tensor2D; // z = mu + sigma·eps
    return { z, recon: reconPerExample(s.vae.decoder.apply(z) as tf.Tensor, x), kl: gaussianKl(mu, logvar) };
  }
  // Small floor: a concentration that reaches 0 has no finite lgamma.
  const alphaHat = tf.add(s.vae.encoder.apply(x, { training }) as tf.Tensor2D, 1e-4) as tf.Tensor2D;
  // Sampled in log space: small α̂ would underflow the Gamma samples themselves (see sampleLogGamma).
  const logv =
    s.sampler === 'exact'
      ? sampleLogGamma(alphaHat, random)
      : icdfLogGammaApprox(alphaHat, tf.tensor2d(Float32Array.from({ length: alphaHat.size }, () => Math.max(random(), 1e-12)), alphaHat.shape));
  const z = tf.exp(logNormalizeToSimplex(logv)) as tf.Tensor2D;
  const kl = s.kl === 'multigamma' ? multiGammaKl(alphaHat, s.priorAlpha) : dirichletKl(alphaHat, s.priorAlpha);
  return { z, recon: reconPerExample(s.vae.decoder.apply(z) as tf.Tensor, x), kl };
}

export interface VaeTrainOptions extends LoopHooks, VaeSpec, TrainingData {}

export async function trainVae(o: VaeTrainOptions) {
  const random = mulberry32(o.seed ^ 0x9e3779b9);
  return loop({
    ...o,
    vars: trainableOf(o.vae.encoder, o.vae.decoder),
    step: (idx) => {
      const x = batchOf(o.train, idx, [784]) as tf.Tensor2D;
      const t = vaeTerms(o, x, random, true);
      const recon = tf.mean(t.recon) as tf.Scalar;
      const kl = tf.mean(t.kl) as tf.Scalar;
      const loss = tf.add(recon, kl) as tf.Scalar; // −ELBO
      return { loss, extra: { elbo: tf.neg(loss) as tf.Scalar, recon, kl } };
    },
    evaluate: () => evaluateVae(o, o.test, mulberry32(o.seed)),
  });
}

/** Test ELBO and its two terms (one sample per image), in batches. */
export function evaluateVae(s: VaeSpec, test: Split, random: () => number, batchSize = 500): Record<string, number> {
  let recon = 0;
  let kl = 0;
  for (let from = 0; from < test.count; from += batchSize) {
    const n = Math.min(batchSize, test.count - from);
    const [r, k] = tf.tidy(() => {
      const t = vaeTerms(s, batchOf(test, range(n).map((i) => i + from), [784]) as tf.Tensor2D, random, false);
      return [tf.sum(t.recon).dataSync()[0], tf.sum(t.kl).dataSync()[0]];
    });
    recon += r;
    kl += k;
  }
  recon /= test.count;
  kl /= test.count;
  return { test_elbo: -(recon + kl), test_recon: recon, test_kl: kl };
}

/**
 * Importance-sampled negative log-likelihood (Burda et al.):
 *   log p(x) ≈ logsumexp_s [log p(x|z_s) + log p(z_s) − log q(z_s|x)] − log S,  z_s ~ q(z|x).
 * For the DirVAE, q and p are the Dirichlet densities of the normalized Gammas
 * (exact with the 'exact' sampler; with 'icdf' the proposal is only approximately q),
 * evaluated from log z so that coordinates below float32's range keep their density.
 */
export function importanceSampledNll(s: VaeSpec, test: Split, samples: number, random: () => number): number {
  let total = 0;
  for (let i = 0; i < test.count; i++) {
    total += tf.tidy(() => {
      const x = tf.tile(batchOf(test, [i], [784]), [samples, 1]) as tf.Tensor2D;
      let logw: tf.Tensor1D;
      if (s.kind === 'gaussian') {
        const [mu, logvar] = s.vae.encoder.predict(x) as tf.Tensor2D[];
        const eps = tf.tensor2d(Float32Array.from({ length: mu.size }, () => normal(random)), mu.shape);
        const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps)) as tf.Tensor2D;
        const logPz = logNormal(z, tf.zerosLike(z) as tf.Tensor2D, tf.zerosLike(z) as tf.Tensor2D);
        logw = tf.sub(tf.sub(logPz, logNormal(z, mu, logvar)), reconPerExample(s.vae.decoder.predict(z) as tf.Tensor, x)) as tf.Tensor1D;
      } else {
        const alphaHat = tf.add(s.vae.encoder.predict(x) as tf.Tensor2D, 1e-4) as tf.Tensor2D;
        const logz = logNormalizeToSimplex(sampleLogGamma(alphaHat, random));
        const logPz = logDirichletFromLog(logz, tf.fill(logz.shape, s.priorAlpha) as tf.Tensor2D);
        const recon = reconPerExample(s.vae.decoder.predict(tf.exp(logz)) as tf.Tensor, x);
        logw = tf.sub(tf.sub(logPz, logDirichletFromLog(logz, alphaHat)), recon) as tf.Tensor1D;
      }
      return -(tf.logSumExp(logw).dataSync()[0] - Math.log(samples));
    });
  }
  return total / test.count;
}

/** Posterior means E_q[z|x] of the test images (rows of `dims` values): mu, or α̂ / Σα̂. */
export function latentMeans(s: VaeSpec, test: Split, batchSize = 500): { means: Float32Array; dims: number } {
  const dims = s.vae.latentDim;
  const means = new Float32Array(test.count * dims);
  for (let from = 0; from < test.count; from += batchSize) {
    const n = Math.min(batchSize, test.count - from);
    const m = tf.tidy(() => {
      const x = batchOf(test, range(n).map((i) => i + from), [784]);
      if (s.kind === 'gaussian') return (s.vae.encoder.predict(x) as tf.Tensor[])[0].dataSync();
      const a = tf.add(s.vae.encoder.predict(x) as tf.Tensor, 1e-4);
      return tf.div(a, tf.sum(a, 1, true)).dataSync();
    });
    means.set(m, from * dims);
  }
  return { means, dims };
}

/**
 * Variance of one latent coordinate under the prior: 1 for N(0, I); for a
 * symmetric Dirichlet(α0, …, α0) with A = Kα0, a(A − a)/(A²(A + 1)) with a = α0.
 */
export function priorCoordinateVariance(s: Pick<VaeSpec, 'kind' | 'priorAlpha'>, dims: number): number {
  if (s.kind === 'gaussian') return 1;
  const a = s.priorAlpha;
  const A = dims * a;
  return (a * (A - a)) / (A * A * (A + 1));
}

/** What activeDimensions measures, for logs and artifacts. */
export const ACTIVE_MEASURE = 'Var_x(E[z_k|x]) / prior variance of z_k > threshold';
/**
 * Burda et al. use 0.01 on the raw variance with a N(0, I) prior; relative to the
 * prior's variance the same 0.01 applies to any prior, so Gaussian and Dirichlet
 * latents are counted alike (a raw 0.01 is unreachable for a simplex coordinate,
 * whose whole variance is below 1/K).
 */
export const ACTIVE_THRESHOLD = 0.01;

/**
 * Which latent dimensions are active (Burda et al.'s "active units"): the variance
 * over test images of E[z_k|x], relative to the prior variance of z_k, above
 * `threshold`. Collapsed dimensions (E[z|x] the same for every x) carry no information.
 */
export function activeDimensions(means: Float32Array, dims: number, priorVariance: number, threshold = ACTIVE_THRESHOLD): { variances: number[]; relative: number[]; active: number } {
  const n = means.length / dims;
  const variances = Array.from({ length: dims }, (_, d) => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = means[i * dims + d];
      s += v;
      s2 += v * v;
    }
    return s2 / n - (s / n) ** 2;
  });
  const relative = variances.map((v) => v / priorVariance);
  return { variances, relative, active: relative.filter((v) => v > threshold).length };
}

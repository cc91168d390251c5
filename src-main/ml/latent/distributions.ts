// Densities, KL divergences and reparameterized samplers for the Gaussian
// VAE and the Dirichlet VAE (Joo et al., "Dirichlet Variational Autoencoder").
import * as tf from '@tensorflow/tfjs';
import { digamma, lgamma } from './special.js';
import { sampleGammaOnDevice } from './gamma-device.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** KL(N(mu, exp(logvar)) || N(0, I)) per example: −½ Σ (1 + logvar − mu² − exp(logvar)). */
export function gaussianKl(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar))), 1)) as tf.Tensor1D);
}

/** log N(z; mu, exp(logvar)) summed over dimensions, per example. */
export function logNormal(z: tf.Tensor2D, mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const d = tf.sub(z, mu);
    return tf.mul(-0.5, tf.sum(tf.add(tf.add(LOG_2PI, logvar), tf.div(tf.square(d), tf.exp(logvar))), 1)) as tf.Tensor1D;
  });
}

/**
 * KL between the multi-Gamma posterior Π Gamma(α̂_k, 1) and prior Π Gamma(α_k, 1), per example:
 *   Σ_k lgamma(α_k) − lgamma(α̂_k) + (α̂_k − α_k) ψ(α̂_k).
 * Normalizing such Gammas gives Dirichlet(α̂) and Dirichlet(α), the DirVAE's posterior and prior.
 * This is the paper's bound. It equals dirichletKl plus KL(Gamma(Σα̂, 1) ‖ Gamma(Σα, 1)) of the
 * Gammas' total, which the decoder never sees (the total and the normalized vector are
 * independent), so it is a looser bound that taxes confident (large Σα̂) posteriors.
 */
export function multiGammaKl(alphaHat: tf.Tensor2D, alphaPrior: tf.Tensor | number): tf.Tensor1D {
  return tf.tidy(() => {
    const prior = broadcastPrior(alphaHat, alphaPrior);
    const terms = tf.add(tf.sub(lgamma(prior), lgamma(alphaHat)), tf.mul(tf.sub(alphaHat, prior), digamma(alphaHat)));
    return tf.sum(terms, 1) as tf.Tensor1D;
  });
}

/**
 * Closed-form KL(Dirichlet(α̂) ‖ Dirichlet(α)) per example, with A = Σα̂, B = Σα:
 *   lgamma(A) − lgamma(B) + Σ_k [lgamma(α_k) − lgamma(α̂_k) + (α̂_k − α_k)(ψ(α̂_k) − ψ(A))].
 * The exact KL of the latent the decoder sees (the normalized sample), hence a tighter ELBO.
 */
export function dirichletKl(alphaHat: tf.Tensor2D, alphaPrior: tf.Tensor | number): tf.Tensor1D {
  return tf.tidy(() => {
    const prior = broadcastPrior(alphaHat, alphaPrior);
    const total = tf.sum(alphaHat, 1, true);
    const norm = tf.sub(lgamma(tf.sum(alphaHat, 1)), lgamma(tf.sum(prior, 1)));
    const terms = tf.add(tf.sub(lgamma(prior), lgamma(alphaHat)), tf.mul(tf.sub(alphaHat, prior), tf.sub(digamma(alphaHat), digamma(total))));
    return tf.add(norm, tf.sum(terms, 1)) as tf.Tensor1D;
  });
}

const broadcastPrior = (alphaHat: tf.Tensor2D, alphaPrior: tf.Tensor | number) =>
  typeof alphaPrior === 'number' ? tf.fill(alphaHat.shape, alphaPrior) : tf.broadcastTo(alphaPrior, alphaHat.shape);

/** log Dirichlet(z; α) per example; z on the simplex (clamped away from 0 for float32). Samplers use logDirichletFromLog. */
export function logDirichlet(z: tf.Tensor2D, alpha: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => logDirichletFromLog(tf.log(tf.maximum(z, 1e-30)) as tf.Tensor2D, alpha));
}

/**
 * log Dirichlet(z; α) per example from log z. With small α a coordinate of z
 * can be e^-1000, which is 0 in float32 while its log is an ordinary number,
 * and the density needs exactly that log.
 */
export function logDirichletFromLog(logz: tf.Tensor2D, alpha: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const norm = tf.sub(lgamma(tf.sum(alpha, 1)), tf.sum(lgamma(alpha), 1));
    return tf.add(norm, tf.sum(tf.mul(tf.sub(alpha, 1), logz), 1)) as tf.Tensor1D;
  });
}

/** Standard normal via Box–Muller, from a uniform source. */
export function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * Exact Gamma(α, 1) samples, reparameterized. Marsaglia–Tsang draws the
 * accepted normal ε and uniform u in JavaScript (they are only noise); the
 * sample is then an op of α,
 *   v = (a − 1/3)(1 + ε/√(9a − 3))³ · u^{1/α},  a = α + 1 (the +1 "boost" makes a ≥ 1),
 * so gradients flow to α (Naesseth et al.'s reparameterization of rejection
 * samplers, without the small correction term).
 *
 * Why not only the paper's inverse-CDF approximation (below): it is accurate
 * for small u but its mean is far from α (for α = 1 it is 0.5), which would
 * bias both training and the log-likelihood estimate. It stays available
 * as `icdfGammaApprox` and as the DirVAE's `sampler: 'icdf'` option.
 */
export function sampleGamma(alpha: tf.Tensor2D, random: () => number): tf.Tensor2D {
  return tf.tidy(() => tf.exp(sampleLogGamma(alpha, random)) as tf.Tensor2D);
}

/**
 * log of sampleGamma's sample, as log v = log g + log(u)/α with
 * g = (a − 1/3)(1 + ε/√(9a − 3))³ from the boosted sampler. For α below about
 * 0.05, u^{1/α} underflows float32 (0.1^{1/0.02} = 1e-50), which made z = 0/0
 * or an exact vertex: NaN gradients and a biased likelihood estimate. Its log
 * is an ordinary number (−115 there).
 */
export function sampleLogGamma(alpha: tf.Tensor2D, random: () => number): tf.Tensor2D {
  // webgpu cannot read α synchronously: the same sampler with the rejection step on the device
  // (gamma-device.ts). Its log is taken there, so the underflow guard of the log-space path holds on wasm/cpu.
  if (tf.getBackend() === 'webgpu') return tf.tidy(() => tf.log(tf.maximum(sampleGammaOnDevice(alpha, random), 1e-38)) as tf.Tensor2D);
  const a = alpha.dataSync();
  const eps = new Float32Array(a.length);
  const u = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const d = a[i] + 1 - 1 / 3;
    // A diverged encoder's α̂ (NaN, ∞) is never accepted: its sample is NaN instead, so the loss is,
    // and training stops naming it (the losses are read a few steps late; this must not hang meanwhile).
    if (!Number.isFinite(d)) {
      eps[i] = NaN;
      u[i] = 1;
      continue;
    }
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const e = normal(random);
      const v = (1 + c * e) ** 3;
      if (v <= 0) continue;
      const uu = random();
      if (Math.log(uu) < 0.5 * e * e + d - d * v + d * Math.log(v)) {
        eps[i] = e;
        break;
      }
    }
    u[i] = Math.max(random(), 1e-12);
  }
  return tf.tidy(() => {
    const d = tf.sub(tf.add(alpha, 1), 1 / 3);
    const c = tf.rsqrt(tf.mul(9, d));
    // Accepted proposals have 1 + cε > 0, so this log is finite.
    const logBase = tf.add(tf.log(d), tf.mul(3, tf.log(tf.add(1, tf.mul(c, tf.tensor(eps, alpha.shape))))));
    return tf.add(logBase, tf.div(tf.log(tf.tensor(u, alpha.shape)), alpha)) as tf.Tensor2D;
  });
}

/** The DirVAE paper's approximation of the inverse Gamma(α, 1) CDF: F⁻¹(u) ≈ (u α Γ(α))^{1/α}. */
export function icdfGammaApprox(alpha: tf.Tensor2D, u: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.exp(icdfLogGammaApprox(alpha, u)) as tf.Tensor2D);
}

/** log of icdfGammaApprox's sample, (log u + log α + lgamma(α)) / α, kept in log space for the same reason as sampleLogGamma. */
export function icdfLogGammaApprox(alpha: tf.Tensor2D, u: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(tf.add(tf.add(tf.log(u), tf.log(alpha)), lgamma(alpha)), alpha) as tf.Tensor2D);
}

/** Normalizes Gamma samples onto the simplex: a Dirichlet(α) sample when v ~ Π Gamma(α_k, 1). */
export function normalizeToSimplex(v: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(v, tf.add(tf.sum(v, 1, true), 1e-30)) as tf.Tensor2D);
}

/** log z of the normalized sample from log v: log v − logsumexp(log v) per row, which cannot underflow. */
export function logNormalizeToSimplex(logv: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sub(logv, tf.logSumExp(logv, 1, true)) as tf.Tensor2D);
}

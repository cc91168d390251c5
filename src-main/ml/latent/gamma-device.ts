// The Gamma(α, 1) sampler of distributions.ts without reading α back to the
// host: Marsaglia–Tsang's rejection step runs on the device over K candidate
// draws per element and keeps the first accepted one. For the boosted shape
// a = α + 1 ≥ 1 each candidate is accepted with probability > 0.95, so with
// K = 16 a miss (then candidate 0 is used) has probability < 1e-20.
// Same reparameterization as sampleGamma: ε and u are noise, the sample is
// an op of α. Used on the webgpu backend, where a per-step sync read stalls
// the GPU (and dataSync does not exist under Node).
import * as tf from '@tensorflow/tfjs';

export const GAMMA_CANDIDATES = 16;

export function sampleGammaOnDevice(alpha: tf.Tensor2D, random: () => number, candidates = GAMMA_CANDIDATES): tf.Tensor2D {
  const seed = () => Math.floor(random() * 2 ** 31);
  return tf.tidy(() => {
    const shape = [candidates, ...alpha.shape];
    const e = tf.randomNormal(shape, 0, 1, 'float32', seed());
    const uu = tf.randomUniform(shape, 0, 1, 'float32', seed());
    const u = tf.maximum(tf.randomUniform(alpha.shape, 0, 1, 'float32', seed()), 1e-12);
    const boosted = tf.add(alpha, 1);
    const d = tf.sub(boosted, 1 / 3);
    const c = tf.rsqrt(tf.mul(9, d));
    // Accept-reject on the device; the choice is noise: a custom gradient of zero keeps it off the tape.
    const choose = tf.customGrad(((a: tf.Tensor) => {
      const dd = tf.sub(tf.add(a, 1), 1 / 3);
      const c = tf.rsqrt(tf.mul(9, dd));
      const v = tf.pow(tf.add(1, tf.mul(c, e)), 3);
      const logv = tf.log(tf.maximum(v, 1e-30));
      const accept = tf.logicalAnd(tf.greater(v, 0), tf.less(tf.log(uu), tf.add(tf.mul(0.5, tf.square(e)), tf.add(tf.sub(dd, tf.mul(dd, v)), tf.mul(dd, logv)))));
      // The first accepted candidate has the largest weight K − k.
      const rank = tf.reshape(tf.range(candidates, 0, -1), [candidates, 1, 1]);
      const first = tf.argMax(tf.mul(tf.cast(accept, 'float32'), rank), 0);
      // One-hot along the candidate axis by comparison (a transposed int32 oneHot does not compile on webgpu).
      const pick = tf.cast(tf.equal(tf.expandDims(first, 0), tf.reshape(tf.range(0, candidates, 1, 'int32'), [candidates, 1, 1])), 'float32');
      return { value: tf.sum(tf.mul(pick, e), 0), gradFunc: () => tf.zerosLike(a) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const eps = choose(alpha);
    const base = tf.mul(d, tf.pow(tf.add(1, tf.mul(c, eps)), 3));
    const shrink = tf.exp(tf.div(tf.log(u), alpha)); // u^{1/α}
    return tf.mul(base, shrink) as tf.Tensor2D;
  });
}

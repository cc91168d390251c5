// lgamma and digamma for TensorFlow.js, which has neither. Both are built
// from differentiable ops, so their gradients come from autodiff: d lgamma
// is (our) digamma, d digamma is trigamma — see special.test.ts, which checks
// values against known constants and gradients against finite differences.
//
// Method: shift the argument up by 6 with the recurrences
//   lgamma(x) = lgamma(x + 6) − log(x (x+1) … (x+5))
//   ψ(x)      = ψ(x + 6) − Σ_{i<6} 1/(x + i)
// then use the asymptotic (Stirling) series, accurate to float32 precision
// for arguments ≥ 6. Valid for x > 0, which is all a Dirichlet VAE needs.
import * as tf from '@tensorflow/tfjs';

const SHIFT = 6;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export function lgamma(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    let prod: tf.Tensor = x;
    for (let i = 1; i < SHIFT; i++) prod = tf.mul(prod, tf.add(x, i));
    const y = tf.add(x, SHIFT);
    const inv = tf.reciprocal(y);
    const inv2 = tf.square(inv);
    // 1/(12y) − 1/(360y³) + 1/(1260y⁵) − 1/(1680y⁷)
    const series = tf.mul(inv, tf.add(1 / 12, tf.mul(inv2, tf.add(-1 / 360, tf.mul(inv2, tf.add(1 / 1260, tf.mul(inv2, -1 / 1680)))))));
    const stirling = tf.add(tf.sub(tf.mul(tf.sub(y, 0.5), tf.log(y)), y), tf.add(series, HALF_LOG_2PI));
    return tf.sub(stirling, tf.log(prod));
  });
}

export function digamma(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    let recip: tf.Tensor = tf.reciprocal(x);
    for (let i = 1; i < SHIFT; i++) recip = tf.add(recip, tf.reciprocal(tf.add(x, i)));
    const y = tf.add(x, SHIFT);
    const inv2 = tf.reciprocal(tf.square(y));
    // ln y − 1/(2y) − 1/(12y²) + 1/(120y⁴) − 1/(252y⁶) + 1/(240y⁸)
    const series = tf.mul(inv2, tf.add(-1 / 12, tf.mul(inv2, tf.add(1 / 120, tf.mul(inv2, tf.add(-1 / 252, tf.mul(inv2, 1 / 240)))))));
    const asym = tf.add(tf.sub(tf.log(y), tf.div(0.5, y)), series);
    return tf.sub(asym, recip);
  });
}

// Hinton et al.'s distillation loss:
//   alpha · T² · CE(softmax(t/T), softmax(s/T)) + (1 − alpha) · CE(labels, softmax(s))
// The T² keeps the soft-target gradients on the same scale as the hard ones
// when T changes (their magnitude falls as 1/T²).
import * as tf from '@tensorflow/tfjs';

/** Softmax at temperature T: exp(z_i/T) / Σ_j exp(z_j/T). */
export function softenedProbabilities(logits: tf.Tensor, temperature: number): tf.Tensor {
  return tf.tidy(() => tf.softmax(tf.div(logits, temperature)));
}

/** Mean over the batch of −Σ_i p_i · log q_i, where q = softmax(logits). */
export function softCrossEntropy(targets: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

export function distillationLoss(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  labelsOneHot: tf.Tensor,
  temperature: number,
  alpha: number,
): tf.Scalar {
  if (!(temperature > 0)) throw new RangeError(`temperature must be greater than 0, got ${temperature}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  return tf.tidy(() => {
    const soft = softCrossEntropy(softenedProbabilities(teacherLogits, temperature), tf.div(studentLogits, temperature));
    const hard = softCrossEntropy(labelsOneHot, studentLogits);
    return tf.add(tf.mul(alpha * temperature * temperature, soft), tf.mul(1 - alpha, hard)) as tf.Scalar;
  });
}

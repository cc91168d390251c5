import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { distillationLoss, softenedProbabilities } from './distill-loss.js';

await initBackend('cpu');

const softmax = (z: number[], T = 1) => {
  const e = z.map((v) => Math.exp(v / T));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

test('distillation loss on fixed logits equals the value computed by hand', () => {
  const student = [[2, 1, 0.1], [0.5, 2.5, -1]];
  const teacher = [[3, 0.5, -2], [0, 4, 1]];
  const labels = [0, 1];
  const T = 4;
  const alpha = 0.3;
  // By hand: per example, soft = −Σ p_t(T)·log p_s(T); hard = −log p_s(1)[label].
  let expected = 0;
  for (let i = 0; i < 2; i++) {
    const pt = softmax(teacher[i], T);
    const ps = softmax(student[i], T);
    const soft = -pt.reduce((a, p, k) => a + p * Math.log(ps[k]), 0);
    const hard = -Math.log(softmax(student[i])[labels[i]]);
    expected += (alpha * T * T * soft + (1 - alpha) * hard) / 2;
  }
  const got = distillationLoss(tf.tensor2d(student), tf.tensor2d(teacher), tf.oneHot(labels, 3), T, alpha).dataSync()[0];
  assert.ok(Math.abs(got - expected) < 1e-5, `loss ${got} vs hand-computed ${expected}`);
});

test('alpha = 0 is plain cross-entropy with the labels; the teacher does not matter', () => {
  const s = tf.tensor2d([[1, 2, 3]]);
  const a = distillationLoss(s, tf.tensor2d([[9, 0, 0]]), tf.oneHot([2], 3), 4, 0).dataSync()[0];
  const b = distillationLoss(s, tf.tensor2d([[0, 0, 9]]), tf.oneHot([2], 3), 4, 0).dataSync()[0];
  assert.ok(Math.abs(a - b) < 1e-7);
  assert.ok(Math.abs(a - -Math.log(softmax([1, 2, 3])[2])) < 1e-6);
});

test('higher temperature gives a softer distribution with the same argmax', () => {
  const z = tf.tensor2d([[10, 2, -3, 5]]);
  const p1 = softenedProbabilities(z, 1).dataSync();
  const p4 = softenedProbabilities(z, 4).dataSync();
  assert.ok(p4[0] < p1[0] && p4[1] > p1[1]);
  assert.equal(p1.indexOf(Math.max(...p1)), p4.indexOf(Math.max(...p4)));
});

test('a non-positive temperature or an alpha outside [0, 1] is refused', () => {
  const z = tf.tensor2d([[1, 2]]);
  assert.throws(() => distillationLoss(z, z, tf.oneHot([0], 2), 0, 0.5), /temperature must be greater than 0/);
  assert.throws(() => distillationLoss(z, z, tf.oneHot([0], 2), -1, 0.5), /temperature must be greater than 0/);
  assert.throws(() => distillationLoss(z, z, tf.oneHot([0], 2), 4, 1.5), /alpha must be in \[0, 1\]/);
});

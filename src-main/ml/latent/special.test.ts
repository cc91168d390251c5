import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { digamma, lgamma } from './special.js';

await initBackend('cpu');
const EULER = 0.5772156649015329;

const val = (f: (x: tf.Tensor) => tf.Tensor, x: number) => f(tf.scalar(x)).dataSync()[0];

test('lgamma matches known values', () => {
  const cases: [number, number][] = [
    [0.5, Math.log(Math.sqrt(Math.PI))],
    [1, 0],
    [2, 0],
    [3, Math.log(2)],
    [10, Math.log(362880)],
    [0.1, 2.252712651734206],
    [0.01, 4.599479878042022],
    [0.98, 0.01187654956407791],
    [25.5, 56.389167643719944],
  ];
  for (const [x, want] of cases) {
    const got = val(lgamma, x);
    assert.ok(Math.abs(got - want) < 2e-5 * Math.max(1, Math.abs(want)), `lgamma(${x}) = ${got}, want ${want}`);
  }
});

test('digamma matches known values', () => {
  const cases: [number, number][] = [
    [1, -EULER],
    [0.5, -EULER - 2 * Math.log(2)],
    [2, 1 - EULER],
    [10, 2.251752589066721],
    [0.1, -10.42375494041108],
    [0.98, -0.6106039968154144],
    [0.01, -100.56088545786866],
  ];
  for (const [x, want] of cases) {
    const got = val(digamma, x);
    assert.ok(Math.abs(got - want) < 2e-5 * Math.max(1, Math.abs(want)), `digamma(${x}) = ${got}, want ${want}`);
  }
});

test('gradients agree with finite differences: d lgamma = digamma, d digamma = trigamma', () => {
  // Finite differences in float64 on reference series, gradients from tfjs autodiff (float32).
  const trigammaRef = (x: number) => {
    let s = 0;
    for (let i = 0; i < 200000; i++) s += 1 / ((x + i) * (x + i));
    return s + 1 / (x + 200000);
  };
  for (const x of [0.05, 0.3, 0.98, 1, 2.5, 7, 30]) {
    const gl = tf.grad(lgamma)(tf.scalar(x)).dataSync()[0];
    const h = 1e-3 * x;
    const fd = (val(lgamma, x + h) - val(lgamma, x - h)) / (2 * h);
    assert.ok(Math.abs(gl - val(digamma, x)) < 1e-4 * Math.max(1, Math.abs(gl)), `lgamma'(${x}) = ${gl} vs digamma ${val(digamma, x)}`);
    assert.ok(Math.abs(gl - fd) < 2e-3 * Math.max(1, Math.abs(gl)), `lgamma'(${x}) = ${gl} vs finite difference ${fd}`);
    const gd = tf.grad(digamma)(tf.scalar(x)).dataSync()[0];
    const want = trigammaRef(x);
    assert.ok(Math.abs(gd - want) < 1e-3 * want, `digamma'(${x}) = ${gd}, trigamma ${want}`);
  }
});

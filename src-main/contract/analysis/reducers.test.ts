import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricDirection, reduce, reduceSeries } from './reducers.js';

test('direction from the metric name', () => {
  for (const n of ['accuracy', 'test_accuracy', 'train_acc', 'test_elbo', 'accuracy_after_prune_step']) assert.equal(metricDirection(n), 'max', n);
  for (const n of ['loss', 'test_loss', 'train_loss', 'test_nll', 'test_recon_loss', 'quant_rmse/FC1']) assert.equal(metricDirection(n), 'min', n);
  for (const n of ['learning_rate', 'temperature', 'sparsity/FC1']) assert.equal(metricDirection(n), undefined, n);
});

test('reducers over a hand-made series', () => {
  const loss = [2.0, 1.0, 1.5, 0.5, 0.75];
  // last 0.75; best (min) 0.5; max 2; mean of last 2 = (0.5 + 0.75)/2 = 0.625
  assert.deepEqual(reduceSeries(loss, { name: 'test_loss', lastN: 2 }), { count: 5, last: 0.75, best: 0.5, min: 0.5, max: 2, meanLast: 0.625, direction: 'min' });
  const acc = [0.5, 0.9, 0.8];
  assert.equal(reduce(acc, 'best', { name: 'test_accuracy' }), 0.9);
  assert.equal(reduce(acc, 'meanLast', { lastN: 10 }), (0.5 + 0.9 + 0.8) / 3);
  // Unknown direction: no "best" unless given one.
  assert.equal(reduce(acc, 'best', { name: 'lr' }), null);
  assert.equal(reduce(acc, 'best', { name: 'lr', direction: 'min' }), 0.5);
});

test('empty and non-finite values', () => {
  assert.deepEqual(reduceSeries([], { name: 'loss' }), { count: 0, last: null, best: null, min: null, max: null, meanLast: null, direction: 'min' });
  assert.equal(reduce([1, NaN, 3, Infinity], 'last'), 3);
  assert.equal(reduce([1, NaN, 3], 'meanLast', { lastN: 2 }), 2);
});

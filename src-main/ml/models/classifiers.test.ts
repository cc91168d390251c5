import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../engine/backend.js';
import { buildClassifier, buildLenet5, buildStudent, buildTeacher } from './classifiers.js';
import { formatSummary, summarize } from './summary.js';

await initBackend('cpu');

test("teacher CNN matches the seed's table: 1,199,882 parameters, layer by layer", () => {
  const s = summarize(buildTeacher());
  assert.equal(s.totalParams, 1_199_882);
  const byName = Object.fromEntries(s.layers.map((l) => [l.name, l]));
  assert.equal(byName.Conv1.params, 320);
  assert.equal(byName.Conv2.params, 18496);
  assert.equal(byName.FC1.params, 1179776);
  assert.equal(byName.logits.params, 1290);
  assert.equal(byName.MaxPool.outputShape, '(None, 12, 12, 64)');
  assert.equal(byName.Flat.outputShape, '(None, 9216)');
  assert.match(formatSummary(s), /Total params: 1,199,882/);
});

test("student MLP matches the seed's table: 118,282 parameters", () => {
  const s = summarize(buildStudent());
  assert.equal(s.totalParams, 118_282);
  assert.deepEqual(s.layers.filter((l) => l.type === 'Dense').map((l) => l.params), [100480, 16512, 1290]);
  assert.match(formatSummary(s), /Total params: 118,282/);
});

test("LeNet-5 (Caffe's MNIST LeNet, as Han et al. compress it): 431,080 parameters", () => {
  const s = summarize(buildLenet5());
  assert.equal(s.totalParams, 431_080);
  assert.deepEqual(s.layers.filter((l) => l.params > 0).map((l) => [l.name, l.params]), [['Conv1', 520], ['Conv2', 25_050], ['FC1', 400_500], ['logits', 5_010]]);
});

test("Hinton et al.'s MNIST MLPs and the Keras KD example's CNNs have their published sizes", () => {
  assert.equal(summarize(buildClassifier('hinton-teacher')).totalParams, 784 * 1200 + 1200 + 1200 * 1200 + 1200 + 1200 * 10 + 10);
  assert.equal(summarize(buildClassifier('hinton-student')).totalParams, 784 * 800 + 800 + 800 * 800 + 800 + 800 * 10 + 10);
  assert.equal(summarize(buildClassifier('keras-teacher')).totalParams, 1_433_610); // "1.43M"
  assert.equal(summarize(buildClassifier('keras-student')).totalParams, 20_490); // "20.5K"
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configDiff, flattenConfig } from './config-diff.js';

test('nested records and arrays flatten to dot paths', () => {
  const c = { kind: 'prune', sparsity: 0.9, layerSparsity: { FC1: 0.95, logits: 0.5 }, sparsities: [0.1, 0.5], layers: [], extra: {}, nested: [{ a: 1 }, [true, null]], skip: undefined };
  assert.deepEqual(flattenConfig(c), {
    kind: 'prune',
    sparsity: 0.9,
    'layerSparsity.FC1': 0.95,
    'layerSparsity.logits': 0.5,
    'sparsities.0': 0.1,
    'sparsities.1': 0.5,
    layers: '[]',
    extra: '{}',
    'nested.0.a': 1,
    'nested.1.0': true,
    'nested.1.1': null,
  });
});

test('only differing keys, with per-run values; missing keys show as undefined', () => {
  const a = { kind: 'train', epochs: 5, learningRate: 0.001, seed: 1, layerSparsity: { FC1: 0.9 } };
  const b = { kind: 'train', epochs: 10, learningRate: 0.001, seed: 1, layerSparsity: { FC1: 0.9, FC2: 0.5 } };
  const c = { kind: 'train', epochs: 5, learningRate: 0.001, seed: 2 };
  assert.deepEqual(configDiff([a, b, c]), [
    { key: 'epochs', values: [5, 10, 5], differs: true },
    { key: 'layerSparsity.FC1', values: [0.9, 0.9, undefined], differs: true },
    { key: 'layerSparsity.FC2', values: [undefined, 0.5, undefined], differs: true },
    { key: 'seed', values: [1, 1, 2], differs: true },
  ]);
  const all = configDiff([a, b, c], { all: true });
  assert.deepEqual(all.map((r) => r.key), ['epochs', 'kind', 'layerSparsity.FC1', 'layerSparsity.FC2', 'learningRate', 'seed']);
  assert.deepEqual(all.find((r) => r.key === 'kind'), { key: 'kind', values: ['train', 'train', 'train'], differs: false });
});

test('type matters: 1 and "1" differ, null and missing differ; one run has no differences', () => {
  assert.deepEqual(configDiff([{ a: 1 }, { a: '1' }]).map((r) => r.key), ['a']);
  assert.deepEqual(configDiff([{ a: null }, {}])[0].values, [null, undefined]);
  assert.deepEqual(configDiff([{ a: 1, b: [1, 2] }]), []);
  assert.deepEqual(configDiff([]), []);
});

test('a run recorded before the trainer options compares as having their defaults', () => {
  const old = { kind: 'train', model: 'student', epochs: 5 };
  const parsed = { kind: 'train', model: 'student', epochs: 5, optimizer: 'adam', momentum: 0.9, nesterov: false, lrSchedule: 'constant', lrStepGamma: 0.1, lrStepEpochs: 10, lrDecay: 0.998, weightDecay: 0, inputDropout: 0, jitter: 0 };
  assert.deepEqual(configDiff([old, parsed]), []);
  assert.deepEqual(configDiff([old, { ...parsed, optimizer: 'sgd' }]).map((r) => [r.key, r.values]), [['optimizer', ['adam', 'sgd']]]);
  // Kinds without trainer options are left as they are.
  assert.deepEqual(configDiff([{ kind: 'vae', epochs: 5 }, { kind: 'vae', epochs: 5 }], { all: true }).map((r) => r.key), ['epochs', 'kind']);
});

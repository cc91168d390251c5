import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricRow } from '../api.js';
import { formatLayerValue, isPerLayerMetric, layerTable, sensitivityCurves, spectra } from './layers.js';

const fin = (name: string, value: number, step = 0): MetricRow => ({ scope: 'final', step, epoch: 0, name, value, t: 0 });

test('prune: a sparsity column per layer, summary duplicates ignored', () => {
  const t = layerTable({
    kind: 'prune',
    metrics: [fin('accuracy_after_prune_step', 0.5, 1), fin('sparsity/FC1', 0.8), fin('sparsity/FC2', 0.75)],
    summary: { sparsity_FC1: 0.8, sparsity_FC2: 0.75, test_accuracy: 0.5 },
  });
  assert.deepEqual(t.columns.map((c) => c.id), ['sparsity']);
  assert.deepEqual(t.rows, [
    { layer: 'FC1', values: { sparsity: 0.8 } },
    { layer: 'FC2', values: { sparsity: 0.75 } },
  ]);
});

test('quantize: bits from the config beside each RMSE', () => {
  const t = layerTable({ kind: 'quantize', config: { bits: 4 }, metrics: [fin('quant_rmse/FC1', 0.0036), fin('quant_rmse/logits', 0.0087)], summary: { bits: 4 } });
  assert.deepEqual(t.columns.map((c) => c.id), ['bits', 'rmse']);
  assert.deepEqual(t.rows[1], { layer: 'logits', values: { rmse: 0.0087, bits: 4 } });
});

test('factorize: shape, rank, kept energy from the logged spectrum, weights before and after', () => {
  // σ = 3, 2, 1 (Σσ² = 14); rank 1 keeps 9/14. Shape 4×3: before 12, after (4+3)·1 = 7.
  const metrics = [fin('singular_value/FC1', 3, 1), fin('singular_value/FC1', 1, 3), fin('singular_value/FC1', 2, 2), fin('accuracy_before_finetune', 0.4)];
  const summary = { rank_FC1: 1, weights_before_FC1: 12, weights_after_FC1: 7 };
  const s = spectra(metrics, summary);
  assert.deepEqual(s, [{ layer: 'FC1', values: [3, 2, 1], rank: 1, energy: 9 / 14 }]);
  const t = layerTable({ kind: 'factorize', metrics, summary });
  assert.deepEqual(t.columns.map((c) => c.id), ['shape', 'rank', 'energy', 'weightsBefore', 'weightsAfter']);
  assert.deepEqual(t.rows[0].values, { rank: 1, energy: 9 / 14, weightsBefore: 12, weightsAfter: 7, shape: '4 × 3' });
  // The fixture's real FC1: 784×128 at rank 8.
  const real = layerTable({ metrics: [], summary: { rank_FC1: 8, weights_before_FC1: 100352, weights_after_FC1: 7296 } });
  assert.equal(real.rows[0].values.shape, '784 × 128');
});

test('score: parameters, nonzeros and bits from micronet.json, storage and ops from the metrics', () => {
  const t = layerTable({
    kind: 'score',
    metrics: [fin('storage/FC1', 23335), fin('multiplies/FC1', 20071), fin('additions/FC1', 20071)],
    summary: {},
    micronet: [{ layer: 'FC1', params: 100480, nonzeros: 20199, bits: 32, storage: 23335, multiplies: 20071, additions: 20071 }],
  });
  assert.deepEqual(t.columns.map((c) => c.id), ['params', 'nonzeros', 'sparsity', 'bits', 'storage', 'multiplies', 'additions']);
  assert.equal(formatLayerValue(t.rows[0].values.params, 'int'), '100,480');
  assert.equal(formatLayerValue(t.rows[0].values.sparsity, 'ratio'), (1 - 20199 / 100480).toFixed(4));
});

test('sensitivity curves: sparsity from the step, sorted', () => {
  const c = sensitivityCurves([fin('sensitivity/FC1', 0.24, 90), fin('sensitivity/FC1', 0.27, 0), fin('sensitivity/FC2', 0.3, 50)]);
  assert.deepEqual(c, [
    { layer: 'FC1', points: [{ sparsity: 0, accuracy: 0.27 }, { sparsity: 0.9, accuracy: 0.24 }] },
    { layer: 'FC2', points: [{ sparsity: 0.5, accuracy: 0.3 }] },
  ]);
});

test('per-layer metric names and cell formats', () => {
  assert.equal(isPerLayerMetric('sparsity/FC1'), true);
  assert.equal(isPerLayerMetric('singular_value/FC2'), true);
  assert.equal(isPerLayerMetric('accuracy_after_prune_step'), false);
  assert.equal(isPerLayerMetric('sparsity_FC1'), false);
  assert.equal(formatLayerValue(194700, 'int'), '194,700');
  assert.equal(formatLayerValue(0.0036218, 'sci'), '3.62e-3');
  assert.equal(formatLayerValue(null, 'int'), '—');
});

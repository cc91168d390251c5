import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompareExportInput, CompareInput, CompareSeriesInput } from '../contract/api.js';

test('compare inputs: defaults, limits and strictness', () => {
  assert.deepEqual(CompareSeriesInput.parse({ ids: ['ab'] }), { ids: ['ab'], names: [], scope: 'epoch', xAxis: 'step', budget: 500 });
  assert.throws(() => CompareSeriesInput.parse({ ids: ['ab'], budget: 1 }), /at least 2/);
  assert.throws(() => CompareInput.parse({ ids: [] }), /at least one run/);
  assert.throws(() => CompareInput.parse({ ids: ['XYZ'] }), /run id/);
  assert.throws(() => CompareInput.parse({ ids: ['ab'], extra: 1 }));
  const e = CompareExportInput.parse({ ids: ['ab', 'cd'], baseline: 'cd', format: 'html', charts: { names: ['test_accuracy'] } });
  assert.deepEqual(e.charts, { names: ['test_accuracy'], scope: 'epoch', xAxis: 'step', budget: 500 });
  assert.throws(() => CompareExportInput.parse({ ids: ['ab'], format: 'pdf' }));
});

// Per-setting statistics, CSV and bands of a sweep, on hand-made members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandOf, meanStd, sweepCsv, sweepStats, type SweepMember } from './sweep.js';

const m = (runId: string, setting: number, seedIndex: number, acc: number | undefined, loss: number, status: SweepMember['status'] = 'completed'): SweepMember => ({
  runId,
  setting,
  seedIndex,
  seed: 42 + seedIndex,
  status,
  final: acc === undefined ? {} : { test_accuracy: acc, test_loss: loss },
});

test('mean and sample std (n − 1), by hand', () => {
  // 0.9, 0.92, 0.94: mean 0.92, deviations ±0.02 → variance (0.0004 + 0 + 0.0004) / 2 = 0.0004, std 0.02
  const r = meanStd([0.9, 0.92, 0.94]);
  assert.ok(Math.abs(r.mean - 0.92) < 1e-12);
  assert.ok(Math.abs(r.std - 0.02) < 1e-12);
  assert.deepEqual(meanStd([5]), { mean: 5, std: 0 });
});

test('settings group their completed seeds; best/worst follow the metric direction; failed runs are counted, not averaged', () => {
  const settings = [
    { index: 0, values: { temperature: 1 } },
    { index: 1, values: { temperature: 4 } },
  ];
  const members = [m('a', 0, 0, 0.9, 0.3), m('b', 0, 1, 0.94, 0.2), m('c', 1, 0, 0.97, 0.1), m('d', 1, 1, undefined, 0, 'failed')];
  const { settings: s, metrics } = sweepStats(settings, members);
  assert.deepEqual(metrics, ['test_accuracy', 'test_loss']);
  assert.deepEqual(s[0].runIds, ['a', 'b']);
  assert.ok(Math.abs(s[0].metrics.test_accuracy.mean - 0.92) < 1e-12);
  assert.ok(Math.abs(s[0].metrics.test_accuracy.std - Math.sqrt(0.0008)) < 1e-12); // deviations ±0.02, /(2−1)
  assert.equal(s[0].metrics.test_accuracy.best, 'b'); // higher accuracy is better
  assert.equal(s[0].metrics.test_loss.best, 'b'); // lower loss is better
  assert.equal(s[0].metrics.test_loss.worst, 'a');
  assert.deepEqual(s[1].statuses, { completed: 1, failed: 1 });
  assert.equal(s[1].metrics.test_accuracy.n, 1);
  assert.equal(s[1].metrics.test_accuracy.std, 0);
});

test('CSV: one row per setting, the varied fields then mean/std/min/max/n per metric', () => {
  const { settings } = sweepStats([{ index: 0, values: { temperature: 2, model: 'a,b' } }], [m('a', 0, 0, 0.5, 1), m('b', 0, 1, 0.7, 3)]);
  const csv = sweepCsv({ vary: [{ field: 'temperature', spec: '2' }, { field: 'model', spec: 'x' }], settings, metrics: ['test_accuracy'] });
  const [head, row] = csv.trim().split('\n');
  assert.equal(head, 'setting,temperature,model,runs,completed,test_accuracy_mean,test_accuracy_std,test_accuracy_min,test_accuracy_max,test_accuracy_n');
  const cells = row.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  assert.deepEqual(cells.slice(0, 5), ['0', '2', '"a,b"', '2', '2']);
  assert.ok(Math.abs(Number(cells[5]) - 0.6) < 1e-12);
  assert.ok(Math.abs(Number(cells[6]) - Math.sqrt(0.02)) < 1e-12); // (0.01 + 0.01) / 1
  assert.deepEqual(cells.slice(7), ['0.5', '0.7', '2']);
});

test('band: mean with min–max or ± std at the x values every series has', () => {
  const b = bandOf([
    { x: [1, 2, 3], y: [1, 2, 3] },
    { x: [1, 2], y: [3, 4] },
  ]);
  assert.deepEqual(b, { x: [1, 2], mean: [2, 3], lo: [1, 2], hi: [3, 4] });
  const s = bandOf([{ x: [1], y: [1] }, { x: [1], y: [3] }], 'std');
  // mean 2, std sqrt(2)
  assert.deepEqual(s.x, [1]);
  assert.ok(Math.abs(s.lo[0] - (2 - Math.SQRT2)) < 1e-12 && Math.abs(s.hi[0] - (2 + Math.SQRT2)) < 1e-12);
});

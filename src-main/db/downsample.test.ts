import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketize, downsample } from './downsample.js';

test('a series no longer than the budget comes back as it is', () => {
  const x = [0, 1, 2];
  const y = [5, 4, 6];
  assert.deepEqual(downsample(x, y, 3), { x: [0, 1, 2], y: [5, 4, 6] });
  assert.deepEqual(downsample([], [], 10), { x: [], y: [] });
});

test('each bucket keeps first, min, max and last, in x order and once each', () => {
  // x 0..11, budget 3 → range 11, bucket k = floor(x·3/11): x 0..3 → 0, 4..7 → 1, 8..11 → 2 (x=11 → min(2, 3) = 2).
  const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const y = [5, 9, 1, 4, 3, 3, 3, 3, 0, 7, 7, 2];
  // bucket 0: first (0,5), max (1,9), min (2,1), last (3,4)
  // bucket 1: all 3: first = min = max (ties keep the earliest) = (4,3), last (7,3)
  // bucket 2: first = min (8,0), max (9,7) (earliest of the tie), last (11,2)
  const d = downsample(x, y, 3);
  assert.deepEqual(d.x, [0, 1, 2, 3, 4, 7, 8, 9, 11]);
  assert.deepEqual(d.y, [5, 9, 1, 4, 3, 3, 0, 7, 2]);
  const b = bucketize(x, y, 3);
  assert.deepEqual(b.map((k) => k.count), [4, 4, 4]);
});

test('a spike in a long series survives downsampling, as do both ends', () => {
  const n = 50_000;
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => 1 / (1 + i / 1000));
  y[31_337] = 42; // the spike
  y[40_000] = -3; // the dip
  const d = downsample(x, y, 100);
  assert.ok(d.x.length <= 400, `${d.x.length} points`);
  assert.equal(Math.max(...d.y), 42);
  assert.equal(Math.min(...d.y), -3);
  assert.equal(d.x[d.y.indexOf(42)], 31_337);
  assert.equal(d.x[0], 0);
  assert.equal(d.x.at(-1), n - 1);
  assert.deepEqual([...d.x].sort((a, b) => a - b), d.x, 'x stays sorted');
});

test('empty buckets are skipped and a constant x puts everything in one bucket', () => {
  // x 0, 1, 100 with budget 4 (and more points than budget): buckets 0 (x 0, 1) and 3 (x 100).
  const b = bucketize([0, 1, 2, 100, 100], [1, 2, 3, 4, 5], 4);
  assert.deepEqual(b.map((k) => [k.first.x, k.last.x, k.count]), [[0, 2, 3], [100, 100, 2]]);
  const c = bucketize([7, 7, 7], [3, 1, 2], 2);
  assert.equal(c.length, 1);
  assert.deepEqual([c[0].min.y, c[0].max.y, c[0].last.y], [1, 3, 2]);
});

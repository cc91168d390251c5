import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, resolveDataset, type Split } from './datasets.js';
import { readIdxPair } from './idx.js';
import { omitClasses } from './transfer-set.js';

/** Six 2×2 images; image i's pixels are all i·10 (so each image says where it came from), labels chosen by hand. */
function tiny(): Split {
  const labels = Uint8Array.from([3, 1, 3, 0, 2, 3]);
  const images = new Uint8Array(6 * 4).map((_, p) => Math.floor(p / 4) * 10);
  return { images, labels, count: 6, rows: 2, cols: 2, pixels: Float32Array.from(images, (v) => v / 255) };
}

test('omitting class 3 removes exactly the three images labelled 3 (0, 2, 5) and keeps the others in order', () => {
  const r = omitClasses(tiny(), [3]);
  assert.equal(r.removed, 3);
  assert.deepEqual(r.perClass, { 3: 3 });
  assert.equal(r.split.count, 3);
  assert.deepEqual(Array.from(r.split.labels), [1, 0, 2]);
  assert.deepEqual(Array.from(r.split.images), [10, 10, 10, 10, 30, 30, 30, 30, 40, 40, 40, 40]);
  assert.deepEqual(Array.from(r.split.pixels), [10, 10, 10, 10, 30, 30, 30, 30, 40, 40, 40, 40].map((v) => Math.fround(v / 255)));
  assert.deepEqual([r.split.rows, r.split.cols], [2, 2]);
});

test('omitting two classes, or none', () => {
  const r = omitClasses(tiny(), [0, 3]);
  assert.deepEqual([r.removed, r.perClass, Array.from(r.split.labels)], [4, { 0: 1, 3: 3 }, [1, 2]]);
  const none = omitClasses(tiny(), []);
  assert.deepEqual([none.removed, none.split.count], [0, 6]);
  const absent = omitClasses(tiny(), [7]);
  assert.deepEqual([absent.removed, absent.perClass, absent.split.count], [0, { 7: 0 }, 6]);
});

test('a hold-out is the last n training images, never trained on; the training images stop before it', () => {
  const files = resolveDataset('mnist');
  const raw = readIdxPair(files.trainImages, files.trainLabels);
  const ds = loadDataset('mnist', { trainLimit: 10, testLimit: 1, holdout: 100 });
  assert.deepEqual(Array.from(ds.train.labels), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.equal(ds.holdout!.count, 100);
  assert.deepEqual(Array.from(ds.holdout!.labels), Array.from(raw.labels.subarray(59_900)));
  for (const p of [300, 400, 500]) assert.equal(ds.holdout!.pixels[784 * 99 + p], Math.fround(raw.images[784 * 59_999 + p] / 255), 'the last hold-out image is the last training image');
  // Without a limit the training images are the first 60,000 − 100.
  const all = loadDataset('mnist', { testLimit: 1, holdout: 59_990 });
  assert.deepEqual([all.train.count, all.holdout!.count], [10, 59_990]);
  assert.throws(() => loadDataset('mnist', { holdout: 60_000 }), /cannot hold out the last 60000/);
});

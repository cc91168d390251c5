import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readIdx, readIdxPair, DatasetError } from './idx.js';
import { findIdxFiles, loadDataset, resolveDataset } from './datasets.js';

const mnist = resolveDataset('mnist');
const tmp = mkdtempSync(join(tmpdir(), 'distillery-idx-'));
const write = (name: string, data: Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};

test('reads the real MNIST files with their documented shapes', () => {
  const train = readIdxPair(mnist.trainImages, mnist.trainLabels);
  assert.deepEqual([train.count, train.rows, train.cols], [60000, 28, 28]);
  const test = readIdxPair(mnist.testImages, mnist.testLabels);
  assert.equal(test.count, 10000);
  // The first MNIST training labels are well known: 5 0 4 1 9 2 1 3 1 4.
  assert.deepEqual(Array.from(train.labels.subarray(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.equal(test.labels[0], 7);
});

test('gzip files read the same as raw ones', () => {
  const raw = readFileSync(mnist.testLabels);
  const gz = write('t10k-labels-idx1-ubyte.gz', gzipSync(raw));
  assert.deepEqual(readIdx(gz).data, readIdx(mnist.testLabels).data);
});

test('bad magic number names the file and the problem', () => {
  const buf = Buffer.from(readFileSync(mnist.testLabels));
  buf[0] = 0x12;
  const p = write('badmagic', buf);
  assert.throws(() => readIdx(p), (e: Error) => e instanceof DatasetError && e.message.includes(p) && /bad magic number/.test(e.message));
});

test('truncated data is reported with the byte counts', () => {
  const buf = readFileSync(mnist.testImages).subarray(0, 16 + 28 * 28 * 10 - 3);
  const p = write('truncated', buf);
  assert.throws(() => readIdx(p), (e: Error) => e.message.includes(p) && /truncated data: header declares 10000×28×28 = 7840000 bytes, file has 7837/.test(e.message));
});

test('truncated header is reported', () => {
  const p = write('shortheader', readFileSync(mnist.testImages).subarray(0, 9));
  assert.throws(() => readIdx(p), /truncated header/);
});

test('image/label count mismatch names the labels file and both counts', () => {
  const labels = Buffer.from(readFileSync(mnist.testLabels).subarray(0, 8 + 500));
  labels.writeUInt32BE(500, 4);
  const p = write('labels500', labels);
  assert.throws(() => readIdxPair(mnist.testImages, p), (e: Error) => e.message.includes(p) && /500 labels but .* has 10000 images/.test(e.message));
});

test('wrong dimensions (labels given as images) are refused', () => {
  assert.throws(() => readIdxPair(mnist.testLabels, mnist.testLabels), /has 1 dimension\(s\), expected 3/);
});

test('gzip garbage is reported as undecompressible', () => {
  const p = write('garbage.gz', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  assert.throws(() => readIdx(p), (e: Error) => e.message.includes(p) && /cannot be decompressed/.test(e.message));
});

test('a missing file and a folder without IDX files give clear errors', () => {
  assert.throws(() => readIdx(join(tmp, 'nope')), /cannot read file \(ENOENT\)/);
  assert.throws(() => findIdxFiles(tmp), /no training images file found/);
});

test('loadDataset scales pixels to [0, 1] and honours limits', () => {
  const ds = loadDataset('mnist', { trainLimit: 100, testLimit: 50 });
  assert.equal(ds.train.count, 100);
  assert.equal(ds.test.pixels.length, 50 * 784);
  let max = 0;
  for (const v of ds.train.pixels) max = Math.max(max, v);
  assert.equal(max, 1);
});

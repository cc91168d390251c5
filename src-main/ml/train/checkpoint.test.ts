import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, latestCheckpointFile, readCheckpoint, writeCheckpoint, type TrainCheckpoint } from './checkpoint.js';
import { mulberry32 } from './rng.js';

const sample = (epoch: number): TrainCheckpoint => ({
  epoch,
  step: epoch * 4,
  elapsed: 1.25 * epoch,
  shuffleRng: 0xdeadbeef,
  globalRng: 123456789,
  workerRng: null,
  order: Uint32Array.from([3, 1, 2, 0, 4]),
  weights: [
    { name: 'FC1/kernel', shape: [2, 3], values: Float32Array.from([0.1, -0.2, 0.3, 1e-30, -4e20, 0.5]) },
    { name: 'FC1/bias', shape: [3], values: Float32Array.from([Math.PI, 0, -0]) },
  ],
  adam: { m: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), v: Float32Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1]), accBeta1: Math.fround(0.9 ** 3), accBeta2: Math.fround(0.999 ** 3) },
  lastTest: { accuracy: 0.5, loss: 1.5 },
});

test('a checkpoint reads back bit for bit', () => {
  const c = sample(2);
  const back = decodeCheckpoint(encodeCheckpoint(c));
  assert.deepEqual(back, c);
  assert.ok(back.order instanceof Uint32Array && back.weights[0].values instanceof Float32Array);
  assert.throws(() => decodeCheckpoint(Buffer.from('not a checkpoint at all')), /not a Distillery checkpoint/);
  const buf = encodeCheckpoint(c);
  assert.throws(() => decodeCheckpoint(buf.subarray(0, buf.length - 4)), /truncated/);
});

test('writing keeps only the newest complete checkpoint; a leftover temporary file never counts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-ckpt-'));
  assert.equal(latestCheckpointFile(dir), null);
  writeCheckpoint(dir, sample(1));
  // A crash while writing epoch 2 leaves only its temporary file: epoch 1 stays the latest.
  writeFileSync(join(dir, 'epoch-0002.ckpt.tmp'), 'half');
  assert.equal(latestCheckpointFile(dir)!.epoch, 1);
  const { path, bytes } = writeCheckpoint(dir, sample(3));
  assert.deepEqual(readdirSync(dir), ['epoch-0003.ckpt']);
  assert.equal(bytes, readFileSync(path).length);
  assert.deepEqual(latestCheckpointFile(dir), { path, epoch: 3, bytes });
  assert.equal(readCheckpoint(path).step, 12);
});

test('an Rng restored to a saved state draws what followed it', () => {
  const a = mulberry32(42);
  for (let i = 0; i < 10; i++) a();
  const saved = a.state;
  const next = [a(), a(), a()];
  const b = mulberry32(7);
  b.state = saved;
  assert.deepEqual([b(), b(), b()], next);
});

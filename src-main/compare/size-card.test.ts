import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../ml/engine/backend.js';
import { quantizeTensor, writeQuantFile } from '../ml/compress/quantize.js';
import { saveModel } from '../ml/models/model-io.js';
import type { SizeCard } from '../contract/api.js';
import { computeSizeCard, countSavedWeights, measureLatency, refreshSizeCard, runModelFiles, sizeCardForRunDir, teacherBaseline, timeMedian } from './size-card.js';

await initBackend('cpu');

// A hand-built pruned model: 4 → Dense(3) → Dense(2).
const K1 = [0.5, 0, 0, 0, -1, 0, 0, 0, 2, 0.25, 0, 0]; // [4, 3], 4 nonzeros
const B1 = [0.1, 0, 0.2]; // 2 nonzeros
const K2 = [1, 0, 0, 0, 0, -1]; // [3, 2], 2 nonzeros
const B2 = [0, 0]; // 0 nonzeros
// params 12 + 3 + 6 + 2 = 23, nonzeros 8.

function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [4], name: 'input' });
  const d1 = tf.layers.dense({ name: 'D1', units: 3, activation: 'relu' });
  const d2 = tf.layers.dense({ name: 'D2', units: 2 });
  const out = d2.apply(d1.apply(input)) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  d1.setWeights([tf.tensor(K1, [4, 3]), tf.tensor(B1)]);
  d2.setWeights([tf.tensor(K2, [3, 2]), tf.tensor(B2)]);
  return m;
}

// The seed teacher at 32 bits, counted by hand from its layer table:
// storage = all 1,199,882 parameters; ops per image (mult = adds, since each output adds nnz − 1 products + 1 bias):
// Conv1 26·26 positions × 288 weights, Conv2 24·24 × 18,432, FC1 9,216·128, logits 128·10.
const TEACHER_STORAGE = 1_199_882;
const TEACHER_MULT = 26 * 26 * 288 + 24 * 24 * 18_432 + 9_216 * 128 + 128 * 10;
const TEACHER_OPS = 2 * TEACHER_MULT;

test('the teacher baseline matches the hand count', () => {
  const b = teacherBaseline();
  assert.equal(b.storage, TEACHER_STORAGE);
  assert.equal(b.multiplies, TEACHER_MULT);
  assert.equal(b.ops, TEACHER_OPS);
});

test('size card of a tiny pruned model against hand counts', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'distillery-card-'));
  const m = tinyModel();
  await saveModel(m, join(runDir, 'model'));
  m.dispose();
  assert.deepEqual(countSavedWeights(join(runDir, 'model')), { params: 23, nonzeros: 8 });
  const card = (await sizeCardForRunDir(runDir))!;
  // MicroNet storage, 32-bit units: D1 kernel min(12, 4 + 12/32) = 4.375, bias 3; D2 kernel min(6, 2 + 6/32) = 2.1875, bias 2.
  const fp32 = 4.375 + 3 + 2.1875 + 2;
  // 16-bit units (32-bit weights count as 16-bit): D1 kernel min(12, 4 + 12/16), bias 3; D2 kernel min(6, 2 + 6/16), bias 2.
  const fp16 = 4.75 + 3 + 2.375 + 2;
  // Multiplies = kernel nonzeros (4 + 2); additions = nnz − units + units (bias) per layer = 4 + 2.
  assert.deepEqual(card, {
    params: 23,
    nonzeroParams: 8,
    float32Bytes: 92,
    storedBytes: 8 * 4 + 3, // sparse: 8 nonzeros × 4 bytes + ⌈23/8⌉ mask bytes, smaller than 92
    micronetStorageFp32: fp32,
    micronetStorageFp16: fp16,
    micronetOpsMult: 6,
    micronetOpsAdd: 6,
    micronetScore: fp32 / TEACHER_STORAGE + 12 / TEACHER_OPS,
    latencyB1Ms: null,
    latencyB64Ms: null,
    latencyBackend: null,
    latencyMeasuredAt: null,
    latencyLater: false,
  });
});

test('a dense model is stored dense; a quantized one is the size of its .dqm file', async () => {
  const dense = mkdtempSync(join(tmpdir(), 'distillery-card-'));
  const input = tf.input({ shape: [2] });
  const d = tf.layers.dense({ name: 'D', units: 2 });
  const m = tf.model({ inputs: input, outputs: d.apply(input) as tf.SymbolicTensor });
  d.setWeights([tf.tensor([1, 2, 3, 4], [2, 2]), tf.tensor([5, 6])]);
  await saveModel(m, join(dense, 'model'));
  m.dispose();
  // 6 nonzero params: dense 24 bytes < sparse 6·4 + 1.
  assert.equal((await sizeCardForRunDir(dense))!.storedBytes, 24);

  const runDir = mkdtempSync(join(tmpdir(), 'distillery-card-'));
  const t = tinyModel();
  await saveModel(t, join(runDir, 'model'));
  t.dispose();
  const q1 = quantizeTensor(Float32Array.from(K1), [4, 3], 4, false);
  const q2 = quantizeTensor(Float32Array.from(K2), [3, 2], 4, false);
  const file = writeQuantFile([
    { layer: 'D1', weight: 'D1/kernel', shape: [4, 3], quantized: q1 },
    { layer: 'D1', weight: 'D1/bias', shape: [3], float: Float32Array.from(B1) },
    { layer: 'D2', weight: 'D2/kernel', shape: [3, 2], quantized: q2 },
    { layer: 'D2', weight: 'D2/bias', shape: [2], float: Float32Array.from(B2) },
  ]);
  writeFileSync(join(runDir, 'model.dqm'), file);
  const grid = (q: typeof q1) => ({ bits: 4, perChannel: false, scales: q.params.map((p) => p.scale), zeroPoints: q.params.map((p) => p.zeroPoint) });
  writeFileSync(join(runDir, 'compression.json'), JSON.stringify({ weights: { 'D1/kernel': grid(q1), 'D2/kernel': grid(q2) }, steps: ['quantize 4-bit'] }));
  // Payload by hand: 12 × 4 bits = 6 bytes, 3 floats = 12, 6 × 4 bits = 3, 2 floats = 8 → 29 bytes after the 8-byte preamble and the header.
  const headerLength = file.readUInt32LE(4);
  assert.equal(file.length, 8 + headerLength + 29);
  assert.ok(runModelFiles(runDir)!.quantizedFile);
  const card = (await sizeCardForRunDir(runDir))!;
  assert.equal(card.storedBytes, 8 + headerLength + 29);
  assert.equal(card.float32Bytes, 92);
  // 4-bit kernels: D1 min(12·4/32, 4·4/32 + 12/32) = 0.875, bias 3; D2 min(6·4/32, 2·4/32 + 6/32) = 0.4375, bias 2.
  assert.equal(card.micronetStorageFp32, 0.875 + 3 + 0.4375 + 2);
  // 16-bit units: D1 min(12·4/16, 4·4/16 + 12/16) = 1.75, bias 3·16/16; D2 min(6·4/16, 2·4/16 + 6/16) = 0.875, bias 2.
  assert.equal(card.micronetStorageFp16, 1.75 + 3 + 0.875 + 2);
  assert.equal(card.micronetOpsMult, 6);
});

test('a model in parts (encoder + decoder) sums the parts and has no MicroNet figures; no model gives no card', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'distillery-card-'));
  for (const part of ['encoder', 'decoder']) {
    const m = tinyModel();
    await saveModel(m, join(runDir, part));
    m.dispose();
  }
  const card = (await sizeCardForRunDir(runDir))!;
  assert.equal(card.params, 46);
  assert.equal(card.nonzeroParams, 16);
  assert.equal(card.micronetScore, null);
  assert.equal(await sizeCardForRunDir(mkdtempSync(join(tmpdir(), 'distillery-card-'))), null);
});

test('latency: warm-up calls are not timed, the median is taken, per image at batch 64', async () => {
  let calls = 0;
  const times = [50, 50, 1, 3, 2]; // two warm-ups (slow), then 1, 3, 2 ms → median 2
  const realNow = performance.now.bind(performance);
  let clock = 0;
  performance.now = () => clock;
  try {
    const med = await timeMedian(() => {
      clock += times[calls++];
    }, 2, 3);
    assert.equal(calls, 5);
    assert.equal(med, 2);
  } finally {
    performance.now = realNow;
  }
  const m = tinyModel();
  const l = await measureLatency(m, { warmup: 1, repeats: 3 });
  m.dispose();
  assert.equal(l.backend, 'cpu');
  assert.ok(l.b1Ms > 0 && Number.isFinite(l.b1Ms));
  assert.ok(l.b64Ms > 0 && Number.isFinite(l.b64Ms));
});

test('refreshSizeCard stores the card, with latency marked as measured later', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'distillery-card-'));
  const t = tinyModel();
  await saveModel(t, join(runDir, 'model'));
  t.dispose();
  const stored: [string, SizeCard][] = [];
  const card = (await refreshSizeCard({ setSizeCard: (id, c) => stored.push([id, c]) }, 'ab', runDir, { latency: true, repeats: 2 }))!;
  assert.equal(stored.length, 1);
  assert.equal(stored[0][0], 'ab');
  assert.deepEqual(stored[0][1], card);
  assert.equal(card.params, 23);
  assert.equal(card.latencyLater, true);
  assert.equal(card.latencyBackend, 'cpu');
  assert.ok(card.latencyB1Ms! > 0 && card.latencyMeasuredAt);
  assert.equal(await refreshSizeCard({ setSizeCard: () => assert.fail('no model, nothing stored') }, 'cd', mkdtempSync(join(tmpdir(), 'distillery-card-'))), null);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { buildStudent, buildTeacher } from '../models/classifiers.js';
import { mulberry32 } from '../train/rng.js';
import { fromChain, toChain, cloneChain } from './chain.js';
import { huffmanLengths } from './huffman.js';
import { micronetCost, micronetScore } from './micronet.js';
import { pruneUnstructured, rankUnits, removeUnits, sparsityOf } from './prune.js';
import { dequantize, packBits, quantError, quantizeTensor, readQuantFile, unpackBits, writeQuantFile } from './quantize.js';
import { factorizeLayer, svdOf } from './svd.js';

await initBackend('cpu');

test('affine quantization of a small tensor matches values computed by hand', () => {
  // min −1, max 2, 2 bits: scale = 3/3 = 1, zero point = round(0 − (−1)/1) = 1.
  const x = Float32Array.from([-1, -0.4, 0, 0.6, 2]);
  const t = quantizeTensor(x, [5], 2, false);
  assert.deepEqual(t.params, [{ scale: 1, zeroPoint: 1 }]);
  assert.deepEqual(Array.from(t.q), [0, 1, 1, 2, 3]); // round(x/1) + 1, clamped to 0..3
  assert.deepEqual(Array.from(dequantize(t)), [-1, 0, 0, 1, 2]);
  const e = quantError(x, t);
  assert.ok(e.maxAbs <= t.params[0].scale / 2 + 1e-7, `round-trip error ${e.maxAbs} ≤ scale/2`);
  // 8 bits on random data: error within half a step everywhere.
  const r = mulberry32(1);
  const y = Float32Array.from({ length: 1000 }, () => r() * 3 - 1);
  const t8 = quantizeTensor(y, [1000], 8, false);
  assert.ok(quantError(y, t8).maxAbs <= t8.params[0].scale / 2 + 1e-6);
});

test('per-channel beats per-tensor when channel ranges differ', () => {
  const r = mulberry32(2);
  const x = new Float32Array(64 * 4);
  for (let i = 0; i < x.length; i++) x[i] = (r() - 0.5) * [0.01, 0.1, 1, 10][i % 4]; // last axis = channel
  // Error on the narrow channels (0 and 1): per-tensor steps are sized for the widest channel.
  const narrowRmse = (t: ReturnType<typeof quantizeTensor>) => {
    const d = dequantize(t);
    let se = 0;
    let n = 0;
    for (let i = 0; i < x.length; i++) if (i % 4 < 2) (se += (d[i] - x[i]) ** 2), n++;
    return Math.sqrt(se / n);
  };
  const pt = narrowRmse(quantizeTensor(x, [64, 4], 4, false));
  const pc = narrowRmse(quantizeTensor(x, [64, 4], 4, true));
  assert.ok(pc < pt / 10, `narrow channels: per-channel rmse ${pc} vs per-tensor ${pt}`);
  assert.ok(quantError(x, quantizeTensor(x, [64, 4], 4, true)).rmse <= quantError(x, quantizeTensor(x, [64, 4], 4, false)).rmse);
  assert.throws(() => quantizeTensor(x, [64, 4], 9, false), /bits: must be an integer from 2 to 8/);
  assert.throws(() => quantizeTensor(x, [64, 4], 1, false), /bits/);
});

test('bit packing round-trips and the quantized file decodes to the dequantized weights', () => {
  const q = Uint32Array.from([0, 31, 5, 17, 30, 1, 2]);
  assert.deepEqual(Array.from(unpackBits(packBits(q, 5), 5, q.length)), Array.from(q));
  assert.equal(packBits(q, 5).length, Math.ceil((7 * 5) / 8));
  const w = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
  const t = quantizeTensor(w, [10, 4], 5, true);
  const file = writeQuantFile([{ layer: 'FC', weight: 'FC/kernel', shape: [10, 4], quantized: t }, { layer: 'FC', weight: 'FC/bias', shape: [4], float: Float32Array.from([1, 2, 3, 4]) }]);
  const back = readQuantFile(file);
  assert.deepEqual(Array.from(back.tensors.get('FC/kernel')!), Array.from(dequantize(t)));
  assert.deepEqual(Array.from(back.tensors.get('FC/bias')!), [1, 2, 3, 4]);
});

test('SVD: the factorized error equals the norm of the dropped singular values, and full rank reproduces outputs', () => {
  const student = buildStudent();
  const chain = toChain(student);
  const fc2 = chain.layers.find((l) => l.name === 'FC2')!;
  const { s } = svdOf(fc2.weights[0].values, 128, 128);
  const k = 20;
  const c = cloneChain(chain);
  const f = factorizeLayer(c, 'FC2', { rank: k });
  const dropped = Math.sqrt(s.slice(k).reduce((a, v) => a + v * v, 0));
  assert.ok(Math.abs(f.error - dropped) < 1e-9);
  // Measure the product U_k·(S_k V_kᵀ) against A directly.
  const [U, SV] = [c.layers.find((l) => l.name === 'FC2_U')!, c.layers.find((l) => l.name === 'FC2')!];
  const A = tf.tensor2d(fc2.weights[0].values, [128, 128]);
  const Ak = tf.matMul(tf.tensor2d(U.weights[0].values, [128, k]), tf.tensor2d(SV.weights[0].values, [k, 128]));
  const measured = tf.norm(tf.sub(A, Ak)).dataSync()[0];
  assert.ok(Math.abs(measured - dropped) < 1e-3 * dropped, `‖A − A_k‖ = ${measured}, √Σ dropped σ² = ${dropped}`);
  assert.equal(U.weights[0].values.length + SV.weights[0].values.length, (128 + 128) * k);

  const full = cloneChain(chain);
  factorizeLayer(full, 'FC2', { rank: 128 });
  const x = tf.randomUniform([5, 28, 28, 1], 0, 1, 'float32', 3);
  const diff = tf.max(tf.abs(tf.sub(student.predict(x) as tf.Tensor, fromChain(full).predict(x) as tf.Tensor))).dataSync()[0];
  assert.ok(diff < 1e-5, `full rank differs by ${diff}`);
  assert.throws(() => factorizeLayer(cloneChain(chain), 'FC2', { rank: 129 }), /rank: FC2 is 128×128, so k must be an integer from 1 to 128/);
  assert.throws(() => factorizeLayer(cloneChain(chain), 'FC2', { rank: 0 }), /rank/);
});

test('unstructured pruning reaches the target sparsity in every layer', () => {
  const chain = toChain(buildStudent());
  const got = pruneUnstructured(chain, ['FC1', 'FC2', 'logits'], 0.75, 'layer');
  for (const [name, s] of got) assert.equal(s, Math.floor(0.75 * chain.layers.find((l) => l.name === name)!.weights[0].values.length) / chain.layers.find((l) => l.name === name)!.weights[0].values.length, name);
  assert.throws(() => pruneUnstructured(chain, ['FC1'], 1, 'layer'), /sparsity: must be in \[0, 1\)/);
  const g = toChain(buildStudent());
  pruneUnstructured(g, ['FC1', 'FC2'], 0.5, 'global');
  const total = Math.round(g.layers.filter((l) => ['FC1', 'FC2'].includes(l.name)).reduce((a, l) => a + l.weights[0].values.length * sparsityOf(l.weights[0].values), 0));
  assert.equal(total, Math.floor(0.5 * (100352 + 16384)));
});

test('structured pruning shrinks layers and gives the outputs of the masked original (Dense and Conv through Flatten)', () => {
  for (const [build, layer] of [[buildStudent, 'FC1'], [buildTeacher, 'Conv2']] as const) {
    const chain = toChain(build());
    const scores = rankUnits(chain, layer, 'l1');
    // Masked original: zero the dropped units' kernel columns and biases.
    const masked = cloneChain(chain);
    const shrunk = cloneChain(chain);
    const { kept, before, after } = removeUnits(shrunk, layer, scores, 0.5);
    assert.equal(after, before / 2);
    const m = masked.layers.find((l) => l.name === layer)!;
    const units = before;
    for (let i = 0; i < m.weights[0].values.length; i++) if (!kept.includes(i % units)) m.weights[0].values[i] = 0;
    for (let u = 0; u < units; u++) if (!kept.includes(u)) m.weights[1].values[u] = 0;
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 4);
    const a = fromChain(masked).predict(x) as tf.Tensor;
    const small = fromChain(shrunk);
    const b = small.predict(x) as tf.Tensor;
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    assert.ok(diff < 1e-5, `${layer}: shrunk vs masked differ by ${diff}`);
    assert.ok(small.countParams() < fromChain(chain).countParams());
  }
});

test("MicroNet counts of the teacher and student equal the hand-computed numbers", () => {
  const t = micronetCost(toChain(buildTeacher()));
  // Conv1: 26·26 positions × (3·3·1·32) weights; Conv2: 24·24 × (3·3·32·64); FC1: 9216·128; logits: 128·10.
  const mults = 26 * 26 * 288 + 24 * 24 * 18432 + 9216 * 128 + 128 * 10;
  assert.equal(t.multiplies, mults);
  assert.equal(mults, 11_992_448);
  // Per output value: (k − 1) additions + 1 bias = k, so additions equal multiplies.
  assert.equal(t.additions, mults);
  assert.equal(t.params, 1_199_882);
  assert.equal(t.storage, 1_199_882);
  const s = micronetCost(toChain(buildStudent()));
  assert.equal(s.multiplies, 784 * 128 + 128 * 128 + 128 * 10);
  assert.equal(s.ops, 2 * (784 * 128 + 128 * 128 + 128 * 10));
  assert.equal(micronetCost(toChain(buildStudent()), {}, 'fp16').storage, 118_282, "fp16 convention: an unquantized parameter counts as one");
  const sc = micronetScore(s, t);
  assert.ok(Math.abs(sc.score - (118282 / 1199882 + s.ops / t.ops)) < 1e-12);
});

test('MicroNet storage of a pruned and quantized layer: nonzeros at b/32 plus a 1-bit mask', () => {
  const chain = toChain(buildStudent());
  pruneUnstructured(chain, ['FC1'], 0.9, 'layer');
  const c = micronetCost(chain, { 'FC1/kernel': 4 });
  const fc1 = c.layers.find((l) => l.layer === 'FC1')!;
  const nnz = 100352 - Math.floor(0.9 * 100352);
  assert.equal(fc1.storage, (nnz * 4) / 32 + 100352 / 32 + 128);
  assert.equal(fc1.multiplies, nnz);
});

test('Huffman code lengths of a textbook example', () => {
  const lens = huffmanLengths(new Map([[0, 45], [1, 13], [2, 12], [3, 16], [4, 9], [5, 5]]));
  assert.deepEqual([...lens.entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => l), [1, 3, 3, 3, 4, 4]);
});

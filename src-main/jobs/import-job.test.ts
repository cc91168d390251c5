// Bring your own model: a classifier made and trained with plain TensorFlow.js
// is imported, predicts as before, is pruned, teaches a student and exports
// to ONNX (its Conv2D through the NCHW Transposes); damaged files are refused
// before any run is recorded, naming the file or the layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../service/service.js';
import { loadDataset } from '../ml/data/datasets.js';
import { loadModel } from '../ml/models/model-io.js';
import { loadOnnxRuntime } from '../ml/export/verify.js';

const root = mkdtempSync(join(tmpdir(), 'distillery-import-'));
const svc = new Service(join(root, 'data'));
const data = { trainLimit: 256, testLimit: 200, batchSize: 32 };

/** Saves with plain tfjs: model.json + weights.bin, as tf.io's file handlers lay them out. */
async function savePlain(model: tf.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['./weights.bin'], weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
}

let cnnDir = '';
let mlpDir = '';
let x: tf.Tensor;

test('setup: a small CNN and an MLP on 784 inputs, made and trained with plain tfjs', async () => {
  await tf.setBackend('cpu');
  const ds = loadDataset('mnist', { trainLimit: 256, testLimit: 200 });
  x = tf.tensor(ds.test.pixels, [ds.test.count, 28, 28, 1]);
  const xs = tf.tensor(ds.train.pixels, [ds.train.count, 28, 28, 1]);
  const ys = tf.oneHot(tf.tensor1d(Array.from(ds.train.labels), 'int32'), 10);
  const cnn = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.1 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  cnn.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  await cnn.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 });
  cnnDir = join(root, 'cnn');
  await savePlain(cnn, cnnDir);
  const mlp = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 16 }), tf.layers.reLU({ name: 'relu_layer' }), tf.layers.dense({ units: 10 })] });
  mlpDir = join(root, 'mlp');
  await savePlain(mlp, mlpDir);
  const before = cnn.predict(x) as tf.Tensor;
  writeFileSync(join(root, 'cnn-probs.json'), JSON.stringify(Array.from(before.dataSync())));
});

test('an imported tfjs CNN predicts as before, is pruned, teaches a student, and exports to ONNX and tfjs', async (t) => {
  const imp = await svc.runJob({ kind: 'import', path: cnnDir, testLimit: 200 }, 'my CNN');
  assert.equal(imp.status, 'completed', imp.error ?? '');
  assert.equal(imp.name, 'my CNN');
  assert.equal(imp.model, 'imported');
  // Same function after normalization (softmax split out of the output layer, renamed logits).
  const model = await loadModel(svc.modelDir(imp.id));
  assert.ok(model.getLayer('logits'));
  const after = (model.predict(x) as tf.Tensor).dataSync();
  const before = JSON.parse(readFileSync(join(root, 'cnn-probs.json'), 'utf8')) as number[];
  let maxDiff = 0;
  for (let i = 0; i < before.length; i++) maxDiff = Math.max(maxDiff, Math.abs(before[i] - after[i]));
  assert.ok(maxDiff < 1e-5, `imported model's probabilities differ by ${maxDiff}`);

  const pruned = await svc.runJob({ kind: 'prune', sourceRunId: imp.id, sparsity: 0.5, finetuneEpochs: 0, ...data });
  assert.equal(pruned.status, 'completed', pruned.error ?? '');
  assert.ok(Number(pruned.summary.nonzero_params) < 0.6 * Number(imp.summary.params), `nonzero ${pruned.summary.nonzero_params} of ${imp.summary.params}`);
  const student = await svc.runJob({ kind: 'distill', teacherRunId: imp.id, model: 'student', epochs: 1, ...data });
  assert.equal(student.status, 'completed', student.error ?? '');
  assert.deepEqual(student.parents, [{ id: imp.id, role: 'teacher' }]);

  const tf1 = await svc.exportModel(pruned.id, { format: 'tfjs', out: join(root, 'out-tfjs'), images: 200 });
  assert.equal(tf1.status, 'verified', tf1.reason ?? '');
  const { ort, reason } = await loadOnnxRuntime();
  if (!ort) return t.skip(`onnxruntime-node is not available: ${reason}`);
  const on = await svc.exportModel(imp.id, { format: 'onnx', out: join(root, 'out-onnx'), images: 1000 });
  console.log(`# imported CNN onnx: agreement ${on.verification!.agreement} on ${on.verification!.images}, max logit diff ${on.verification!.maxLogitDiff.toExponential(2)}`);
  assert.equal(on.status, 'verified', on.reason ?? '');
  assert.ok(on.verification!.agreement >= 0.999);
});

test('784-input MLP with a ReLU layer and no softmax imports (a Flatten in front, an Activation for the ReLU, a softmax after the logits)', async () => {
  const r = await svc.runJob({ kind: 'import', path: join(mlpDir, 'model.json'), testLimit: 100 });
  assert.equal(r.status, 'completed', r.error ?? '');
  const m = await loadModel(svc.modelDir(r.id));
  assert.deepEqual(m.inputs[0].shape, [null, 28, 28, 1]);
  assert.deepEqual(m.layers.map((l) => l.getClassName()), ['InputLayer', 'Flatten', 'Dense', 'Activation', 'Dense', 'Activation']);
  // Same function as the plain tfjs model on the flat pixels.
  const mlp = await tf.loadLayersModel(tf.io.fromMemory((() => {
    const j = JSON.parse(readFileSync(join(mlpDir, 'model.json'), 'utf8'));
    const w = readFileSync(join(mlpDir, 'weights.bin'));
    return { modelTopology: j.modelTopology, weightSpecs: j.weightsManifest[0].weights, weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) };
  })()));
  const flat = x.reshape([x.shape[0], 784]);
  const want = tf.softmax(mlp.predict(flat) as tf.Tensor).dataSync();
  const got = (m.predict(x) as tf.Tensor).dataSync();
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(want[i] - got[i]));
  assert.ok(d < 1e-5, `imported MLP differs by ${d}`);
});

test('damaged or unsupported files are refused before a run is recorded, naming the file or layer', async () => {
  const before = svc.listRuns().length;
  const truncated = join(root, 'truncated');
  cpSync(mlpDir, truncated, { recursive: true });
  truncateSync(join(truncated, 'weights.bin'), 1000);
  assert.throws(() => svc.startJob({ kind: 'import', path: truncated }), /path: weights file "\.\/weights\.bin" is truncated: 1,000 bytes, the manifest needs 50,920/);

  const missing = join(root, 'missing');
  cpSync(mlpDir, missing, { recursive: true });
  const json = JSON.parse(readFileSync(join(missing, 'model.json'), 'utf8'));
  json.weightsManifest[0].paths = ['./group1-shard1of1.bin'];
  writeFileSync(join(missing, 'model.json'), JSON.stringify(json));
  assert.throws(() => svc.startJob({ kind: 'import', path: missing }), /path: weights file "\.\/group1-shard1of1\.bin" named in .*model\.json is missing/);

  const unsupported = join(root, 'unsupported');
  const bn = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.batchNormalization({ name: 'bn1' }), tf.layers.dense({ units: 10, activation: 'softmax' })] });
  await savePlain(bn, unsupported);
  assert.throws(() => svc.startJob({ kind: 'import', path: unsupported }), /path: layer "bn1" \(BatchNormalization\) is not supported/);

  assert.throws(() => svc.startJob({ kind: 'import', path: join(root, 'nowhere') }), /path: .*nowhere: no such file or folder/);
  assert.equal(svc.listRuns().length, before, 'no run was recorded for the refused imports');
});

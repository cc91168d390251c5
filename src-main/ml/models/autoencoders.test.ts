// The Dirichlet VAE's decoder scales z by K inside the model, so a saved and
// reloaded decoder decodes exactly as the trained one did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { buildDirichletVae, buildGaussianVae } from './autoencoders.js';
import { loadModel, saveModel } from './model-io.js';

await initBackend('cpu');

test('Dirichlet VAE decoder: z scaled by K first, no extra parameters, same outputs after save and load', async () => {
  const K = 7;
  const vae = buildDirichletVae(K, 16);
  const names = vae.decoder.layers.map((l) => l.getClassName());
  assert.deepEqual(names, ['InputLayer', 'Rescaling', 'Dense', 'Dense']);
  assert.equal(vae.decoder.countParams(), buildGaussianVae(K, 16).decoder.countParams());
  // The first dense layer sees K·z: compare with applying it by hand to K·z.
  const z = tf.tensor2d([[1, 0, 0, 0, 0, 0, 0], [0.1, 0.2, 0.05, 0.15, 0.3, 0.1, 0.1]]);
  const [kernel, bias] = vae.decoder.getLayer('dense_2').getWeights();
  const byHand = tf.relu(tf.add(tf.matMul(tf.mul(z, K), kernel), bias));
  const inner = tf.model({ inputs: vae.decoder.inputs, outputs: vae.decoder.getLayer('dense_2').output as tf.SymbolicTensor });
  assert.ok(tf.max(tf.abs(tf.sub(inner.predict(z) as tf.Tensor, byHand))).dataSync()[0] < 1e-5);

  const dir = mkdtempSync(join(tmpdir(), 'distillery-dirvae-'));
  await saveModel(vae.decoder, dir);
  const loaded = await loadModel(dir);
  const diff = tf.max(tf.abs(tf.sub(loaded.predict(z) as tf.Tensor, vae.decoder.predict(z) as tf.Tensor))).dataSync()[0];
  assert.equal(diff, 0);
});

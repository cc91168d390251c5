// trainingFlopsPerImage against multiply-add counts worked out by hand from the layer shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../ml/engine/backend.js';
import { buildConvAe, buildGaussianVae } from '../ml/models/autoencoders.js';
import { buildStudent } from '../ml/models/classifiers.js';
import { forwardMacsPerImage, trainingFlopsPerImage } from './flops.js';

await initBackend('cpu');

test('student MLP: Dense in × out per layer', () => {
  // FC1 784·128 = 100,352; FC2 128·128 = 16,384; logits 128·10 = 1,280; total 118,016 MACs.
  const macs = 784 * 128 + 128 * 128 + 128 * 10;
  assert.equal(macs, 118_016);
  const m = buildStudent();
  assert.equal(forwardMacsPerImage(m), macs);
  assert.equal(trainingFlopsPerImage(m), macs * 3 * 2); // 708,096
});

test('conv AE: Conv2D outH × outW × kh × kw × cin × cout per layer, pooling and upsampling free', () => {
  // All kernels 3×3 (9 taps). Spatial sizes: 28 → pool 14 → pool 7 → pool "same" 4 → up 8 → up 16 → valid conv 14 → up 28.
  const macs =
    28 * 28 * 9 * 1 * 16 + //  enc_conv1 (same, 28×28, 1→16):  784 · 144  = 112,896
    14 * 14 * 9 * 16 * 8 + //  enc_conv2 (same, 14×14, 16→8): 196 · 1152 = 225,792
    7 * 7 * 9 * 8 * 8 + //     enc_conv3 (same, 7×7, 8→8):     49 · 576   =  28,224
    4 * 4 * 9 * 8 * 8 + //     dec_conv1 (same, 4×4, 8→8):     16 · 576   =   9,216
    8 * 8 * 9 * 8 * 8 + //     dec_conv2 (same, 8×8, 8→8):     64 · 576   =  36,864
    14 * 14 * 9 * 8 * 16 + //  dec_conv3 (valid, 16→14, 8→16): 196 · 1152 = 225,792
    28 * 28 * 9 * 16 * 1; //   logits    (same, 28×28, 16→1): 784 · 144  = 112,896
  assert.equal(macs, 751_680);
  const ae = buildConvAe();
  assert.equal(forwardMacsPerImage(ae.model), macs);
  assert.equal(trainingFlopsPerImage(ae.model), macs * 6);
});

test('Gaussian VAE: encoder and decoder summed', () => {
  // Encoder 784·512 + two heads 512·10 = 401,408 + 10,240; decoder 10·512 + 512·784 = 5,120 + 401,408.
  const vae = buildGaussianVae(10);
  assert.equal(forwardMacsPerImage(vae.encoder), 411_648);
  assert.equal(forwardMacsPerImage(vae.decoder), 406_528);
  assert.equal(trainingFlopsPerImage([vae.encoder, vae.decoder]), (411_648 + 406_528) * 6);
});

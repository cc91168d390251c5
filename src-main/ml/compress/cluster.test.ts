// Weight sharing (Han et al.): k-means with linear init, index bits,
// and centroid fine-tuning, checked by hand on small layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CentroidAdam, centroidGradients, clusteredBits, indexBits, kmeans1d, sgdCentroidStep, sharedWeights } from './cluster.js';

test('k-means centroids by hand: linear init over [min, max], then Lloyd steps; pruned zeros are not clustered', () => {
  // k = 2: init at min = -1 and max = 3. Assignments: {-1, -0.5} → -1, {2, 3} → 3; means -0.75 and 2.5; stable.
  const w = Float32Array.from([-1, 0, -0.5, 2, 0, 3]);
  const c = kmeans1d(w, 2);
  assert.deepEqual(Array.from(c.centroids), [-0.75, 2.5]);
  assert.deepEqual(Array.from(c.index), [0, -1, 0, 1, -1, 1]);
  assert.deepEqual(Array.from(sharedWeights(c)), [-0.75, 0, -0.75, 2.5, 0, 2.5]);

  // k = 3 on 0.1, 0.2, 0.9, 1.0, 2.0: init 0.1, 1.05, 2.0 → {0.1, 0.2} {0.9, 1.0} {2.0} → 0.15, 0.95, 2.0.
  const c3 = kmeans1d(Float32Array.from([0.1, 0.2, 0.9, 1.0, 2.0]), 3);
  assert.deepEqual(Array.from(c3.centroids).map((x) => +x.toFixed(6)), [0.15, 0.95, 2]);
  assert.deepEqual(Array.from(c3.index), [0, 0, 1, 1, 2]);
});

test('index bits are ceil(log2 k); storage is a 32-bit codebook plus the indices', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 16, 17, 32, 64, 256].map(indexBits), [0, 1, 2, 2, 3, 4, 5, 5, 6, 8]);
  assert.equal(clusteredBits(1000, 64), 64 * 32 + 1000 * 6);
  assert.equal(clusteredBits(1000, 2 ** 5), 32 * 32 + 1000 * 5);
});

test('fine-tuning moves centroids, not individual weights: gradients of weights sharing a centroid are summed into it; zeros stay zero', () => {
  const w = Float32Array.from([-1, 0, -0.5, 2, 0, 3]);
  const c = kmeans1d(w, 2);
  const grad = [0.5, 7, 0.25, -1, 9, -2];
  const g = centroidGradients(grad, c.index, 2);
  assert.deepEqual(Array.from(g), [0.75, -3], 'sum over members; pruned weights contribute nothing');
  sgdCentroidStep(c.centroids, g, 0.1);
  assert.deepEqual(Array.from(c.centroids).map((x) => +x.toFixed(6)), [-0.825, 2.8]);
  const after = sharedWeights(c);
  assert.deepEqual(Array.from(after).map((x) => +x.toFixed(6)), [-0.825, 0, -0.825, 2.8, 0, 2.8]);
  // Weights that shared a value still share it (only k distinct nonzero values), pruned zeros stay zero.
  const adam = new CentroidAdam(2, 0.01);
  for (let s = 0; s < 5; s++) adam.step(c.centroids, centroidGradients(grad, c.index, 2));
  const w2 = sharedWeights(c);
  assert.equal(new Set(Array.from(w2).filter((x) => x !== 0)).size, 2);
  assert.equal(w2[1], 0);
  assert.equal(w2[4], 0);
  assert.equal(w2[0], w2[2]);
  assert.equal(w2[3], w2[5]);
  assert.ok(c.centroids[0] < -0.825 && c.centroids[1] > 2.8, 'Adam moved both centroids against their summed gradients');
});

test('a random layer: every weight lands on its nearest centroid, never more than k values', () => {
  let a = 1;
  const rnd = () => ((a = (a * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const w = Float32Array.from({ length: 5000 }, (_, i) => (i % 4 === 0 ? 0 : rnd()));
  const c = kmeans1d(w, 64);
  const s = sharedWeights(c);
  assert.ok(new Set(Array.from(s)).size <= 65);
  for (let i = 0; i < w.length; i++) {
    if (w[i] === 0) {
      assert.equal(s[i], 0);
      continue;
    }
    const d = Math.abs(w[i] - s[i]);
    for (const cc of c.centroids) assert.ok(d <= Math.abs(w[i] - cc) + 1e-6);
  }
});

test('MicroNet storage of a clustered kernel: ceil(log2 k)-bit indices plus a codebook of k 32-bit values', async () => {
  const { initBackend } = await import('../engine/backend.js');
  const { micronetCost } = await import('./micronet.js');
  await initBackend('cpu');
  const chain = {
    inputShape: [4],
    layers: [{ className: 'Dense' as const, name: 'd', config: { units: 2 }, weights: [{ values: Float32Array.from({ length: 8 }, (_, i) => i + 1), shape: [4, 2] }, { values: new Float32Array(2).fill(1), shape: [2] }] }],
  };
  const plain = micronetCost(chain, { 'd/kernel': 6 });
  const shared = micronetCost(chain, { 'd/kernel': indexBits(64) }, 'fp32', { 'd/kernel': 64 });
  assert.equal(plain.storage, (8 * 6) / 32 + 2);
  assert.equal(shared.storage, (8 * 6) / 32 + 64 + 2, 'the 64-entry codebook counts 64 32-bit parameters');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeReconData } from '../../src-main/jobs/recon-data.js';
import { agreement, alignTables, confusion, dataUrlBytes, decodePredictions, decodeReconData, ema, fmtDelta, fmtValue, heatColour, imageMse, parseRunIds, perClassAccuracy } from './compare-data.js';

test('run ids come from ?runs=, deduplicated, junk dropped', () => {
  assert.deepEqual(parseRunIds('runs=ab12,cd34,ab12,,not-hex,EF56'), ['ab12', 'cd34', 'ef56']);
  assert.deepEqual(parseRunIds(''), []);
  assert.deepEqual(parseRunIds(undefined), []);
});

test('EMA smoothing is debiased at the start, passes nulls, and weight 0 is the raw series', () => {
  assert.deepEqual(ema([1, 2, null, 3], 0), [1, 2, null, 3]);
  const s = ema([4, 4, 4], 0.9);
  for (const v of s) assert.ok(Math.abs(v! - 4) < 1e-12, 'a constant stays constant');
  const t = ema([0, 10], 0.5) as number[];
  assert.equal(t[0], 0);
  assert.ok(Math.abs(t[1] - (0.5 * 0 * 0.5 + 0.5 * 10) / 0.75) < 1e-12);
  assert.equal(ema([1, null, 1], 0.5)[1], null);
});

test('series are aligned on the union of their x values, null where a run has no point', () => {
  const d = alignTables([
    { x: [1, 2, 3], ys: [[10, 20, 30]] },
    { x: [2, 4], ys: [[200, 400], [2, 4]] },
  ]);
  assert.deepEqual(d, [
    [1, 2, 3, 4],
    [10, 20, 30, null],
    [null, 200, null, 400],
    [null, 2, null, 4],
  ]);
  // Same x everywhere: taken as it is.
  assert.deepEqual(alignTables([{ x: [1, 2], ys: [[5, 6]] }, { x: [1, 2], ys: [[7, null]] }]), [[1, 2], [5, 6], [7, null]]);
  // A repeated x (first/min/max/last of one bucket) goes through the merge: the last value wins.
  assert.deepEqual(alignTables([{ x: [1, 1, 2], ys: [[5, 6, 7]] }, { x: [1, 1, 2], ys: [[1, 2, 3]] }]), [[1, 2], [6, 7], [2, 3]]);
});

test('recon data written by a job decodes to its originals and reconstructions', () => {
  const size = 28 * 28;
  const o = [0, 1].map((i) => Float32Array.from({ length: size }, (_, k) => ((i + k) % 5) / 4));
  const r = [0, 1].map((i) => Float32Array.from({ length: size }, (_, k) => ((i * 3 + k) % 7) / 6));
  const bytes = encodeReconData(o, r);
  assert.equal(bytes.length, 2 * 2 * size * 4);
  const url = `data:application/octet-stream;base64,${bytes.toString('base64')}`;
  const d = decodeReconData(dataUrlBytes(url), { n: 2, rows: 28, cols: 28 });
  assert.equal(d.n, 2);
  assert.deepEqual(Array.from(d.originals.subarray(size, 2 * size)), Array.from(o[1]));
  assert.deepEqual(Array.from(d.reconstructions.subarray(0, size)), Array.from(r[0]));
  let mse = 0;
  for (let k = 0; k < size; k++) mse += (o[1][k] - r[1][k]) ** 2;
  assert.ok(Math.abs(imageMse(d.originals, d.reconstructions, 1, size) - mse / size) < 1e-9);
});

test('heat colours run from black to white; numbers get thousands separators', () => {
  assert.deepEqual(heatColour(0), [0, 0, 0]);
  assert.deepEqual(heatColour(1), [255, 255, 255]);
  assert.deepEqual(heatColour(0.5), [128, 64, 32]);
  assert.deepEqual(heatColour(2), [255, 255, 255]);
  assert.equal(fmtValue(1199882), '1,199,882');
  assert.equal(fmtValue(0.53), '0.5300');
  assert.equal(fmtValue(null), '—');
  assert.equal(fmtDelta(-1081600), '−1,081,600');
  assert.equal(fmtDelta(0.25), '+0.2500');
  assert.equal(fmtDelta(null), '');
});

test('predictions: per-class accuracy, confusion counts and agreement', async () => {
  const { encodePredictions } = await import('../../src-main/jobs/predictions.js');
  // Logits of 4 images over 3 classes: top classes 2, 0, 1, 1; labels 2, 1, 1, 0.
  const logits = Float32Array.from([0, 1, 5, 3, 0, 0, 0, 9, 1, 0, 2, 1]);
  const bytes = encodePredictions(logits, [2, 1, 1, 0], 3);
  const p = decodePredictions(new Uint8Array(bytes), { n: 4, classes: 3 });
  assert.deepEqual(Array.from(p.predicted), [2, 0, 1, 1]);
  assert.deepEqual(confusion(p), [
    [0, 1, 0],
    [1, 1, 0],
    [0, 0, 1],
  ]);
  assert.deepEqual(perClassAccuracy(p), [0, 0.5, 1]);
  const q = decodePredictions(Uint8Array.from([2, 0, 0, 0, 2, 1, 1, 0]), { n: 4, classes: 3 });
  assert.equal(agreement(p, q), 0.5);
});

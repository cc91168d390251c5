// Compression jobs end to end on a few hundred images, through job processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../service/service.js';
import { initBackend } from '../ml/engine/backend.js';
import { readQuantFile } from '../ml/compress/quantize.js';
import { loadModel } from '../ml/models/model-io.js';

const svc = new Service(mkdtempSync(join(tmpdir(), 'distillery-compress-')));
const data = { trainLimit: 320, testLimit: 200, batchSize: 32 };
let source = '';

test('a pipeline prune 90 % → fine-tune → quantize 5-bit → score writes one run per step, linked to its source', async () => {
  const base = await svc.runJob({ kind: 'train', model: 'student', epochs: 1, ...data });
  assert.equal(base.status, 'completed', base.error ?? '');
  source = base.id;
  const steps = [{ kind: 'prune', sparsity: 0.9, finetuneEpochs: 0 }, { kind: 'finetune', epochs: 1 }, { kind: 'quantize', bits: 5 }, { kind: 'score' }];
  const runs = await svc.runRecipe('pipeline', { sourceRunId: source, steps, ...data });
  assert.deepEqual(runs.map((r) => [r.kind, r.status]), steps.map((s) => [s.kind, 'completed']), runs.map((r) => r.error).join('; '));
  let parent = source;
  for (const r of runs) {
    assert.deepEqual(r.parents, [{ id: parent, role: 'source' }]);
    parent = r.id;
  }
  const [pruned, tuned, quantized, score] = runs;
  for (const layer of ['FC1', 'FC2', 'logits']) assert.equal(Math.round(Number(pruned.summary[`sparsity_${layer}`]) * 100), 90, layer);
  assert.ok(Number(tuned.summary.nonzero_params) <= Number(pruned.summary.nonzero_params), 'fine-tuning keeps pruned weights at zero');

  // The integer file is the real storage, and decodes to the saved (dequantized) weights.
  const art = svc.store.artifacts(quantized.id).find((a) => a.name === 'model.dqm')!;
  assert.equal(art.size, quantized.summary.quantized_file_bytes);
  const file = readQuantFile(readFileSync(join(svc.dataDir, art.path)));
  await initBackend('cpu');
  const model = await loadModel(svc.modelDir(quantized.id));
  const saved = model.getLayer('FC1').getWeights()[0].dataSync();
  const decoded = file.tensors.get('FC1/kernel')!;
  let maxDiff = 0;
  for (let i = 0; i < saved.length; i++) maxDiff = Math.max(maxDiff, Math.abs(saved[i] - decoded[i]));
  assert.ok(maxDiff < 1e-6, `decoded file vs saved weights: ${maxDiff}`);
  assert.ok(art.size < 118_282 * 4 * (5 / 32) * 1.2, `5-bit file (${art.size} bytes) is about 5/32 of float32`);

  assert.ok(Number(score.summary.micronet_score) > 0 && Number(score.summary.micronet_score) < 0.2, `score ${score.summary.micronet_score}`);
  assert.ok(Number(score.summary.compression_ratio) > 10, `Deep Compression ratio ${score.summary.compression_ratio}`);
  assert.equal(score.summary.baseline_storage_params, 1_199_882, "the default baseline is the seed's teacher");
});

test('structured pruning shrinks the saved model; factorization reports mn → (m+n)k', async () => {
  const s = await svc.runJob({ kind: 'prune', sourceRunId: source, method: 'structured', criterion: 'l2', sparsity: 0.5, finetuneEpochs: 0, ...data });
  assert.equal(s.status, 'completed', s.error ?? '');
  assert.equal(s.summary.params, 784 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10);
  const f = await svc.runJob({ kind: 'factorize', sourceRunId: source, layers: ['FC1'], rank: 16, ...data });
  assert.equal(f.status, 'completed', f.error ?? '');
  assert.equal(f.summary.weights_before_FC1, 784 * 128);
  assert.equal(f.summary.weights_after_FC1, (784 + 128) * 16);
  assert.equal(svc.store.metrics(f.id, 'final').filter((m) => m.name === 'singular_value/FC1').length, 128, 'the whole spectrum is logged');
});

test('bad compression input is refused before work, naming the field', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ kind: 'prune', sparsity: 1 }, /sparsity: must be in \[0, 1\)/],
    [{ kind: 'prune', sparsity: -0.1 }, /sparsity: must be in \[0, 1\)/],
    [{ kind: 'quantize', bits: 1 }, /bits: must be from 2 to 8/],
    [{ kind: 'quantize', bits: 9 }, /bits: must be from 2 to 8/],
    [{ kind: 'factorize', rank: 0 }, /rank: must be at least 1/],
    [{ kind: 'factorize', layers: ['FC1'], rank: 200 }, /rank: FC1 is 784×128, so k must be at most 128, got 200/],
    [{ kind: 'factorize', layers: ['Conv1'] }, /layers: Conv1 is not a Dense layer/],
    [{ kind: 'prune', method: 'structured', layers: ['logits'] }, /layers: logits is not a prunable hidden layer/],
  ];
  const before = svc.listRuns().length;
  for (const [cfg, re] of cases) assert.throws(() => svc.startJob({ ...cfg, sourceRunId: source }), re);
  const score = svc.listRuns().find((r) => r.kind === 'score')!;
  assert.throws(() => svc.startJob({ kind: 'quantize', sourceRunId: score.id }), /sourceRunId: run .* is a score run; compression needs a classifier/);
  const noModel = svc.store.createRun({ config: { kind: 'train', model: 'student', dataset: 'mnist', epochs: 1, batchSize: 1, learningRate: 0.1, seed: 1, dataParallel: false } });
  svc.store.finishRun(noModel.id, 'completed');
  assert.throws(() => svc.startJob({ kind: 'quantize', sourceRunId: noModel.id }), /sourceRunId: run .* has no saved model/);
  assert.equal(svc.listRuns().length, before + 1, 'no run was recorded for the refused jobs');
  await assert.rejects(svc.runRecipe('pipeline', { sourceRunId: source, steps: [{ kind: 'score' }, { kind: 'quantize' }], ...data }), /steps\.0: score makes no model/);
});

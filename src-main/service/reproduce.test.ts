// Reproduction recipes: two quick runs end to end through job processes
// (seed-kd and deep-compression-lenet300, 256 images, 1 epoch), the rest
// planned and validated without training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReproReport } from '../contract/analysis/reproduction.js';
import { REPRODUCTIONS } from '../contract/recipes/index.js';
import { REFERENCES } from '../contract/references.js';
import { Service } from './service.js';
import { initBackend } from '../ml/engine/backend.js';
import { loadModel } from '../ml/models/model-io.js';
import { resolveDataset } from '../ml/data/datasets.js';
import { readIdxPair } from '../ml/data/idx.js';
import { BIAS_OFFSET_GRID } from '../ml/train/bias-offset.js';

const svc = new Service(mkdtempSync(join(tmpdir(), 'distillery-repro-')));

function reportOf(runId: string): { json: ReproReport; html: string } {
  const arts = svc.store.artifacts(runId);
  const read = (name: string) => readFileSync(join(svc.dataDir, arts.find((a) => a.name === name)!.path), 'utf8');
  return { json: JSON.parse(read('report.json')), html: read('report.html') };
}

/** The published column is the references module, number for number; every measured number names a run of this recipe. */
function checkReport(recipe: string, runs: { id: string; kind: string; summary: Record<string, unknown> }[]) {
  const report = runs.at(-1)!;
  assert.equal(report.kind, 'report');
  const { json, html } = reportOf(report.id);
  const ref = REFERENCES[REPRODUCTIONS[recipe].reference];
  assert.deepEqual(json.rows.map((r) => [r.key, r.value, r.source]), ref.numbers.map((n) => [n.key, n.value, n.source]));
  assert.equal(json.quick, true);
  assert.match(json.smoke ?? '', /SMOKE RUN/);
  assert.match(html, /SMOKE RUN \(--quick\)/);
  const stepIds = runs.slice(0, -1).map((r) => r.id);
  assert.deepEqual(json.steps.map((s) => s.runId), stepIds);
  for (const row of json.rows.filter((r) => r.measured !== null && r.from.startsWith('run '))) {
    // "run <id> <key>", or "run <id> (1 − <key>) × n test images" for errors counted from an accuracy.
    const [, id, key] = row.from.match(/^run (\S+) (?:\(1 − )?(\w+)/)!;
    assert.ok(stepIds.includes(id), `${row.key} measured from run ${id}, one of the recipe's`);
    const stored = svc.store.getRun(id)!.summary[key];
    assert.equal(typeof stored, 'number', `${row.key}: ${key} is in run ${id}'s summary in the database`);
  }
  for (const d of REPRODUCTIONS[recipe].differences) assert.ok(html.includes(d.slice(0, 40).replace(/'/g, '&#39;')) || html.includes(d.slice(0, 20)), 'differences are printed');
  return json;
}

test('seed-kd --quick: three runs and a report run whose published column is the references module', async () => {
  const runs = await svc.runRecipe('seed-kd', { quick: true });
  assert.deepEqual(runs.map((r) => [r.kind, r.status]), [['train', 'completed'], ['distill', 'completed'], ['train', 'completed'], ['report', 'completed']], runs.map((r) => r.error).join('; '));
  assert.equal(runs[0].config.trainLimit, 256);
  assert.equal(runs[0].config.epochs, 1);
  const json = checkReport('seed-kd', runs);
  const row = json.rows.find((r) => r.key === 'teacher_test_accuracy')!;
  assert.equal(row.measured, runs[0].summary.test_accuracy);
  assert.equal(json.rows.find((r) => r.key === 'distilled_test_accuracy')!.measured, runs[1].summary.test_accuracy);
  assert.equal(json.claims.length, 1);
  // Through the queue (the workbench's way), with id prefixes: the same numbers.
  const again = svc.enqueueJob({ kind: 'report', recipe: 'seed-kd', stepRunIds: runs.slice(0, 3).map((r) => r.id.slice(0, 6)), quick: true });
  assert.equal((await again.finished).status, 'completed');
  assert.deepEqual(reportOf(again.run.id).json.rows.map((r) => r.measured), json.rows.map((r) => r.measured));
  assert.equal(svc.store.getRun(again.run.id)!.summary.measured_numbers, 3);
});

test('seed-kd --quick two steps at a time: the student alone trains beside the teacher; the distilled student waits for it; same report', async () => {
  const runs = await svc.runRecipe('seed-kd', { quick: true }, undefined, 2);
  assert.deepEqual(runs.map((r) => [r.kind, r.status]), [['train', 'completed'], ['distill', 'completed'], ['train', 'completed'], ['report', 'completed']], runs.map((r) => r.error).join('; '));
  const [teacher, distilled, alone, report] = runs.map((r) => ({ start: Date.parse(r.startedAt!), end: Date.parse(r.finishedAt!) }));
  assert.ok(alone.start < teacher.end, 'the student alone started before the teacher ended');
  assert.ok(distilled.start >= teacher.end, 'the distilled student started after its teacher ended');
  assert.ok(report.start >= Math.max(teacher.end, distilled.end, alone.end), 'the report waited for every step');
  assert.equal(runs[1].config.teacherRunId, runs[0].id);
  checkReport('seed-kd', runs);
});

test('deep-compression-lenet300 --quick: train → prune → cluster → score → report, with the per-layer densities and 6-bit clusters', async () => {
  const runs = await svc.runRecipe('deep-compression-lenet300', { quick: true });
  assert.deepEqual(runs.map((r) => [r.kind, r.status]), [['train', 'completed'], ['prune', 'completed'], ['cluster', 'completed'], ['score', 'completed'], ['report', 'completed']], runs.map((r) => r.error).join('; '));
  const [, pruned, clustered, score] = runs;
  assert.equal(Math.round(Number(pruned.summary.sparsity_FC1) * 100), 92);
  assert.equal(Math.round(Number(pruned.summary.sparsity_logits) * 100), 74);
  assert.equal(clustered.summary.bits_FC1, 6);
  // The clustered model has at most 64 distinct nonzero values per layer; the manifest carries the codebook forward.
  const manifest = JSON.parse(readFileSync(join(svc.dataDir, svc.store.artifacts(clustered.id).find((a) => a.name === 'compression.json')!.path), 'utf8'));
  assert.equal(manifest.weights['FC1/kernel'].bits, 6);
  assert.equal(manifest.weights['FC1/kernel'].codebook.length, 64);
  await initBackend('cpu');
  const before = (await loadModel(svc.modelDir(pruned.id))).getLayer('FC1').getWeights()[0].dataSync();
  const after = (await loadModel(svc.modelDir(clustered.id))).getLayer('FC1').getWeights()[0].dataSync();
  for (let i = 0; i < before.length; i++) if (before[i] === 0) assert.equal(after[i], 0, `pruned FC1 weight ${i} stays zero`);
  const values = new Set(Array.from(after).filter((v) => v !== 0));
  assert.ok(values.size <= 64 && values.size > 1, `${values.size} shared values in FC1`);
  const codebook = new Set((manifest.weights['FC1/kernel'].codebook as number[]).map(Math.fround));
  for (const v of values) assert.ok(codebook.has(v), `FC1 weight ${v} is a codebook value`);
  assert.equal(score.summary.original_bytes, 266_610 * 4);
  assert.ok(Number(score.summary.compression_ratio) > 20, `ratio ${score.summary.compression_ratio}`);
  assert.ok(Number(score.summary.compression_ratio_no_huffman) < Number(score.summary.compression_ratio));
  const json = checkReport('deep-compression-lenet300', runs);
  assert.equal(json.rows.find((r) => r.key === 'compression_ratio')!.measured, score.summary.compression_ratio);
  assert.equal(json.rows.find((r) => r.key === 'weight_bits')!.measured, 6);
});

test('hinton-mnist --quick: teacher, distilled, alone, distilled without any 3 with its bias corrected, and a report whose omit-3s rows are measured', async () => {
  const runs = await svc.runRecipe('hinton-mnist', { quick: true });
  assert.deepEqual(runs.map((r) => [r.kind, r.status]), [['train', 'completed'], ['distill', 'completed'], ['train', 'completed'], ['distill', 'completed'], ['report', 'completed']], runs.map((r) => r.error).join('; '));
  const omit = runs[3];
  assert.deepEqual([omit.config.omitClasses, omit.config.biasHoldout, omit.config.compareBiasOffset, omit.config.teacherRunId], [[3], 256, 3.5, runs[0].id]);
  // Counted here from the IDX files, independently of the job: the 3s among the first 256 training and test images.
  const files = resolveDataset('mnist');
  const threes = (labels: Uint8Array) => labels.filter((l) => l === 3).length;
  const train3 = threes(readIdxPair(files.trainImages, files.trainLabels).labels.subarray(0, 256));
  const test3 = threes(readIdxPair(files.testImages, files.testLabels).labels.subarray(0, 256));
  assert.ok(train3 > 10 && test3 > 10, `${train3} and ${test3} 3s`);
  const s = omit.summary;
  assert.deepEqual([s.omitted_train_images, s.train_images, s.test_images_omitted, s.holdout_images], [train3, 256 - train3, test3, 256]);
  assert.ok(svc.store.logs(omit.id).some((l) => l.message.includes(`removed ${train3} of 256 training images (class 3: ${train3})`)), 'the job logs how many images it removed');
  assert.equal(s.test_errors, Math.round((1 - Number(s.test_accuracy)) * 256), 'errors counted from the logits = the trainer\'s test accuracy');
  assert.ok(BIAS_OFFSET_GRID.includes(Number(s.bias_offset)), `offset ${s.bias_offset} is on the grid`);
  assert.ok(Number(s.holdout_errors_corrected) <= Number(s.holdout_errors), 'the chosen offset is no worse than none on the hold-out');
  for (const k of ['test_errors_corrected', 'test_errors_omitted_corrected', 'test_errors_fixed_offset', 'test_errors_omitted_fixed_offset']) assert.equal(typeof s[k], 'number', k);
  // The run's model is the student as trained; corrected/ is the same with the offset on the 3-class bias.
  await initBackend('cpu');
  const bias = async (folder: string) => Array.from((await loadModel(svc.modelDir(omit.id, folder))).getLayer('logits').getWeights()[1].dataSync());
  const [trained, corrected] = [await bias('model'), await bias('corrected')];
  for (let k = 0; k < 10; k++) assert.ok(Math.abs(corrected[k] - trained[k] - (k === 3 ? Number(s.bias_offset) : 0)) < 1e-5, `bias ${k}: ${trained[k]} → ${corrected[k]}`);
  const json = checkReport('hinton-mnist', runs);
  const row = (key: string) => json.rows.find((r) => r.key === key)!;
  const pairs: [string, string][] = [['omit3_test_errors', 'test_errors'], ['omit3_test_3s', 'test_images_omitted'], ['omit3_errors_on_3s', 'test_errors_omitted'], ['omit3_bias_offset', 'bias_offset'], ['omit3_bias_test_errors', 'test_errors_corrected'], ['omit3_bias_errors_on_3s', 'test_errors_omitted_corrected']];
  for (const [key, field] of pairs) {
    assert.equal(row(key).measured, s[field], key);
    assert.equal(row(key).from, `run ${omit.id} ${field}`);
  }
  assert.deepEqual([row('omit3_test_errors').value, row('omit3_errors_on_3s').value, row('omit3_bias_test_errors').value, row('omit3_bias_errors_on_3s').value, row('omit3_bias_offset').value], [206, 133, 109, 14, 3.5]);
  assert.equal(json.measuredOnly.find((m) => m.label.includes("paper's fixed +3.5"))!.value, s.test_errors_fixed_offset);
  assert.equal(json.claims.length, 2);
});

test('every other reproduction recipe plans and validates (quick and full) without training', () => {
  for (const recipe of ['deep-compression-lenet5', 'dirvae-vs-gvae', 'keras-kd-example', 'hinton-mnist']) {
    for (const quick of [true, false]) {
      const plan = svc.planRecipe(recipe, { quick });
      const last = plan.steps.at(-1)!;
      assert.equal(last.label, 'report');
      const cfg = last.config(plan.steps.map((_, i) => `id${i}`));
      assert.equal(cfg.kind, 'report');
      assert.equal(cfg.recipe, recipe);
      assert.equal(cfg.quick, quick);
      assert.deepEqual(last.after, plan.steps.slice(0, -1).map((_, i) => i));
      const first = plan.steps[0].config([]);
      assert.equal(first.trainLimit, quick ? 256 : undefined, `${recipe} quick=${quick}`);
    }
  }
  const lenet5 = svc.planRecipe('deep-compression-lenet5', {});
  assert.deepEqual(lenet5.steps[2].config(['a', 'b']).layerBits, { Conv1: 8, Conv2: 8, FC1: 5, logits: 5 });
  // The papers' trainer options (contract/references.ts, `training`), in quick mode too.
  for (const quick of [false, true]) {
    const hinton = svc.planRecipe('hinton-mnist', { quick }).steps.slice(0, 3).map((st) => st.config(['t']));
    assert.deepEqual(
      { ...hinton[0], trainLimit: undefined, testLimit: undefined },
      { kind: 'train', model: 'hinton-teacher', dataset: 'mnist', seed: 42, epochs: quick ? 1 : 20, trainLimit: undefined, testLimit: undefined, batchSize: 100, optimizer: 'sgd', momentum: 0.9, learningRate: 0.1, lrSchedule: 'exponential', lrDecay: 0.9, maxNorm: 15, inputDropout: 0.2, jitter: 2 },
    );
    for (const student of hinton.slice(1)) {
      assert.equal(student.optimizer, 'sgd');
      assert.equal(student.maxNorm ?? student.inputDropout ?? student.jitter, undefined, 'the students train without regularization');
    }
    const dc = svc.planRecipe('deep-compression-lenet300', { quick }).steps.slice(0, 4).map((st) => st.config(['a', 'b', 'c']));
    // Caffe's LeNet solver; "inv" (1 + 1e-4·9·938)^−0.75 = 0.6319 at the start of epoch 10 = 0.9503^9.
    assert.deepEqual([dc[0].optimizer, dc[0].momentum, dc[0].weightDecay, dc[0].learningRate, dc[0].lrSchedule, dc[0].lrDecay], ['sgd', 0.9, 0.0005, 0.01, 'exponential', 0.9503]);
    for (const st of dc.slice(1, 3)) assert.deepEqual([st.kind, st.optimizer, st.weightDecay, st.learningRate, st.lrSchedule], [st.kind, 'sgd', 0.0005, 0.01, undefined]);
    assert.equal(dc[3].optimizer, undefined, 'score trains nothing');
  }
});

test('a report run names a reproduction recipe and existing runs', () => {
  assert.throws(() => svc.prepare({ kind: 'report', recipe: 'kd', stepRunIds: ['x'] }), /recipe: "kd" is not a reproduction recipe/);
  assert.throws(() => svc.prepare({ kind: 'report', recipe: 'seed-kd', stepRunIds: ['zzzzzzzz'] }), /no run/);
});

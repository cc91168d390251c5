// Checkpoints and resume of pruning in several steps, end to end through real
// job processes: each step's fine-tuning continues the epochs of the steps
// before, so a job killed in the second step's fine-tuning resumes from a
// checkpoint of that step (rebuilt at its pruned shapes for structured
// pruning) and ends with the uninterrupted run's weights, sparsities and
// per-step accuracies.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAndKill } from '../service/kill-harness.js';
import { Service } from '../service/service.js';
import { runDir } from '../db/data-dir.js';
import { readCheckpoint } from '../ml/train/checkpoint.js';
import { dirBytes } from './runner.js';

const svc = new Service(mkdtempSync(join(tmpdir(), 'distillery-prune-resume-')), { cancelGraceMs: 20_000 });
const BATCHES = 4;
const limits = { trainLimit: 32 * BATCHES, testLimit: 100, batchSize: 32, seed: 3 };

const weightsOf = (id: string) => {
  const b = readFileSync(join(svc.modelDir(id), 'weights.bin'));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

/** Starts `config` with the halt hook at `epoch`:`batch` (epochs counted over all steps) and SIGKILLs it there. */

async function killResumeCompare(config: Record<string, unknown>, killEpoch: number, totalEpochs: number) {
  const reference = await svc.runJob(config);
  assert.equal(reference.status, 'completed', reference.error ?? '');
  // The steps' curves follow each other: one step number per optimizer step, epochs 1..total.
  const refSteps = svc.store.metrics(reference.id, 'batch').filter((m) => m.name === 'loss').map((m) => m.step);
  assert.deepEqual(refSteps, Array.from({ length: totalEpochs * BATCHES }, (_, i) => i + 1));

  const { id, checkpoints } = await startAndKill(svc, config, killEpoch, 2, BATCHES);
  assert.deepEqual(checkpoints, Array.from({ length: killEpoch - 1 }, (_, i) => i + 1));
  let run = svc.store.getRun(id)!;
  assert.equal(run.status, 'interrupted');
  const dir = join(runDir(svc.dataDir, id), 'checkpoints');
  assert.deepEqual(readdirSync(dir), [`epoch-${String(killEpoch - 1).padStart(4, '0')}.ckpt`]);
  assert.equal(run.diskBytes, dirBytes(runDir(svc.dataDir, id)));
  const ck = readCheckpoint(join(dir, readdirSync(dir)[0]));

  const resumed = svc.resumeJob(id);
  await resumed.finished;
  run = svc.store.getRun(id)!;
  assert.equal(run.status, 'completed', run.error ?? '');
  const steps = svc.store.metrics(id, 'batch').filter((m) => m.name === 'loss').map((m) => m.step);
  assert.deepEqual(steps, refSteps, 'curves continue without duplicates or gaps');
  const finals = (rid: string) => svc.store.metrics(rid, 'final').map((m) => [m.name, m.step, m.value]).sort();
  assert.deepEqual(finals(id), finals(reference.id), 'per-step accuracies and sparsities as the uninterrupted run');
  const { images_per_second: _a, ...sum } = run.summary;
  const { images_per_second: _b, ...refSum } = reference.summary;
  assert.deepEqual(sum, refSum);
  const a = weightsOf(reference.id);
  const b = weightsOf(id);
  assert.equal(a.length, b.length);
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.ok(maxDiff <= 1e-5, `max |difference| ${maxDiff}`);
  assert.equal(run.checkpoint, null);
  assert.equal(existsSync(dir), false);
  return { ck, weights: b };
}

let source = '';
test('unstructured pruning in 2 steps, killed in the second step\'s fine-tuning, resumes to the uninterrupted run\'s weights', async () => {
  const s = await svc.runJob({ kind: 'train', model: 'student', epochs: 1, ...limits });
  assert.equal(s.status, 'completed', s.error ?? '');
  source = s.id;
  // 2 steps × 2 epochs: killed in epoch 4 (step 2's second), resumed from the checkpoint of epoch 3 (step 2's first).
  const { ck, weights } = await killResumeCompare({ kind: 'prune', sourceRunId: source, sparsity: 0.6, steps: 2, finetuneEpochs: 2, ...limits }, 4, 4);
  assert.deepEqual([ck.epoch, ck.prune?.step, ck.prune?.stepEpoch, ck.prune?.accuracyAfterStep.length], [3, 2, 1, 2]);
  const zeros = weights.reduce((n, x) => n + (x === 0 ? 1 : 0), 0);
  assert.ok(zeros > 50_000, `${zeros} zeros`);
});

test('structured pruning in 2 steps (the layers shrink each step) resumes inside the second step at its shapes', async () => {
  const { ck } = await killResumeCompare({ kind: 'prune', sourceRunId: source, method: 'structured', criterion: 'l1', sparsity: 0.5, steps: 2, finetuneEpochs: 2, ...limits }, 4, 4);
  assert.equal(ck.prune?.step, 2);
  // FC1's 128 units: 96 after step 1, 64 after step 2, the checkpoint's shape.
  assert.deepEqual(ck.weights[0].shape, [784, 64]);
});

test('killed in the next step, a checkpoint of the end of a step resumes to pruning that next step from it', async () => {
  // 3 steps × 1 epoch: killed in epoch 2 (step 2), resumed from epoch 1's checkpoint (step 1 done): step 2 prunes the resumed model.
  const { ck } = await killResumeCompare({ kind: 'prune', sourceRunId: source, method: 'structured', criterion: 'l1', sparsity: 0.5, steps: 3, finetuneEpochs: 1, ...limits }, 2, 3);
  assert.deepEqual([ck.epoch, ck.prune?.step, ck.prune?.stepEpoch], [1, 1, 1]);
});

test('one-step pruning, killed in its fine-tuning, resumes the same way', async () => {
  await killResumeCompare({ kind: 'prune', sourceRunId: source, sparsity: 0.5, steps: 1, finetuneEpochs: 3, ...limits }, 2, 3);
});

after(() => svc.close());

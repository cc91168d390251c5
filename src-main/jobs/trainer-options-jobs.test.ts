// The trainer options through real job processes: every classifier-training
// kind accepts them, says in its log how it trains, and refuses bad values
// before any work, naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../service/service.js';
import { flagFor } from '../contract/kinds/index.js';
import { withFlagNames } from '../cli/schema-options.js';

const svc = new Service(mkdtempSync(join(tmpdir(), 'distillery-trainer-opts-')));
const data = { trainLimit: 256, testLimit: 100, batchSize: 64, seed: 2 };
const sgd = { optimizer: 'sgd', momentum: 0.9, learningRate: 0.05, lrSchedule: 'step', lrStepGamma: 0.5, lrStepEpochs: 1, weightDecay: 5e-4 };
const says = (id: string, re: RegExp) => assert.ok(svc.store.logs(id).some((l) => re.test(l.message)), `log of ${id}: ${svc.store.logs(id).map((l) => l.message).join(' | ')}`);

test('train, distill, prune, factorize, cluster and finetune run with SGD, a schedule, weight decay and augmentation', async () => {
  const base = await svc.runJob({ kind: 'train', model: 'student', epochs: 2, ...data, ...sgd, maxNorm: 3, inputDropout: 0.2, jitter: 2 });
  assert.equal(base.status, 'completed', base.error ?? '');
  says(base.id, /trainer: SGD, momentum 0\.9, lr 0\.05, × 0\.5 every 1 epoch\(s\), weight decay 0\.0005, max-norm 3, input dropout 0\.2, jitter ±2 px/);
  // 8 SGD steps on 256 images: well above chance (0.1), far from trained.
  assert.ok(Number(base.summary.test_accuracy) > 0.2, `accuracy ${base.summary.test_accuracy}`);

  const distilled = await svc.runJob({ kind: 'distill', model: 'student', teacherRunId: base.id, epochs: 1, ...data, ...sgd, jitter: 1 });
  assert.equal(distilled.status, 'completed', distilled.error ?? '');
  says(distilled.id, /soft targets stay the teacher's outputs on the original images/);

  const pruned = await svc.runJob({ kind: 'prune', sourceRunId: base.id, sparsity: 0.5, finetuneEpochs: 1, ...data, ...sgd });
  const factorized = await svc.runJob({ kind: 'factorize', sourceRunId: base.id, rank: 16, finetuneEpochs: 1, ...data, ...sgd, nesterov: true });
  const clustered = await svc.runJob({ kind: 'cluster', sourceRunId: pruned.id, bits: 4, finetuneEpochs: 2, ...data, ...sgd, inputDropout: 0.1, jitter: 1 });
  const tuned = await svc.runJob({ kind: 'finetune', sourceRunId: pruned.id, epochs: 1, ...data, ...sgd, lrSchedule: 'cosine' });
  for (const r of [pruned, factorized, clustered, tuned]) {
    assert.equal(r.status, 'completed', `${r.kind}: ${r.error}`);
    says(r.id, /trainer: SGD, momentum 0\.9/);
  }
  says(factorized.id, /\(Nesterov\)/);
  says(clustered.id, /input dropout 0\.1, jitter ±1 px/);
  // Pruned weights stay zero through SGD fine-tuning with weight decay.
  assert.ok(Number(tuned.summary.nonzero_params) <= Number(pruned.summary.nonzero_params));
});

test('bad trainer options are refused before work, naming the field', async () => {
  const before = svc.listRuns().length;
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ kind: 'train', model: 'student', momentum: 1.2 }, /momentum: must be in \[0, 1\)/],
    [{ kind: 'train', model: 'student', nesterov: true }, /nesterov: needs optimizer sgd/],
    [{ kind: 'train', model: 'student', jitter: 9 }, /jitter: must be at most 8/],
    [{ kind: 'finetune', sourceRunId: 'x', lrSchedule: 'linear' }, /lrSchedule/],
    [{ kind: 'cluster', sourceRunId: 'x', maxNorm: 3 }, /maxNorm: is not available with clustering/],
  ];
  for (const [cfg, re] of cases) assert.throws(() => svc.startJob(cfg), re);
  assert.equal(svc.listRuns().length, before, 'no run was recorded');
  // The command line names the flag the user typed.
  let error: unknown;
  try {
    svc.startJob({ kind: 'train', model: 'student', lrStepEpochs: 0 });
  } catch (e) {
    error = withFlagNames(e, (f) => flagFor('train', f));
  }
  assert.match((error as Error).message, /--lr-step-epochs: must be at least 1/);
});

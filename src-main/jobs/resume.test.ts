// Checkpoints and resume, end to end through real job processes: a job is
// killed (SIGKILL) in the middle of epoch 2 of 3, resumed in place, and its
// final weights compared with an uninterrupted run of the same config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAndKill } from '../service/kill-harness.js';
import { Service } from '../service/service.js';
import { AppError } from '../contract/errors.js';
import { runDir } from '../db/data-dir.js';
import { dirBytes } from './runner.js';
import { dispatch } from '../service/api-handlers.js';
import type { Run } from '../contract/api.js';

/** Resumes through the API (the app's way: the queue) and waits for the run to end. */
async function resumeThroughApi(svc: Service, id: string): Promise<{ run: Run; finished: Promise<unknown> }> {
  const finished = new Promise((resolve) => svc.runner.on('finished', (rid, state) => rid === id && resolve(state)));
  const run = (await dispatch(svc, 'resumeRun', { id })) as Run;
  return { run, finished };
}

const newService = () => new Service(mkdtempSync(join(tmpdir(), 'distillery-resume-')), { cancelGraceMs: 20_000 });

const weightsOf = (svc: Service, id: string) => {
  const b = readFileSync(join(svc.modelDir(id), 'weights.bin'));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};


async function killResumeCompare(svc: Service, config: Record<string, unknown>, batches: number, via: 'service' | 'api' = 'service') {
  const reference = await svc.runJob(config);
  assert.equal(reference.status, 'completed', reference.error ?? '');

  const { id, final, checkpoints } = await startAndKill(svc, config, 2, 2, batches);
  assert.equal(final.status, 'interrupted');
  assert.deepEqual(checkpoints, [1]);
  let run = svc.store.getRun(id)!;
  assert.equal(run.status, 'interrupted');
  assert.match(run.error ?? '', /killed \(signal SIGKILL\)/);
  assert.equal(run.checkpoint?.epoch, 1);
  const files = readdirSync(join(runDir(svc.dataDir, id), 'checkpoints'));
  assert.deepEqual(files, ['epoch-0001.ckpt'], 'one complete checkpoint, no temporary file');
  assert.equal(run.diskBytes, dirBytes(runDir(svc.dataDir, id)));
  assert.ok(run.diskBytes! >= run.checkpoint!.bytes);
  assert.ok(svc.store.metrics(id, 'batch').some((m) => m.epoch === 2), 'epoch 2 had logged steps before the kill');

  // The files decide what is resumed: a checkpoint whose event never reached the database (the host died) still counts.
  svc.store.setCheckpoint(id, null);
  const resumed = via === 'api' ? await resumeThroughApi(svc, id) : svc.resumeJob(id);
  assert.equal(resumed.run.id, id);
  assert.equal(resumed.run.status, 'queued');
  assert.equal(svc.store.metrics(id).filter((m) => m.epoch > 1).length, 0, 'metrics after the checkpoint are dropped');
  assert.equal(((await resumed.finished) as { status: string }).status, 'completed');
  run = svc.store.getRun(id)!;
  assert.equal(run.status, 'completed', run.error ?? '');

  // Curves continue without duplicates or gaps.
  const steps = svc.store.metrics(id, 'batch').filter((m) => m.name === 'loss').map((m) => m.step);
  assert.deepEqual(steps, Array.from({ length: 3 * batches }, (_, i) => i + 1));
  const acc = svc.store.metrics(id, 'epoch').filter((m) => m.name === 'test_accuracy');
  assert.deepEqual(acc.map((m) => m.epoch), [1, 2, 3]);
  const refAcc = svc.store.metrics(reference.id, 'epoch').filter((m) => m.name === 'test_accuracy');
  assert.deepEqual(acc.map((m) => m.value), refAcc.map((m) => m.value));
  // The same summary, but for throughput (timed over the resumed part only).
  const { images_per_second: _a, ...sum } = run.summary;
  const { images_per_second: _b, ...refSum } = reference.summary;
  assert.deepEqual(sum, refSum);
  const names = (rid: string) => svc.store.artifacts(rid).map((a) => a.name).sort();
  assert.deepEqual(names(id), names(reference.id), 'artifacts written once');

  // Final weights equal the uninterrupted run's.
  const a = weightsOf(svc, reference.id);
  const b = weightsOf(svc, id);
  assert.equal(a.length, b.length);
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.ok(maxDiff <= 1e-5, `max |difference| ${maxDiff}`);

  // A completed run keeps no checkpoint; its disk use is measured.
  assert.equal(run.checkpoint, null);
  assert.equal(existsSync(join(runDir(svc.dataDir, id), 'checkpoints')), false);
  assert.equal(run.diskBytes, dirBytes(runDir(svc.dataDir, id)));
  return { reference, run, maxDiff, weights: b };
}

test('a one-core student killed in epoch 2 of 3 resumes in place to the uninterrupted run\'s weights', async () => {
  const svc = newService();
  const { reference, run } = await killResumeCompare(svc, { kind: 'train', model: 'student', epochs: 3, batchSize: 64, trainLimit: 256, testLimit: 100, seed: 5 }, 4);
  // Provenance is recorded with every run.
  for (const r of [reference, run]) {
    const p = r.provenance!;
    assert.equal(p.distillery.version, JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    assert.ok(p.distillery.commit === null || /^[0-9a-f]{40}$/.test(p.distillery.commit));
    assert.equal(p.tfjs.backend, r.backend);
    assert.ok(p.tfjs.core && p.machine.cores >= 1 && p.machine.cpu);
    assert.deepEqual(Object.keys(p.switches).sort(), ['DISTILLERY_NO_WINOGRAD', 'DISTILLERY_SINGLE_CORE', 'DISTILLERY_WASM_GEMM']);
  }
  svc.close();
});

test('a two-core teacher (dropout on both threads) killed in epoch 2 resumes to the uninterrupted run\'s weights', async () => {
  const svc = newService();
  await killResumeCompare(svc, { kind: 'train', model: 'teacher', epochs: 3, batchSize: 32, trainLimit: 96, testLimit: 50, seed: 9, dataParallel: true }, 3);
  svc.close();
});

test('compression fine-tuning (finetune of a pruned model, one-step prune) resumes to the uninterrupted run\'s weights, pruned weights still zero', async () => {
  const svc = newService();
  const limits = { trainLimit: 128, testLimit: 100 };
  const source = await svc.runJob({ kind: 'train', model: 'student', epochs: 1, batchSize: 64, seed: 3, ...limits });
  const pruned = await svc.runJob({ kind: 'prune', sourceRunId: source.id, sparsity: 0.5, finetuneEpochs: 0, batchSize: 64, seed: 3, ...limits });
  assert.equal(pruned.status, 'completed', pruned.error ?? '');
  const zeros = (w: Float32Array) => w.reduce((n, x) => n + (x === 0 ? 1 : 0), 0);
  const { weights, reference } = await killResumeCompare(svc, { kind: 'finetune', sourceRunId: pruned.id, epochs: 3, batchSize: 32, seed: 3, ...limits }, 4, 'api');
  // The masks were re-applied on the resumed side too: the same weights are exactly zero.
  assert.equal(zeros(weights), zeros(weightsOf(svc, reference.id)));
  assert.ok(zeros(weights) > 50_000, `${zeros(weights)} zeros`);
  // One-step pruning with fine-tuning: the resume rebuilds the pruned model from the checkpoint, then continues the fine-tuning.
  const p = await killResumeCompare(svc, { kind: 'prune', sourceRunId: source.id, sparsity: 0.5, finetuneEpochs: 3, batchSize: 32, seed: 3, ...limits }, 4);
  assert.ok(zeros(p.weights) > 50_000);
  svc.close();
});

test('a student trained with SGD (Nesterov), an exponential schedule, weight decay, max-norm, input dropout and jitter resumes to the uninterrupted run\'s weights', async () => {
  const svc = newService();
  const trainer = { optimizer: 'sgd', nesterov: true, momentum: 0.9, lrSchedule: 'exponential', lrDecay: 0.5, weightDecay: 1e-4, maxNorm: 2, inputDropout: 0.2, jitter: 2 };
  const { run } = await killResumeCompare(svc, { kind: 'train', model: 'student', epochs: 3, batchSize: 64, learningRate: 0.05, trainLimit: 256, testLimit: 100, seed: 5, ...trainer }, 4);
  assert.ok(svc.store.logs(run.id).some((l) => /trainer: SGD, momentum 0\.9 \(Nesterov\), lr 0\.05, × 0\.5 per epoch, weight decay 0\.0001, max-norm 2, input dropout 0\.2, jitter ±2 px/.test(l.message)), 'the log says how it trains');
  svc.close();
});

test('resume is refused for a completed run, a run without a checkpoint, and a running run', async () => {
  const svc = newService();
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as AppError).code;
    }
    return 'none';
  };
  const done = await svc.runJob({ kind: 'train', model: 'student', epochs: 1, batchSize: 64, trainLimit: 128, testLimit: 50, seed: 1 });
  assert.equal(done.status, 'completed');
  assert.equal(code(() => svc.resumeJob(done.id)), 'conflict');
  await assert.rejects(dispatch(svc, 'resumeRun', { id: done.id }), (e: AppError) => e.code === 'conflict' && e.field === 'id' && /is completed; there is nothing to resume/.test(e.message));
  await assert.rejects(dispatch(svc, 'resumeRun', { id: 'zz' }), (e: AppError) => e.code === 'invalid' && e.field === 'id');
  // Cancelled during epoch 1: stopped, but no checkpoint yet.
  const job = svc.startJob({ kind: 'train', model: 'student', epochs: 2, batchSize: 8, trainLimit: 4000, testLimit: 50, seed: 1 });
  await new Promise<void>((resolve) => svc.runner.on('event', (id, e) => id === job.run.id && e.type === 'progress' && resolve()));
  assert.equal(code(() => svc.resumeJob(job.run.id)), 'conflict', 'running');
  svc.cancel(job.run.id);
  assert.equal((await job.finished).status, 'cancelled');
  assert.equal(svc.store.getRun(job.run.id)!.checkpoint, null);
  assert.throws(() => svc.resumeJob(job.run.id), /has no checkpoint to resume from/);
  assert.equal(code(() => svc.resumeJob(job.run.id)), 'invalid');
  await assert.rejects(dispatch(svc, 'resumeRun', { id: job.run.id }), (e: AppError) => e.code === 'invalid' && /no checkpoint/.test(e.message));
  assert.equal(svc.store.getRun(job.run.id)!.status, 'cancelled', 'a refused resume changes nothing');
  svc.close();
});

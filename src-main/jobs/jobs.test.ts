// Jobs end to end through real job processes, on small slices of MNIST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../service/service.js';
import { initBackend } from '../ml/engine/backend.js';
import { loadDataset, resolveDataset } from '../ml/data/datasets.js';
import { loadModel } from '../ml/models/model-io.js';
import { evaluate } from '../ml/train/classifier-trainer.js';

const newService = () => new Service(mkdtempSync(join(tmpdir(), 'distillery-jobs-')), { cancelGraceMs: 20_000 });
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('the kd recipe writes three completed runs with lineage, metrics and reloadable weights', async () => {
  const svc = newService();
  const limits = { trainLimit: 256, testLimit: 200 };
  const runs = await svc.runRecipe('kd', { epochs: 1, batchSize: 64, ...limits, seed: 7 });
  assert.deepEqual(runs.map((r) => r.status), ['completed', 'completed', 'completed'], runs.map((r) => r.error).join('; '));
  const [teacher, distilled, alone] = runs;
  assert.equal(teacher.model, 'teacher');
  assert.equal(distilled.kind, 'distill');
  assert.deepEqual(distilled.parents, [{ id: teacher.id, role: 'teacher' }]);
  assert.deepEqual(svc.store.getRun(teacher.id)!.children, [{ id: distilled.id, role: 'teacher' }]);
  assert.deepEqual(alone.parents, []);
  assert.equal(teacher.summary.params, 1_199_882);
  assert.equal(alone.summary.params, 118_282);

  await initBackend(teacher.backend as 'wasm' | 'cpu');
  const ds = loadDataset('mnist', limits);
  for (const r of runs) {
    assert.ok(r.backend && r.device && r.backendVersion, 'backend recorded');
    const epochs = svc.store.metrics(r.id, 'epoch');
    assert.deepEqual([...new Set(epochs.map((m) => m.name))].sort(), ['test_accuracy', 'test_loss', 'train_accuracy', 'train_loss']);
    assert.equal(svc.store.metrics(r.id, 'batch').filter((m) => m.name === 'loss').length, 4, '256 images / 64 = 4 steps');
    const arts = svc.store.artifacts(r.id);
    assert.deepEqual(arts.map((a) => a.name).sort(), ['model.json', 'predictions.u8', 'weights.bin']);
    assert.ok(arts.every((a) => /^[0-9a-f]{64}$/.test(a.sha256) && a.size > 0));
    const model = await loadModel(svc.modelDir(r.id));
    const { accuracy } = evaluate(model, ds.test);
    assert.equal(accuracy, r.summary.test_accuracy, `run ${r.id}: reloaded weights give the recorded test accuracy`);
    // The saved test-set predictions (predictions.u8: top class, then label) give the same accuracy.
    const pred = readFileSync(join(svc.dataDir, arts.find((a) => a.name === 'predictions.u8')!.path));
    const n = ds.test.count;
    assert.equal(pred.length, 2 * n);
    assert.deepEqual([...pred.subarray(n)], [...ds.test.labels]);
    assert.equal([...pred.subarray(0, n)].filter((p, i) => p === ds.test.labels[i]).length / n, r.summary.test_accuracy, `run ${r.id}: predictions agree with the accuracy`);
    model.dispose();
  }
  svc.close();
});

test('a run cancelled mid-epoch ends cancelled, keeps earlier metrics, and leaves no job process', async () => {
  const svc = newService();
  const job = svc.startJob({ kind: 'train', model: 'student', epochs: 50, batchSize: 32, trainLimit: 3200, testLimit: 100, seed: 1 });
  const pid = await new Promise<number>((resolve, reject) => {
    svc.runner.on('event', (id, e) => {
      // Cancel in the middle of epoch 2, after epoch 1's metrics were sent.
      if (id === job.run.id && e.type === 'progress' && e.epoch === 2 && e.batch > 10) resolve(svc.runner.jobPid(id)!);
    });
    // A job that ends before then would leave this test waiting forever: fail with its error instead.
    void job.finished.then((r) => reject(new Error(`the job ended ${r.status} before epoch 2: ${r.error ?? ''}`)));
  });
  assert.ok(alive(pid));
  svc.cancel(job.run.id);
  const final = await job.finished;
  assert.equal(final.status, 'cancelled');
  const run = svc.store.getRun(job.run.id)!;
  assert.equal(run.status, 'cancelled');
  assert.ok(svc.store.metrics(run.id, 'epoch').some((m) => m.epoch === 1 && m.name === 'test_accuracy'), 'epoch 1 metrics kept');
  assert.ok(svc.store.metrics(run.id, 'batch').length > 2 * 100, 'batch metrics of epoch 2 kept');
  assert.equal(alive(pid), false, 'job process is gone');
  assert.equal(svc.runner.runningIds.length, 0);
  svc.close();
});

test('the same seed on the same backend gives the same first-epoch loss; another seed does not', async () => {
  const svc = newService();
  const cfg = { kind: 'train', model: 'student', epochs: 1, batchSize: 32, trainLimit: 320, testLimit: 50 };
  const loss = async (seed: number) => {
    const r = await svc.runJob({ ...cfg, seed });
    assert.equal(r.status, 'completed', r.error ?? '');
    return svc.store.metrics(r.id, 'epoch').find((m) => m.name === 'train_loss')!.value;
  };
  const a = await loss(3);
  const b = await loss(3);
  const c = await loss(4);
  assert.equal(a, b);
  assert.notEqual(a, c);
  svc.close();
});

test('bad configs are refused before a run is recorded, naming the field', () => {
  const svc = newService();
  const bad: [unknown, RegExp][] = [
    [{ kind: 'distill', teacherRunId: 'x', temperature: -1, alpha: 0.5 }, /temperature: must be greater than 0/],
    [{ kind: 'distill', teacherRunId: 'x', temperature: 4, alpha: 2 }, /alpha: must be in \[0, 1\]/],
    [{ kind: 'train', model: 'student', epochs: 0 }, /epochs: must be at least 1/],
    [{ kind: 'train', model: 'resnet' }, /model:/],
    [{ kind: 'train', model: 'student', dataset: '/nonexistent/folder' }, /dataset: .*is not a folder/],
    [{ kind: 'distill', teacherRunId: 'abc', temperature: 4, alpha: 0.5 }, /teacherRunId: no run with id "abc"/],
  ];
  for (const [cfg, re] of bad) assert.throws(() => svc.startJob(cfg), re);
  assert.equal(svc.listRuns().length, 0);
  svc.close();
});

test('a job whose dataset is corrupt ends failed naming the file; a failed run cannot be a teacher', async () => {
  const svc = newService();
  const folder = mkdtempSync(join(tmpdir(), 'distillery-corrupt-'));
  const src = resolveDataset('mnist');
  for (const [from, to] of [[src.trainLabels, 'train-labels-idx1-ubyte'], [src.testImages, 't10k-images-idx3-ubyte'], [src.testLabels, 't10k-labels-idx1-ubyte']]) {
    copyFileSync(from, join(folder, to));
  }
  writeFileSync(join(folder, 'train-images-idx3-ubyte'), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1]));
  const r = await svc.runJob({ kind: 'train', model: 'student', epochs: 1, dataset: folder });
  assert.equal(r.status, 'failed');
  assert.match(r.error ?? '', /train-images-idx3-ubyte: bad magic number 0xdeadbeef/);
  assert.throws(() => svc.startJob({ kind: 'distill', teacherRunId: r.id, temperature: 4, alpha: 0.5 }), /teacherRunId: run .* is failed, a teacher must be completed/);
  svc.close();
});

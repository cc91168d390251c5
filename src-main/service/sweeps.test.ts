// Sweeps through the service with stand-in job processes (no training): the
// runs a sweep records and queues, its table, refusals before any run,
// cancelling it whole while runs are still queued, and resuming it after a
// crash with only the runs it had not finished.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobProcess } from '../jobs/spawn.js';
import { Store } from '../db/store.js';
import { Service } from './service.js';

/** The accuracy a stand-in job reports: a known function of its config, so the test can compute each setting's mean. */
const accuracyOf = (c: { learningRate: number; batchSize: number; seed: number }) => 0.5 + c.learningRate * 10 + c.batchSize / 1000 + (c.seed - 42) / 100;

/** Stand-in job processes; `hold` keeps each one running until released or cancelled. */
function fakeJobs(hold = false) {
  const waiting: (() => void)[] = [];
  const spawn = (): JobProcess => {
    let onMsg: (m: unknown) => void = () => {};
    let onExit: (c: number | null, s: string | null) => void = () => {};
    let ended = false;
    const end = (events: unknown[]) => {
      if (ended) return;
      ended = true;
      setImmediate(() => {
        onMsg(events);
        onExit(0, null);
      });
    };
    return {
      pid: process.pid,
      send: (m) => {
        const msg = m as { type: string; config?: { learningRate: number; batchSize: number; seed: number } };
        if (msg.type === 'cancel') return end([{ type: 'cancelled', summary: {} }]);
        const c = msg.config!;
        const finish = () => end([{ type: 'metric', scope: 'epoch', step: 1, epoch: 1, name: 'loss', value: 1, t: 0 }, { type: 'done', summary: { test_accuracy: accuracyOf(c), test_loss: 1 - accuracyOf(c) } }]);
        if (hold) waiting.push(finish);
        else finish();
      },
      onMessage: (fn) => (onMsg = fn),
      onStderr: () => {},
      onExit: (fn) => (onExit = fn),
      kill: () => end([]),
    };
  };
  return { spawn, releaseOne: () => waiting.shift()?.(), get held() { return waiting.length; } };
}

const base = { kind: 'train', model: 'student', epochs: 1, trainLimit: 64, testLimit: 32 };
const sweepConfig = { kind: 'sweep', base, vary: [{ field: 'learningRate', spec: '0.001,0.01' }, { field: 'batchSize', spec: '16,32' }], seeds: 2 };

test('a 2 × 2 sweep with 2 seeds records 8 linked runs, queues them and reports each setting\'s mean ± std', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-sweep-'));
  const svc = new Service(dir, { spawn: fakeJobs().spawn });
  try {
    svc.setSettings({ concurrency: 2 });
    const started = svc.enqueueJob(sweepConfig);
    assert.equal(started.run.kind, 'sweep');
    assert.equal((await started.finished).status, 'completed');
    const members = svc.store.sweepMembers(started.run.id);
    assert.equal(members.length, 8);
    assert.deepEqual(members.map((m) => [m.sweep!.setting, m.seed]), [[0, 42], [0, 43], [1, 42], [1, 43], [2, 42], [2, 43], [3, 42], [3, 43]]);
    const view = svc.getSweep(started.run.id);
    assert.deepEqual(view.settings.map((s) => s.values), [
      { learningRate: 0.001, batchSize: 16 },
      { learningRate: 0.001, batchSize: 32 },
      { learningRate: 0.01, batchSize: 16 },
      { learningRate: 0.01, batchSize: 32 },
    ]);
    for (const s of view.settings) {
      const accs = [42, 43].map((seed) => accuracyOf({ ...(s.values as { learningRate: number; batchSize: number }), seed }));
      const mean = (accs[0] + accs[1]) / 2;
      const std = Math.abs(accs[0] - accs[1]) / Math.SQRT2; // two values: sqrt(((a−m)² + (b−m)²) / 1)
      assert.ok(Math.abs(s.metrics.test_accuracy.mean - mean) < 1e-12, `mean of setting ${s.index}`);
      assert.ok(Math.abs(s.metrics.test_accuracy.std - std) < 1e-12, `std of setting ${s.index}`);
    }
    const sweep = svc.store.getRun(started.run.id)!;
    assert.equal(sweep.status, 'completed');
    assert.equal(sweep.summary.best_setting, 'learningRate=0.01, batchSize=32');
    assert.match(svc.exportSweep(started.run.id).text.split('\n')[0], /^setting,learningRate,batchSize,runs,completed,test_accuracy_mean/);
  } finally {
    svc.close();
  }
});

test('a bad value in any setting is refused before any run is recorded, naming the setting and the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-sweep-'));
  const svc = new Service(dir, { spawn: fakeJobs().spawn });
  try {
    assert.throws(() => svc.enqueueJob({ ...sweepConfig, vary: [{ field: 'learningRate', spec: '0.001,-1' }] }), /setting learningRate=-1: learningRate: must be greater than 0/);
    assert.throws(() => svc.enqueueJob({ ...sweepConfig, base: { ...base, kind: 'distill' }, vary: [{ field: 'temperature', spec: '1,2' }] }), /teacherRunId: is required|teacherRunId/);
    assert.throws(() => svc.enqueueJob({ ...sweepConfig, vary: [{ field: 'epochs', spec: 'lin:1..200:200' }], seeds: 3 }), /600 runs, more than the 500/);
    assert.equal(svc.store.listRuns().length, 0);
  } finally {
    svc.close();
  }
});

test('cancelling a sweep while runs are queued leaves none queued or running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-sweep-'));
  const jobs = fakeJobs(true);
  const svc = new Service(dir, { spawn: jobs.spawn });
  try {
    svc.setSettings({ concurrency: 1 });
    const started = svc.enqueueJob(sweepConfig);
    const before = svc.store.sweepMembers(started.run.id).map((m) => m.status);
    assert.equal(before.filter((s) => s === 'running').length, 1);
    assert.equal(before.filter((s) => s === 'queued').length, 7, 'seven still queued when cancelled');
    assert.equal(svc.cancel(started.run.id), true);
    assert.equal((await started.finished).status, 'cancelled');
    const after = svc.store.sweepMembers(started.run.id).map((m) => m.status);
    assert.deepEqual([...new Set(after)], ['cancelled']);
    assert.equal(svc.store.getRun(started.run.id)!.status, 'cancelled');
  } finally {
    svc.close();
  }
});

test('a sweep cut off by a crash resumes with the runs it had not finished; completed ones are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-sweep-'));
  const jobs = fakeJobs(true);
  const svc = new Service(dir, { spawn: jobs.spawn });
  svc.setSettings({ concurrency: 1 });
  const started = svc.enqueueJob(sweepConfig);
  const sweepId = started.run.id;
  // Three runs finish, then the host dies (its runs are left open; the next open marks them interrupted).
  for (let i = 0; i < 3; i++) {
    const next = svc.store.sweepMembers(sweepId).filter((m) => m.status === 'completed').length + 1;
    jobs.releaseOne();
    while (svc.store.sweepMembers(sweepId).filter((m) => m.status === 'completed').length < next) await new Promise((r) => setTimeout(r, 5));
  }
  const done = svc.store.sweepMembers(sweepId).filter((m) => m.status === 'completed').map((m) => [m.id, m.summary.test_accuracy]);
  svc.store.db.prepare(`UPDATE runs SET owner_pid = 999999999 WHERE status IN ('queued','running')`).run();
  svc.close();
  new Store(dir).close(); // a new host opens the workspace: the dead host's runs are interrupted
  const svc2 = new Service(dir, { spawn: fakeJobs().spawn });
  try {
    assert.equal(svc2.store.getRun(sweepId)!.status, 'interrupted');
    assert.equal(svc2.cancel(sweepId), false, 'a stopped sweep has nothing to cancel');
    assert.throws(() => svc2.resumeJob(done[0][0] as string), /completed; there is nothing to resume/);
    const resumed = svc2.enqueueResume(sweepId);
    assert.equal((await resumed.finished).status, 'completed');
    const members = svc2.store.sweepMembers(sweepId);
    assert.deepEqual([...new Set(members.map((m) => m.status))], ['completed']);
    assert.equal(members.length, 8, 'no run added or lost');
    for (const [id, acc] of done) assert.equal(svc2.store.getRun(id as string)!.summary.test_accuracy, acc, `${id} kept its result`);
    assert.equal(svc2.getSweep(sweepId).settings.every((s) => s.metrics.test_accuracy.n === 2), true);
    assert.throws(() => svc2.enqueueResume(sweepId), /nothing to resume/);
  } finally {
    svc2.close();
  }
});

test('a sweep exported as a bundle brings its runs; imported elsewhere it shows the same table', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-sweep-'));
  const svc = new Service(dir, { spawn: fakeJobs().spawn });
  const other = new Service(mkdtempSync(join(tmpdir(), 'distillery-sweep-other-')), { spawn: fakeJobs().spawn });
  try {
    const started = svc.enqueueJob({ ...sweepConfig, seeds: 1 });
    await started.finished;
    const data = await svc.exportBundleData([started.run.id]);
    assert.equal(data.runs.length, 5, 'the sweep and its four runs');
    const r = await other.importBundleData(data.dataBase64);
    assert.equal(r.imported.length, 5);
    assert.deepEqual(other.getSweep(started.run.id).settings.map((s) => s.metrics.test_accuracy.mean), svc.getSweep(started.run.id).settings.map((s) => s.metrics.test_accuracy.mean));
  } finally {
    svc.close();
    other.close();
  }
});

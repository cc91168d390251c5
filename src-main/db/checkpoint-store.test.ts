import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadMigrations, migrate } from './migrate.js';
import { Store } from './store.js';
import type { JobEvent } from '../contract/jobs.js';

const config = { kind: 'train', model: 'student', dataset: 'mnist', epochs: 3, batchSize: 64, learningRate: 0.001, seed: 1, dataParallel: false } as const;

test('migration 0004 keeps existing runs, which have no checkpoint, disk use or provenance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-ckpt-store-'));
  const db = new Database(join(dir, 'distillery.db'));
  migrate(db, loadMigrations().slice(0, 3));
  db.prepare(`INSERT INTO runs (id, kind, status, config, created_at) VALUES ('abcd', 'train', 'completed', '{}', '2026-01-01T00:00:00Z')`).run();
  db.close();
  const store = new Store(dir);
  const run = store.getRun('abcd')!;
  assert.equal(run.checkpoint, null);
  assert.equal(run.diskBytes, null);
  assert.equal(run.provenance, null);
  store.close();
});

test('checkpoint events are recorded relative to the data folder; preparing a resume drops what came after the checkpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-ckpt-store-'));
  const store = new Store(dir);
  const run = store.createRun({ config });
  store.markRunning(run.id, process.pid);
  const metric = (scope: 'batch' | 'epoch' | 'final', step: number, epoch: number): JobEvent => ({ type: 'metric', scope, step, epoch, name: 'loss', value: step, t: step });
  store.applyEvents(run.id, [
    metric('batch', 1, 1), metric('batch', 2, 1), metric('epoch', 1, 1),
    { type: 'checkpoint', epoch: 1, path: join(dir, 'runs', run.id, 'checkpoints', 'epoch-0001.ckpt'), size: 1234, ms: 5 },
    metric('batch', 3, 2), metric('final', 0, 0),
    { type: 'artifact', kind: 'model', name: 'model.json', path: join(dir, 'x'), size: 1, sha256: 'a'.repeat(64), meta: {} },
  ], dir);
  assert.deepEqual(store.getRun(run.id)!.checkpoint, { epoch: 1, path: join('runs', run.id, 'checkpoints', 'epoch-0001.ckpt'), bytes: 1234 });
  store.finishRun(run.id, 'interrupted', { error: 'killed' });

  assert.deepEqual(store.prepareResume(run.id, 1), { metricsDropped: 2 });
  const after = store.getRun(run.id)!;
  assert.equal(after.status, 'queued');
  assert.equal(after.error, null);
  assert.equal(after.finishedAt, null);
  assert.deepEqual(store.metrics(run.id).map((m) => [m.scope, m.step]), [['batch', 1], ['batch', 2], ['epoch', 1]]);
  assert.deepEqual(store.artifacts(run.id), []);
  assert.match(store.logs(run.id).at(-1)!.message, /resuming from the checkpoint of epoch 1; 2 metric value/);
  store.setCheckpoint(run.id, null);
  assert.equal(store.getRun(run.id)!.checkpoint, null);
  store.close();
});

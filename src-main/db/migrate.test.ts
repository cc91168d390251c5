import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations, migrate, SchemaTooNewError } from './migrate.js';
import { Store } from './store.js';

test('an empty database is migrated to the newest version, and again is a no-op', () => {
  const db = new Database(':memory:');
  const all = loadMigrations();
  assert.ok(all.length >= 1);
  assert.deepEqual(migrate(db), all.map((m) => m.version));
  assert.equal(db.pragma('user_version', { simple: true }), all[all.length - 1].version);
  const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).all() as { name: string }[]).map((t) => t.name);
  for (const t of ['runs', 'metrics', 'artifacts', 'run_parents', 'logs']) assert.ok(tables.includes(t), `table ${t} exists`);
  assert.deepEqual(migrate(db), []);
});

test('a database written by a newer release is refused with a clear message', () => {
  const db = new Database(':memory:');
  migrate(db);
  db.pragma('user_version = 999');
  assert.throws(() => migrate(db), (e: Error) => e instanceof SchemaTooNewError && /version 999 is newer/.test(e.message));
});

test('migrations apply in order and a failing one leaves the last good version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-mig-'));
  writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE a (x INTEGER);');
  writeFileSync(join(dir, '0002_b.sql'), 'CREATE TABLE b (y INTEGER); INSERT INTO nonexistent VALUES (1);');
  const db = new Database(':memory:');
  assert.throws(() => migrate(db, loadMigrations(dir)), /nonexistent/);
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  assert.equal((db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name='b'`).get() as { n: number }).n, 0);
});

test('runs left running by a dead process become interrupted on open', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-store-'));
  const store = new Store(dir);
  const config = { kind: 'train', model: 'student', dataset: 'mnist', epochs: 1, batchSize: 64, learningRate: 0.001, seed: 1, dataParallel: false } as const;
  const dead = store.createRun({ config });
  const live = store.createRun({ config });
  store.markRunning(dead.id, 2 ** 22 + 12345); // no such pid
  store.markRunning(live.id, process.pid);
  store.close();
  const again = new Store(dir);
  assert.equal(again.getRun(dead.id)!.status, 'interrupted');
  assert.equal(again.getRun(live.id)!.status, 'running');
  again.close();
});

test('a workspace of the first released schema (version 2, real runs) opens and migrates with nothing lost', async () => {
  // src-main/db/fixtures/schema-v2.db was written by schema version 2 (migrations 0001-0002) with real runs in it.
  const { copyFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'distillery-v2-'));
  copyFileSync(new URL('./fixtures/schema-v2.db', import.meta.url), join(dir, 'distillery.db'));
  const raw = new Database(join(dir, 'distillery.db'), { readonly: true });
  assert.equal(raw.pragma('user_version', { simple: true }), 2);
  const before = {
    runs: raw.prepare('SELECT id, kind, status, name, config, summary, created_at FROM runs ORDER BY id').all(),
    parents: raw.prepare('SELECT * FROM run_parents ORDER BY run_id').all(),
    metrics: raw.prepare('SELECT * FROM metrics ORDER BY run_id, scope, name, step').all(),
    artifacts: raw.prepare('SELECT * FROM artifacts ORDER BY id').all(),
    logs: raw.prepare('SELECT * FROM logs ORDER BY run_id, t').all(),
    settings: raw.prepare('SELECT * FROM settings').all(),
  };
  raw.close();
  assert.ok(before.runs.length >= 3 && before.metrics.length > 0 && before.parents.length > 0, 'the fixture has real runs, lineage and metrics');

  const store = new Store(dir);
  try {
    assert.equal(store.db.pragma('user_version', { simple: true }), loadMigrations().at(-1)!.version);
    assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(store.db.prepare('SELECT id, kind, status, name, config, summary, created_at FROM runs ORDER BY id').all(), before.runs);
    assert.deepEqual(store.db.prepare('SELECT * FROM run_parents ORDER BY run_id').all(), before.parents);
    assert.deepEqual(store.db.prepare('SELECT * FROM metrics ORDER BY run_id, scope, name, step').all(), before.metrics);
    assert.deepEqual(store.db.prepare('SELECT * FROM artifacts ORDER BY id').all(), before.artifacts);
    assert.deepEqual(store.db.prepare('SELECT * FROM logs ORDER BY run_id, t').all(), before.logs);
    assert.deepEqual(store.db.prepare('SELECT * FROM settings').all(), before.settings);
    const teacher = store.listRuns().find((r) => r.name === 'teacher')!;
    assert.equal(teacher.sizeCard, undefined, 'runs made before size cards have none until the backfill');
    assert.equal(store.getRun(teacher.id)!.children.length, 1);
  } finally {
    store.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SizeCard } from '../contract/api.js';
import type { JobEvent } from '../contract/jobs.js';
import Database from 'better-sqlite3';
import { loadMigrations, migrate } from '../db/migrate.js';
import { Store } from '../db/store.js';

const config = { kind: 'train', model: 'student', dataset: 'mnist', epochs: 1, batchSize: 64, learningRate: 0.001, seed: 1, dataParallel: false } as const;
const metric = (scope: 'batch' | 'epoch' | 'final', step: number, name: string, value: number, t = step / 10, epoch = 1): JobEvent => ({ type: 'metric', scope, step, epoch, name, value, t });

test('metricsForCompare: short series as they are, by step, epoch or time, named or all', () => {
  const store = new Store(mkdtempSync(join(tmpdir(), 'distillery-cmp-')));
  const a = store.createRun({ config });
  const b = store.createRun({ config });
  store.applyEvents(a.id, [metric('epoch', 1, 'test_accuracy', 0.9, 10, 1), metric('epoch', 2, 'test_accuracy', 0.95, 21, 2), metric('epoch', 1, 'train_loss', 0.3, 10, 1), metric('batch', 1, 'loss', 2)], store.dataDir);
  store.applyEvents(b.id, [metric('epoch', 1, 'test_accuracy', 0.8, 12, 1)], store.dataDir);
  const s = store.metricsForCompare([a.id, b.id], ['test_accuracy'], { scope: 'epoch', xAxis: 'time', budget: 10 });
  assert.deepEqual(s, [
    { runId: a.id, name: 'test_accuracy', scope: 'epoch', xAxis: 'time', x: [10, 21], y: [0.9, 0.95], points: 2 },
    { runId: b.id, name: 'test_accuracy', scope: 'epoch', xAxis: 'time', x: [12], y: [0.8], points: 1 },
  ]);
  const all = store.metricsForCompare([a.id], [], { scope: 'epoch' });
  assert.deepEqual(all.map((x) => [x.name, x.x, x.y]), [['test_accuracy', [1, 2], [0.9, 0.95]], ['train_loss', [1], [0.3]]]);
  assert.deepEqual(store.metricsForCompare([a.id], ['nope'], {}), []);
  assert.deepEqual([...store.metricValues(a.id, 'epoch')], [['test_accuracy', [0.9, 0.95]], ['train_loss', [0.3]]]);
  store.close();
});

test('metricsForCompare: 20 runs × 50,000 batch points come back bucketed, spikes kept, in well under a few seconds', () => {
  const store = new Store(mkdtempSync(join(tmpdir(), 'distillery-cmp-')));
  const n = 50_000;
  const ids: string[] = [];
  const insert = store.db.prepare(`INSERT INTO metrics (run_id, scope, step, epoch, name, value, t) VALUES (?, 'batch', ?, 1, 'loss', ?, ?)`);
  for (let r = 0; r < 20; r++) {
    const id = store.createRun({ config }).id;
    ids.push(id);
    store.db.transaction(() => {
      for (let i = 1; i <= n; i++) insert.run(id, i, i === 777 * (r + 1) ? 100 + r : 1 / i, i * 0.01);
    })();
  }
  const t0 = performance.now();
  const s = store.metricsForCompare(ids, ['loss'], { scope: 'batch', xAxis: 'step', budget: 200 });
  const ms = performance.now() - t0;
  assert.equal(s.length, 20);
  s.forEach((series, r) => {
    assert.equal(series.points, n);
    assert.ok(series.x.length <= 800 && series.x.length >= 200, `${series.x.length} points`);
    // Independent check: the spike put in at step 777·(r+1) is the series' max, at its x.
    const k = series.y.indexOf(100 + r);
    assert.equal(series.x[k], 777 * (r + 1));
    assert.equal(series.x[0], 1);
    assert.equal(series.x.at(-1), n);
  });
  console.log(`metricsForCompare over ${20 * n} rows: ${ms.toFixed(0)} ms`);
  assert.ok(ms < 5000, `${ms} ms`);
  const plan = store.db.prepare(`EXPLAIN QUERY PLAN SELECT step, value FROM metrics WHERE run_id = ? AND scope = ? AND name = ? ORDER BY step, rowid`).all("x", "batch", "loss") as { detail: string }[];
  assert.ok(plan.some((p) => /metrics_run/.test(p.detail)), JSON.stringify(plan));
  assert.ok(!plan.some((p) => /TEMP B-TREE/.test(p.detail)), `no sort: ${JSON.stringify(plan)}`);
  store.close();
});

test('the size card is stored and read back with the run; latency can be set later', () => {
  const store = new Store(mkdtempSync(join(tmpdir(), 'distillery-cmp-')));
  const run = store.createRun({ config });
  assert.equal(store.getRun(run.id)!.sizeCard, undefined);
  const card: SizeCard = {
    params: 101770, nonzeroParams: 10177, float32Bytes: 407080, storedBytes: 53429,
    micronetStorageFp32: 13000.5, micronetStorageFp16: 26001, micronetOpsMult: 10000, micronetOpsAdd: 9000, micronetScore: 0.02,
    latencyB1Ms: null, latencyB64Ms: null, latencyBackend: null, latencyMeasuredAt: null, latencyLater: false,
  };
  store.setSizeCard(run.id, card);
  assert.deepEqual(store.getRun(run.id)!.sizeCard, card);
  store.setLatency(run.id, { b1Ms: 0.5, b64Ms: 0.05, backend: 'cpu', measuredAt: '2026-01-01T00:00:00.000Z', later: true });
  assert.deepEqual(store.getRun(run.id)!.sizeCard, { ...card, latencyB1Ms: 0.5, latencyB64Ms: 0.05, latencyBackend: 'cpu', latencyMeasuredAt: '2026-01-01T00:00:00.000Z', latencyLater: true });
  assert.equal(store.listRuns()[0].sizeCard?.storedBytes, 53429);
  assert.equal(store.db.pragma('user_version', { simple: true }), loadMigrations().length, 'the newest version');
  store.close();
});

test('migration 0003 keeps existing runs, which have no size card until one is set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-cmp-'));
  const db = new Database(join(dir, 'distillery.db'));
  migrate(db, loadMigrations().slice(0, 2));
  db.prepare(`INSERT INTO runs (id, kind, status, config, created_at) VALUES ('abcd', 'train', 'completed', '{}', '2026-01-01T00:00:00Z')`).run();
  db.close();
  const store = new Store(dir);
  assert.equal(store.db.pragma('user_version', { simple: true }), loadMigrations().length, 'the newest version');
  const run = store.getRun('abcd')!;
  assert.equal(run.kind, 'train');
  assert.equal('sizeCard' in run, false);
  assert.deepEqual(store.metricsForCompare(['abcd'], ['a', 'a'], {}), []);
  store.close();
});

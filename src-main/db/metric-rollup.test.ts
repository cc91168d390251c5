// The metric rollup (migrations/0006_scale.sql): series drawn from it
// equal the same step-aligned buckets computed from every row
// (downsample.ts bucketizeByStep), whoever wrote the rows and in whatever
// order, after a resume dropped some, and for runs written before it existed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { JobEvent } from '../contract/jobs.js';
import type { MetricRow } from '../contract/api.js';
import { bucketizeByStep, bucketPoints, downsample, type StepPoint } from './downsample.js';
import { loadMigrations, migrate } from './migrate.js';
import { Store } from './store.js';

const config = { kind: 'train', model: 'student', dataset: 'mnist', epochs: 1, batchSize: 64, learningRate: 0.001, seed: 1, dataParallel: false } as const;
const fresh = () => new Store(mkdtempSync(join(tmpdir(), 'distillery-rollup-')));

/** Every row of a series in (step, rowid) order: what the full scan reads. */
function rowsOf(s: Store, runId: string, scope: string, name: string): StepPoint[] {
  return s.db
    .prepare(`SELECT rowid AS row, step, epoch, value, t FROM metrics WHERE run_id = ? AND scope = ? AND name = ? ORDER BY step, rowid`)
    .all(runId, scope, name) as StepPoint[];
}

/** The reference: the series thinned by scanning every row. */
const fullScan = (s: Store, runId: string, scope: string, name: string, budget: number) => bucketPoints(bucketizeByStep(rowsOf(s, runId, scope, name), budget));

/** metricsThinned computed from every row, the way it was before the rollup (but on the step-aligned grid). */
function thinnedByFullScan(s: Store, runId: string, budget: number): MetricRow[] {
  const all = s.db.prepare(`SELECT scope, step, epoch, name, value, t FROM metrics WHERE run_id = ? ORDER BY rowid`).all(runId) as MetricRow[];
  const counts = new Map<string, number>();
  for (const m of all) if (m.scope === 'batch') counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
  const long = [...counts].filter(([, n]) => n > budget).map(([name]) => name).sort();
  if (!long.length) return all;
  const out = all.filter((m) => !(m.scope === 'batch' && long.includes(m.name)));
  for (const name of long) for (const p of fullScan(s, runId, 'batch', name, budget)) out.push({ scope: 'batch', step: p.step, epoch: p.epoch, name, value: p.value, t: p.t });
  return out;
}

/** All of a run's bucket rows, for comparing two ways of building them. */
const bucketRows = (s: Store, runId: string) => s.db.prepare(`SELECT * FROM metric_buckets WHERE run_id = ? ORDER BY scope, name, bucket`).all(runId);

test('known buckets: each 64-step slot keeps its count and first, min, max and last row; display buckets are whole slots', () => {
  const s = fresh();
  try {
    const run = s.createRun({ config });
    // Steps 0..199: slots 0 (0..63), 1 (64..127), 2 (128..191), 3 (192..199).
    // value = 10 except: slot 1 has its min 1 at steps 70 and 90 (tie: 70 wins) and max 50 at 100; slot 2's last is 191 with value 7.
    const value = (i: number) => (i === 70 || i === 90 ? 1 : i === 100 ? 50 : i === 191 ? 7 : 10);
    const ev: JobEvent[] = [];
    for (let i = 0; i < 200; i++) ev.push({ type: 'metric', scope: 'batch', step: i, epoch: 1 + Math.floor(i / 100), name: 'loss', value: value(i), t: i / 10 });
    s.applyEvents(run.id, ev, s.dataDir);
    const slot1 = s.db.prepare(`SELECT n, first_step, min_step, min_value, max_step, max_value, last_step, last_epoch, last_t FROM metric_buckets WHERE run_id = ? AND bucket = 1`).get(run.id);
    assert.deepEqual(slot1, { n: 64, first_step: 64, min_step: 70, min_value: 1, max_step: 100, max_value: 50, last_step: 127, last_epoch: 2, last_t: 12.7 });
    assert.deepEqual((s.db.prepare(`SELECT bucket, n FROM metric_buckets WHERE run_id = ? ORDER BY bucket`).all(run.id) as { bucket: number; n: number }[]).map((r) => [r.bucket, r.n]), [[0, 64], [1, 64], [2, 64], [3, 8]]);

    // Budget 2 over 4 slots: two slots per display bucket, steps 0..127 and 128..199.
    const two = s.seriesFromRollup(run.id, 'batch', 'loss', 2);
    assert.deepEqual(two.map((p) => [p.step, p.value]), [[0, 10], [70, 1], [100, 50], [127, 10], [128, 10], [191, 7], [199, 10]]);
    assert.deepEqual(two, fullScan(s, run.id, 'batch', 'loss', 2));
    // A comparison by step reads the same points (its own reader of the raw rollup rows).
    const [cmp] = s.metricsForCompare([run.id], ['loss'], { scope: 'batch', xAxis: 'step', budget: 2 });
    assert.deepEqual([cmp.x, cmp.y, cmp.points], [two.map((p) => p.step), two.map((p) => p.value), 200]);
    // Budget 100 > slots: one slot per display bucket. Slot 0 is flat: first = min = max (earliest) and last.
    const fine = s.seriesFromRollup(run.id, 'batch', 'loss', 100);
    assert.deepEqual(fine.slice(0, 2).map((p) => p.step), [0, 63]);
    assert.deepEqual(fine, fullScan(s, run.id, 'batch', 'loss', 100));
    // The run view thins only series longer than the budget, from the rollup.
    // Budget 150 over 4 slots: one slot each; slot 2's min is its last (191), slot 3 holds 192..199.
    assert.deepEqual(s.metricsThinned(run.id, 150).map((m) => m.step), [0, 63, 64, 70, 100, 127, 128, 191, 192, 199]);
    assert.deepEqual(s.metricsThinned(run.id, 150), thinnedByFullScan(s, run.id, 150));
    assert.equal(s.metricsThinned(run.id, 200).length, 200, 'within the budget: every row');
  } finally {
    s.close();
  }
});

test('random series, written in any order and by plain SQL: the rollup-based series equal the full scan at every budget', () => {
  const s = fresh();
  try {
    const insert = s.db.prepare(`INSERT INTO metrics (run_id, scope, step, epoch, name, value, t) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const point = fc.record({ step: fc.integer({ min: -100, max: 5000 }), value: fc.integer({ min: -3, max: 3 }).map((v) => v / 2), epoch: fc.integer({ min: 1, max: 5 }) });
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 120 }), fc.boolean(), (pts, budget, batched) => {
        const run = s.createRun({ config });
        if (batched) s.applyEvents(run.id, pts.map((p, i) => ({ type: 'metric', scope: 'batch', step: p.step, epoch: p.epoch, name: 'loss', value: p.value, t: i })), s.dataDir);
        else s.db.transaction(() => pts.forEach((p, i) => insert.run(run.id, 'batch', p.step, p.epoch, 'loss', p.value, i)))();
        assert.deepEqual(s.seriesFromRollup(run.id, 'batch', 'loss', budget), fullScan(s, run.id, 'batch', 'loss', budget));
        assert.deepEqual(s.metricsThinned(run.id, budget), thinnedByFullScan(s, run.id, budget));
        const cmp = s.metricsForCompare([run.id], ['loss'], { scope: 'batch', xAxis: 'step', budget });
        const ref = pts.length > budget ? fullScan(s, run.id, 'batch', 'loss', budget) : rowsOf(s, run.id, 'batch', 'loss');
        assert.deepEqual(cmp, [{ runId: run.id, name: 'loss', scope: 'batch', xAxis: 'step', x: ref.map((p) => p.step), y: ref.map((p) => p.value), points: pts.length }]);
        // The trigger's upsert does not depend on the order rows came in.
        const byTrigger = bucketRows(s, run.id);
        s.rebuildMetricBuckets(run.id);
        assert.deepEqual(bucketRows(s, run.id), byTrigger);
      }),
      { numRuns: 150, seed: 20261129 },
    );
  } finally {
    s.close();
  }
});

test('a resume drops the metrics after the checkpoint: the rollup follows, and the re-logged steps land in it', () => {
  const s = fresh();
  try {
    const run = s.createRun({ config });
    const ev = (from: number, to: number, v: (i: number) => number): JobEvent[] =>
      Array.from({ length: to - from }, (_, k) => from + k).map((i) => ({ type: 'metric', scope: 'batch', step: i, epoch: 1 + Math.floor(i / 1000), name: 'loss', value: v(i), t: i / 100 }));
    s.applyEvents(run.id, ev(0, 2500, (i) => (i === 2100 ? 99 : 1 / (1 + i))), s.dataDir); // epochs 1..3; the spike is in epoch 3
    s.applyEvents(run.id, [{ type: 'metric', scope: 'final', step: 0, epoch: 3, name: 'test_accuracy', value: 0.9, t: 30 }], s.dataDir);
    s.prepareResume(run.id, 2);
    assert.equal(Math.max(...s.metricsThinned(run.id, 100).map((m) => m.value)), 1, 'the dropped spike is gone from the rollup too');
    assert.deepEqual(s.metricsThinned(run.id, 100), thinnedByFullScan(s, run.id, 100));
    s.applyEvents(run.id, ev(2000, 3000, (i) => (i === 2999 ? -5 : 0.5)), s.dataDir);
    assert.deepEqual(s.metricsThinned(run.id, 100), thinnedByFullScan(s, run.id, 100));
    assert.equal(s.metricsThinned(run.id, 100).at(-1)!.value, -5);
    const built = bucketRows(s, run.id);
    s.rebuildMetricBuckets(run.id);
    assert.deepEqual(bucketRows(s, run.id), built);
    s.deleteRun(run.id);
    assert.deepEqual(bucketRows(s, run.id), [], 'deleting the run deletes its buckets');
  } finally {
    s.close();
  }
});

test('a run written before the migration gets a correct rollup when the workspace is opened', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-rollup-'));
  const db = new Database(join(dir, 'distillery.db'));
  const before = loadMigrations().filter((m) => m.name < '0006');
  migrate(db, before);
  db.prepare(`INSERT INTO runs (id, kind, status, config, created_at) VALUES ('abcd', 'train', 'completed', '{}', '2026-01-01T00:00:00Z')`).run();
  const ins = db.prepare(`INSERT INTO metrics (run_id, scope, step, epoch, name, value, t) VALUES ('abcd', ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 1; i <= 5000; i++) ins.run('batch', i, 1 + Math.floor(i / 1000), 'loss', i === 4321 ? 77 : Math.cos(i / 50), i / 10);
    for (let i = 1; i <= 5000; i += 3) ins.run('batch', i, 1, 'accuracy', (i % 17) / 17, i / 10);
    for (let e = 1; e <= 5; e++) ins.run('epoch', e, e, 'test_accuracy', 0.9 + e / 100, e * 100);
  })();
  db.close();
  const s = new Store(dir);
  try {
    assert.equal(s.db.pragma('user_version', { simple: true }), loadMigrations().at(-1)!.version);
    for (const budget of [10, 300, 2000]) {
      assert.deepEqual(s.seriesFromRollup('abcd', 'batch', 'loss', budget), fullScan(s, 'abcd', 'batch', 'loss', budget));
      assert.deepEqual(s.metricsThinned('abcd', budget), thinnedByFullScan(s, 'abcd', budget));
    }
    const thin = s.metricsThinned('abcd', 300);
    assert.ok(thin.some((m) => m.step === 4321 && m.value === 77), 'the spike survives');
    assert.equal(thin.filter((m) => m.scope === 'epoch').length, 5);
    // The backfill equals what the trigger and a rebuild make.
    const backfilled = bucketRows(s, 'abcd');
    s.rebuildMetricBuckets('abcd');
    assert.deepEqual(bucketRows(s, 'abcd'), backfilled);
  } finally {
    s.close();
  }
});

test('the released v2 workspace (real runs) migrates with a rollup equal to its rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-rollup-v2-'));
  copyFileSync(new URL('./fixtures/schema-v2.db', import.meta.url), join(dir, 'distillery.db'));
  const s = new Store(dir);
  try {
    const series = s.db.prepare(`SELECT run_id, scope, name, COUNT(*) AS n FROM metrics GROUP BY run_id, scope, name`).all() as { run_id: string; scope: string; name: string; n: number }[];
    assert.ok(series.length > 0);
    for (const r of series) {
      assert.equal(s.db.prepare(`SELECT SUM(n) FROM metric_buckets WHERE run_id = ? AND scope = ? AND name = ?`).pluck().get(r.run_id, r.scope, r.name), r.n);
      for (const budget of [2, 5, 1000]) assert.deepEqual(s.seriesFromRollup(r.run_id, r.scope as MetricRow['scope'], r.name, budget), fullScan(s, r.run_id, r.scope, r.name, budget));
    }
  } finally {
    s.close();
  }
});

test('series by epoch or time, and short series by step, are unchanged: every row, bucketed as before', () => {
  const s = fresh();
  try {
    const run = s.createRun({ config });
    const ev: JobEvent[] = [];
    for (let i = 0; i < 3000; i++) ev.push({ type: 'metric', scope: 'batch', step: i, epoch: 1 + Math.floor(i / 1000), name: 'loss', value: Math.sin(i), t: i < 2000 ? i : i - 1500 });
    s.applyEvents(run.id, ev, s.dataDir);
    const byTime = s.metricsForCompare([run.id], ['loss'], { scope: 'batch', xAxis: 'time', budget: 50 })[0];
    const rows = rowsOf(s, run.id, 'batch', 'loss');
    const idx = rows.map((_, i) => i).sort((a, b) => rows[a].t - rows[b].t || a - b);
    const ref = downsample(idx.map((i) => rows[i].t), idx.map((i) => rows[i].value), 50);
    assert.deepEqual([byTime.x, byTime.y], [ref.x, ref.y]);
  } finally {
    s.close();
  }
});

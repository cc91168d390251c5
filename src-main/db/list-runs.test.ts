// Store.listRuns keeps built Run objects between calls (migration 0006's
// per-run rev): whatever changes a run, from this connection or another
// process's, the next listing shows it, equal to a listing built from scratch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './store.js';

const config = { kind: 'train', model: 'student', dataset: 'mnist', epochs: 1, batchSize: 64, learningRate: 0.001, seed: 1, dataParallel: false } as const;

test('the cached runs list follows every change, from this store or another connection, and equals a fresh listing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-list-'));
  const s = new Store(dir);
  const other = new Database(join(dir, 'distillery.db')); // as the CLI would, in another process
  other.pragma('foreign_keys = ON');
  const fresh = () => {
    const t = new Store(dir);
    try {
      return t.listRuns();
    } finally {
      t.close();
    }
  };
  try {
    const a = s.createRun({ config, name: 'a' });
    const b = s.createRun({ config, name: 'b', parents: [{ id: a.id, role: 'source' }] });
    assert.deepEqual(s.listRuns().map((r) => [r.name, r.children.length, r.parents.length]), [['a', 1, 0], ['b', 0, 1]]);
    const first = s.listRuns();
    assert.equal(s.listRuns()[0], first[0], 'an unchanged run is the same object');
    assert.ok(Object.isFrozen(first[0]));

    s.updateRun(a.id, { tags: ['x'], note: 'n' });
    s.finishRun(b.id, 'completed', { summary: { test_accuracy: 0.5 } });
    assert.deepEqual(s.listRuns().map((r) => [r.tags, r.note, r.status, r.summary]), [[['x'], 'n', 'queued', {}], [[], '', 'completed', { test_accuracy: 0.5 }]]);

    // Another connection: a new child of a (the parent's children change), a status change, a deleted run.
    other.prepare(`INSERT INTO runs (id, kind, status, config, created_at) VALUES ('c0ffee00', 'prune', 'completed', '{}', '2099-01-01T00:00:00Z')`).run();
    other.prepare(`INSERT INTO run_parents (run_id, parent_id, role) VALUES ('c0ffee00', ?, 'source')`).run(a.id);
    other.prepare(`UPDATE runs SET status = 'failed', error = 'boom' WHERE id = ?`).run(b.id);
    let list = s.listRuns();
    assert.deepEqual(list.find((r) => r.id === a.id)!.children.map((c) => c.id), [b.id, 'c0ffee00']);
    assert.equal(list.find((r) => r.id === b.id)!.error, 'boom');
    assert.deepEqual(list, fresh());
    assert.deepEqual(s.listRuns({ kind: 'prune' }).map((r) => r.id), ['c0ffee00']);
    assert.deepEqual(s.listRuns({ status: 'failed' }).map((r) => r.id), [b.id]);

    // Deleted, then a different run under the same id (an import): not the cached one.
    other.prepare(`DELETE FROM runs WHERE id = 'c0ffee00'`).run();
    list = s.listRuns();
    assert.deepEqual(list.map((r) => r.id), [a.id, b.id]);
    assert.deepEqual(list.find((r) => r.id === a.id)!.children.map((c) => c.id), [b.id]);
    other.prepare(`INSERT INTO runs (id, kind, status, name, config, created_at) VALUES ('c0ffee00', 'quantize', 'completed', 'again', '{"bits":4}', '2099-01-01T00:00:00Z')`).run();
    const again = s.listRuns().find((r) => r.id === 'c0ffee00')!;
    assert.deepEqual([again.kind, again.name, again.config, again.parents], ['quantize', 'again', { bits: 4 }, []]);
    assert.deepEqual(s.listRuns(), fresh());
    s.deleteRun(a.id);
    assert.deepEqual(s.listRuns().map((r) => [r.id, r.parents]), [[b.id, []], ['c0ffee00', []]]);
    assert.deepEqual(s.listRuns(), fresh());
  } finally {
    other.close();
    s.close();
  }
});

test('a long listing (most runs changed) is read in one pass and equals a fresh listing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-list-'));
  const s = new Store(dir);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 400; i++) ids.push(s.createRun({ config, name: `r${i}`, parents: i % 4 ? [{ id: ids[i - 1], role: 'source' }] : [] }).id);
    assert.equal(s.listRuns().length, 400);
    s.db.prepare(`UPDATE runs SET note = 'bulk' WHERE rowid % 3 = 0`).run();
    const list = s.listRuns();
    assert.equal(list.filter((r) => r.note === 'bulk').length, Math.floor(400 / 3));
    const t = new Store(dir);
    assert.deepEqual(list, t.listRuns());
    t.close();
    // The cold listing's raw-row reader misses no column getRun reads.
    s.setSizeCard(ids[5], { params: 1, nonzeroParams: 1, float32Bytes: 4, storedBytes: 4, micronetStorageFp32: 1, micronetStorageFp16: 2, micronetOpsMult: 3, micronetOpsAdd: 4, micronetScore: 0.5, latencyB1Ms: 1, latencyB64Ms: 2, latencyBackend: 'cpu', latencyMeasuredAt: 'now', latencyLater: true });
    s.setCheckpoint(ids[6], { epoch: 2, path: 'runs/x/checkpoints/e2', bytes: 10 });
    s.setDiskBytes(ids[6], 1234);
    s.applyEvents(ids[7], [{ type: 'started', backend: 'wasm', device: 'cpu', backendVersion: '4.22.0' }], dir);
    s.markRunning(ids[8], process.pid);
    s.finishRun(ids[8], 'failed', { error: 'x', summary: { test_accuracy: 0.1 } });
    const member = s.createRun({ config, sweep: { id: ids[0], setting: 1, seedIndex: 2 } });
    s.db.prepare(`UPDATE runs SET note = 'all'`).run();
    for (const r of s.listRuns()) assert.deepEqual(r, s.getRun(r.id));
    assert.deepEqual(s.listRuns().find((r) => r.id === member.id)!.sweep, { id: ids[0], setting: 1, seedIndex: 2 });
  } finally {
    s.close();
  }
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { Service } from '../service/service.js';
import { Store } from '../db/store.js';
import { backupWorkspace, exportBundle, importBundle } from './bundle.js';

const tmp = mkdtempSync(join(tmpdir(), 'distillery-bundle-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const data = { trainLimit: 128, testLimit: 50, batchSize: 64, seed: 3 };
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)).map((f) => `${n}/${f}`) : [n])) : []);
const count = (s: Store, table: string, id: string) => (s.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = ?`).get(id) as { n: number }).n;

const srcDir = join(tmp, 'src');
const src = new Service(srcDir);
const student = await src.runJob({ kind: 'train', model: 'student', epochs: 1, ...data });
const pruned = await src.runJob({ kind: 'prune', sourceRunId: student.id, sparsity: 0.5, finetuneEpochs: 0, ...data });
const bundle = join(tmp, 'runs.distillery');
const exported = await exportBundle(src.store, [pruned.id], bundle);
after(() => src.close());

test('a bundle carries the runs, their ancestors, rows and files; importing it twice changes nothing', async () => {
  assert.deepEqual(exported.runs.sort(), [student.id, pruned.id].sort(), 'the source run comes along for lineage');
  const dstDir = join(tmp, 'dst');
  const dst = new Store(dstDir);
  try {
    const r = await importBundle(dst, bundle);
    assert.deepEqual(r.imported.sort(), [student.id, pruned.id].sort());
    const got = dst.getRun(pruned.id)!;
    assert.deepEqual(got.parents, [{ id: student.id, role: 'source' }]);
    assert.deepEqual(got.summary, src.store.getRun(pruned.id)!.summary);
    for (const id of [student.id, pruned.id]) {
      assert.equal(count(dst, 'metrics', id), count(src.store, 'metrics', id), `metric rows of ${id}`);
      assert.equal(count(dst, 'logs', id), count(src.store, 'logs', id));
      const want = files(join(srcDir, 'runs', id));
      assert.ok(want.length > 0);
      assert.deepEqual(files(join(dstDir, 'runs', id)), want);
      for (const f of want) assert.equal(sha(join(dstDir, 'runs', id, f)), sha(join(srcDir, 'runs', id, f)), f);
    }
    assert.deepEqual(dst.artifacts(pruned.id).map((a) => [a.name, a.sha256]), src.store.artifacts(pruned.id).map((a) => [a.name, a.sha256]));

    const again = await importBundle(dst, bundle);
    assert.deepEqual(again.imported, []);
    assert.deepEqual(again.skipped.sort(), [student.id, pruned.id].sort());
    assert.equal(dst.listRuns().length, 2);
    assert.equal(count(dst, 'metrics', student.id), count(src.store, 'metrics', student.id), 'no duplicated metrics');
  } finally {
    dst.close();
  }
});

test('a different run with a clashing id is renamed, and the links follow it', async () => {
  const dst = new Store(join(tmp, 'clash'));
  try {
    // Another run that happens to have the student's id.
    dst.db.prepare(`INSERT INTO runs (id, kind, status, config, created_at) VALUES (?, 'train', 'completed', '{"kind":"train","model":"teacher"}', '2020-01-01T00:00:00Z')`).run(student.id);
    const r = await importBundle(dst, bundle);
    const fresh = r.renamed[student.id];
    assert.match(fresh, /^[0-9a-f]{8}$/);
    assert.notEqual(fresh, student.id);
    assert.equal(dst.getRun(student.id)!.model, null, 'the run that was there is untouched');
    assert.equal(dst.getRun(fresh)!.kind, 'train');
    const p = dst.getRun(pruned.id)!;
    assert.deepEqual(p.parents, [{ id: fresh, role: 'source' }]);
    assert.equal(p.config.sourceRunId, fresh);
    for (const a of dst.artifacts(fresh)) {
      assert.ok(a.path.startsWith(`runs/${fresh}/`), a.path);
      assert.ok(existsSync(join(dst.dataDir, a.path)), a.path);
    }
  } finally {
    dst.close();
  }
});

/** Unpacks the bundle, lets `edit` change it, packs it again. */
async function tampered(name: string, edit: (dir: string) => void, entries?: string[]): Promise<string> {
  const dir = join(tmp, `${name}-x`);
  mkdirSync(dir, { recursive: true });
  await tar.x({ file: bundle, cwd: dir });
  edit(dir);
  const out = join(tmp, `${name}.distillery`);
  await tar.c({ gzip: true, file: out, cwd: dir, preservePaths: true }, entries ?? readdirSync(dir));
  return out;
}

test('damaged, foreign and path-escaping archives are refused with a clear message, and nothing lands', async () => {
  const dstDir = join(tmp, 'refuse');
  const dst = new Store(dstDir);
  try {
    const flipped = await tampered('flipped', (d) => {
      const f = join(d, 'files', 'runs', pruned.id, 'model', 'weights.bin');
      const b = readFileSync(f);
      b[100] ^= 0xff;
      writeFileSync(f, b);
    });
    await assert.rejects(importBundle(dst, flipped), /damaged: files\/runs\/[0-9a-f]+\/model\/weights\.bin does not match its SHA-256/);

    const extra = await tampered('extra', (d) => writeFileSync(join(d, 'files', 'runs', pruned.id, 'smuggled.js'), 'x'));
    await assert.rejects(importBundle(dst, extra), /holds files\/runs\/[0-9a-f]+\/smuggled\.js, which its manifest does not list/);

    const foreignDir = join(tmp, 'foreign');
    mkdirSync(foreignDir);
    writeFileSync(join(foreignDir, 'hello.txt'), 'hi');
    const foreign = join(tmp, 'foreign.tgz');
    await tar.c({ gzip: true, file: foreign, cwd: foreignDir }, ['hello.txt']);
    await assert.rejects(importBundle(dst, foreign), /entry "hello.txt" is not part of a Distillery bundle/);

    const inner = join(tmp, 'slip', 'inner');
    mkdirSync(inner, { recursive: true });
    writeFileSync(join(tmp, 'slip', 'evil.txt'), 'pwned');
    const slip = join(tmp, 'slip.distillery');
    await tar.c({ gzip: true, file: slip, cwd: inner, preservePaths: true }, ['../evil.txt']);
    await assert.rejects(importBundle(dst, slip), /entry "\.\.\/evil\.txt" would land outside the workspace/);

    const garbage = join(tmp, 'garbage.distillery');
    writeFileSync(garbage, Buffer.from('not a tar at all, just text'));
    await assert.rejects(importBundle(dst, garbage), /is not a Distillery bundle/);

    assert.equal(dst.listRuns().length, 0, 'no run was imported');
    assert.ok(!existsSync(join(dstDir, 'runs')) || readdirSync(join(dstDir, 'runs')).length === 0, 'no file was left');
    assert.ok(!existsSync(join(dstDir, '..', 'evil.txt')));
  } finally {
    dst.close();
  }
});

test('a backup holds the database and every run file, readable as a workspace', async () => {
  const out = join(tmp, 'backup.tar.gz');
  await backupWorkspace(src.store, out);
  const dir = join(tmp, 'restored');
  mkdirSync(dir);
  await tar.x({ file: out, cwd: dir });
  const s = new Store(dir);
  try {
    assert.deepEqual(s.listRuns().map((r) => r.id).sort(), [student.id, pruned.id].sort());
    assert.deepEqual(files(join(dir, 'runs')), files(join(srcDir, 'runs')));
  } finally {
    s.close();
  }
});

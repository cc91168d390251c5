// The disk fills up while a job writes its checkpoint or model: the run
// fails naming the file and the cause, the database stays intact, and no
// half-written model or checkpoint is left. A real full disk: a small tmpfs
// (needs root, as CI and this project's machines run; skipped, saying why, elsewhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../service/service.js';

function mountSmallDisk(): { dir: string; unmount: () => void } | string {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-fulldisk-'));
  try {
    // 3 MiB: room for the database and the job's logs, not for the teacher's 4.8 MB weights.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    return `cannot mount a small tmpfs here (${((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim()})`;
  }
  return { dir, unmount: () => execFileSync('umount', [dir]) };
}

const disk = mountSmallDisk();

test('a full disk while a job saves ends the run failed with a clear message, nothing half-written, the database intact', { skip: typeof disk === 'string' ? `skipped: ${disk}` : false, timeout: 120_000 }, async () => {
  const { dir, unmount } = disk as Exclude<typeof disk, string>;
  try {
    const data = join(dir, 'data');
    mkdirSync(data);
    const svc = new Service(data);
    try {
      const run = await svc.runJob({ kind: 'train', model: 'teacher', epochs: 1, trainLimit: 64, testLimit: 32, batchSize: 32 });
      assert.equal(run.status, 'failed');
      assert.match(run.error ?? '', /cannot write .*(checkpoint|weights\.bin|model\.json).*ENOSPC|no space left/i);
      assert.equal(svc.store.db.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal(svc.store.artifacts(run.id).filter((a) => a.kind === 'model').length, 0, 'no model recorded');
      const files = (d: string): string[] => (existsSync(d) ? readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)])) : []);
      const left = files(join(data, 'runs', run.id));
      assert.deepEqual(left.filter((f) => f.endsWith('.tmp') || f.endsWith('weights.bin') || f.endsWith('model.json')), [], `left behind: ${left.join(', ')}`);
      // The workspace still works: the failed run is listed with its error.
      assert.equal(svc.listRuns().find((r) => r.id === run.id)?.status, 'failed');
    } finally {
      svc.close();
    }
  } finally {
    unmount();
  }
});

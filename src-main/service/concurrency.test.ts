// Four jobs at once through the queue, plus a CLI run in another process on
// the same workspace: every job completes (no SQLITE_BUSY), and no metric row
// is lost: each run has every batch step and every epoch it trained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Service } from './service.js';

const bin = fileURLToPath(new URL('../../bin/distillery.mjs', import.meta.url));
const EPOCHS = 2;
const TRAIN = 320;
const BATCH = 32;
// Steps each run must have logged: ceil(320 / 32) batches per epoch.
const STEPS = EPOCHS * Math.ceil(TRAIN / BATCH);

test('four queued jobs and a CLI run in another process write every metric row', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-concurrent-'));
  const svc = new Service(dir);
  try {
    svc.setSettings({ concurrency: 4 });
    svc.watchExternalChanges(); // as the workbench host does, polling the database the CLI writes to
    const cfg = (seed: number) => ({ kind: 'train', model: 'student', epochs: EPOCHS, trainLimit: TRAIN, testLimit: 100, batchSize: BATCH, seed });
    const cli = spawn(process.execPath, [bin, '--data-dir', dir, '--json', 'run', 'train', '--model', 'student', '--epochs', String(EPOCHS), '--train-limit', String(TRAIN), '--test-limit', '100', '--batch-size', String(BATCH), '--seed', '99'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    cli.stdout.on('data', (c) => (out += c));
    cli.stderr.on('data', (c) => (err += c));
    const jobs = [1, 2, 3, 4].map((s) => svc.enqueueJob(cfg(s)));
    const states = await Promise.all(jobs.map((j) => j.finished));
    const code = await new Promise<number | null>((r) => cli.on('exit', r));
    assert.equal(code, 0, err);
    assert.deepEqual(states.map((s) => s.status), ['completed', 'completed', 'completed', 'completed'], states.map((s) => s.error).join('; '));
    const cliRun = JSON.parse(out)[0];
    for (const id of [...jobs.map((j) => j.run.id), cliRun.id]) {
      const rows = svc.store.metrics(id);
      const batchNames = [...new Set(rows.filter((m) => m.scope === 'batch').map((m) => m.name))];
      assert.ok(batchNames.length >= 1, `${id} logged batch metrics`);
      for (const n of batchNames) {
        const steps = rows.filter((m) => m.scope === 'batch' && m.name === n).map((m) => m.step);
        assert.equal(new Set(steps).size, STEPS, `${id}: ${n} at every one of ${STEPS} steps`);
        assert.equal(steps.length, STEPS, `${id}: ${n} without duplicates`);
      }
      assert.deepEqual([...new Set(rows.filter((m) => m.scope === 'epoch').map((m) => m.epoch))].sort(), [1, 2], `${id}: both epochs`);
      assert.equal(svc.store.getRun(id)!.status, 'completed');
    }
  } finally {
    svc.close();
  }
});

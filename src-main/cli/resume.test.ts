// `distillery resume` and the provenance and checkpoint lines of `show`, as a user runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Service } from '../service/service.js';

const bin = fileURLToPath(new URL('../../bin/distillery.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'distillery-cli-resume-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, '--data-dir', dataDir, ...args], { encoding: 'utf8', env: { ...process.env, DISTILLERY_DATA_DIR: '' } });

test('resume continues a killed run in place from the CLI; show prints its checkpoint and provenance; a completed run is refused', async () => {
  // A run killed (SIGKILL) in epoch 2 of 2, made in this process through the test hook.
  const svc = new Service(dataDir);
  process.env.DISTILLERY_TEST_HALT_AT = '2:1';
  const job = svc.startJob({ kind: 'train', model: 'student', epochs: 2, batchSize: 64, trainLimit: 128, testLimit: 50, seed: 2 });
  delete process.env.DISTILLERY_TEST_HALT_AT;
  await new Promise<void>((resolve) => svc.runner.on('event', (id, e) => id === job.run.id && e.type === 'metric' && e.scope === 'batch' && e.step === 3 && resolve()));
  process.kill(svc.runner.jobPid(job.run.id)!, 'SIGKILL');
  assert.equal((await job.finished).status, 'interrupted');
  svc.close();
  const id = job.run.id;

  const before = cli('show', id).stdout;
  assert.match(before, new RegExp(`checkpoint epoch 1 \\(.*\\): distillery resume ${id}`));
  const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  assert.match(before, new RegExp(`provenance\\n  distillery ${version.replace(/\./g, '\\.')}  commit `));
  assert.match(before, /switches DISTILLERY_WASM_GEMM=.*DISTILLERY_NO_WINOGRAD=.*DISTILLERY_SINGLE_CORE=/);

  const r = cli('--json', 'resume', id.slice(0, 6));
  assert.equal(r.status, 0, r.stderr);
  const [run] = JSON.parse(r.stdout);
  assert.equal(run.id, id);
  assert.equal(run.status, 'completed');
  assert.equal(run.summary.epochs_done, 2);
  const show = JSON.parse(cli('--json', 'show', id).stdout);
  assert.deepEqual(show.metrics.filter((m: { name: string }) => m.name === 'test_accuracy').map((m: { epoch: number }) => m.epoch), [1, 2]);
  assert.equal(show.run.checkpoint, null);
  assert.ok(show.run.diskBytes > 0);
  assert.ok(show.run.provenance.machine.cores >= 1);

  const again = cli('resume', id);
  assert.equal(again.status, 2);
  assert.match(again.stderr, new RegExp(`^distillery: run ${id} is completed; there is nothing to resume`));
  assert.match(cli('resume', 'ffffffff').stderr, /no run with id "ffffffff"/);
});

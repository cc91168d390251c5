// The CLI as a user runs it: a separate process, its output and exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/distillery.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'distillery-cli-'));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [bin, '--data-dir', dataDir, ...args], { encoding: 'utf8', env: { ...process.env, DISTILLERY_DATA_DIR: '' } });

test("summary prints the seed's totals", () => {
  assert.match(cli('summary', 'teacher').stdout, /Total params: 1,199,882/);
  assert.match(cli('summary', 'student').stdout, /Total params: 118,282/);
  const bad = cli('summary', 'vgg');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /model: must be one of teacher, student/);
});

test('a negative temperature is refused naming the flag, before any run is recorded', () => {
  const r = cli('run', 'distill', '--teacher', 'whatever', '--temperature', '-1');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--temperature: must be greater than 0/);
  assert.equal(JSON.parse(cli('--json', 'ls').stdout).length, 0);
  const src = cli('run', 'prune', '--source', 'abc');
  assert.equal(src.status, 2);
  assert.match(src.stderr, /^distillery: --source: no run with id "abc"/, 'names the flag the user typed');
  const pipe = cli('run', 'pipeline', '--source', 'abc', '--steps', 'prune:sparsity=0.5;score;quantize');
  assert.equal(pipe.status, 2);
  assert.match(pipe.stderr, /--steps\.1: score makes no model, so it can only be the last step/);
  const nan = cli('run', 'train', '--model', 'student', '--epochs', 'ten');
  assert.notEqual(nan.status, 0);
  assert.match(nan.stderr, /--epochs must be an integer, got "ten"/);
});

test('train, distill, ls, show and soften work together and print JSON on request', () => {
  const t = cli('--json', 'run', 'train', '--model', 'teacher', '--epochs', '1', '--train-limit', '128', '--test-limit', '100');
  assert.equal(t.status, 0, t.stderr);
  const [teacher] = JSON.parse(t.stdout);
  assert.equal(teacher.status, 'completed');
  const d = cli('--json', 'run', 'distill', '--teacher', teacher.id.slice(0, 5), '--epochs', '1', '--train-limit', '128', '--test-limit', '100', '--temperature', '3');
  assert.equal(d.status, 0, d.stderr);
  const [student] = JSON.parse(d.stdout);
  assert.deepEqual(student.parents, [{ id: teacher.id, role: 'teacher' }]);
  assert.equal(student.config.temperature, 3);

  const ls = JSON.parse(cli('--json', 'ls').stdout);
  assert.deepEqual(ls.map((r: { id: string }) => r.id), [teacher.id, student.id]);
  const human = cli('ls').stdout;
  assert.match(human, new RegExp(`${student.id}\\s+distill\\s+completed\\s+mnist`));

  const show = JSON.parse(cli('--json', 'show', student.id).stdout);
  assert.equal(show.run.backend, student.backend);
  assert.ok(show.metrics.some((m: { name: string }) => m.name === 'test_accuracy'));
  assert.match(cli('show', student.id).stdout, new RegExp(`parents: ${teacher.id} \\(teacher\\)`));

  const s = JSON.parse(cli('--json', 'soften', '--run', teacher.id, '--image', '0', '--temperature', '4').stdout);
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  assert.equal(s.label, 7);
  assert.ok(Math.abs(sum(s.probabilities) - 1) < 1e-5 && Math.abs(sum(s.softened) - 1) < 1e-5);
  assert.ok(Math.max(...s.softened) < Math.max(...s.probabilities), 'softened is flatter');
  assert.equal(s.predicted, s.predictedSoftened, 'temperature does not change the argmax');
  assert.match(cli('soften', '--run', teacher.id, '--image', '99999').stderr, /image: must be an index in 0\.\.9999/);
});

test('Ctrl-C cancels the run, keeps its metrics, exits 130 and leaves no process behind', async () => {
  // Detached: the CLI leads its own process group, like a shell job, and
  // the signal goes to the whole group as a terminal's Ctrl-C does.
  const child = spawn(process.execPath, [bin, '--data-dir', dataDir, 'run', 'train', '--model', 'student', '--epochs', '30', '--train-limit', '3200', '--test-limit', '100'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c) => (stderr += c));
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (/epoch 1 test accuracy/.test(stderr)) (clearInterval(poll), resolve());
    }, 50);
  });
  process.kill(-child.pid!, 'SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 130, stderr);
  const runId = /run ([0-9a-f]{8})/.exec(stderr)![1];
  const show = JSON.parse(cli('--json', 'show', runId).stdout);
  assert.equal(show.run.status, 'cancelled');
  assert.ok(show.metrics.some((m: { epoch: number }) => m.epoch === 1));
  await new Promise((r) => setTimeout(r, 200));
  assert.throws(() => process.kill(-child.pid!, 0), /ESRCH/, 'no process left in the CLI process group');
});

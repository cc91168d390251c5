// `distillery sweep`: flags named as `run` names them, errors naming the flag,
// nothing recorded when any setting is invalid. (Real sweeps: e2e/sweep.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../db/store.js';

const bin = fileURLToPath(new URL('../../bin/distillery.mjs', import.meta.url));
const cli = (dir: string, ...args: string[]) => spawnSync(process.execPath, [bin, '--data-dir', dir, ...args], { encoding: 'utf8' });

test('sweep errors name the flag and record nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-sweep-cli-'));
  const cases: [string[], RegExp][] = [
    [['sweep', 'train', '--model', 'student', '--vary', 'learning-rate=0.001,-1'], /setting learning-rate=-1: --learning-rate: must be greater than 0/],
    [['sweep', 'train', '--model', 'student', '--vary', 'learning-rate'], /--vary: write NAME=SPEC/],
    [['sweep', 'train', '--model', 'student', '--vary', 'temperature=1,2'], /--vary: "temperature" is not a flag of `distillery run train`/],
    [['sweep', 'train', '--model', 'student', '--vary', 'batch-size=lin:8..64'], /batch-size: .*number of points/],
    [['sweep', 'train', '--model', 'student', '--vary', 'learning-rate=uniform:0.001..0.01'], /--samples: a random draw \(--learning-rate\) needs the number of samples/],
    [['sweep', 'distill', '--vary', 'temperature=1,2'], /--teacher: is required/],
    [['sweep', 'train', '--model', 'student', '--vary', 'seed=1,2'], /seed is set by the number of seeds/],
    [['sweep', 'train', '--model', 'student', '--vary', 'epochs=1,2', '--seeds', '0'], /--seeds: must be at least 1/],
  ];
  for (const [args, re] of cases) {
    const r = cli(dir, ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit 2 (${r.stderr})`);
    assert.match(r.stderr, re, args.join(' '));
  }
  const store = new Store(dir);
  try {
    assert.equal(store.listRuns().length, 0, 'nothing recorded');
  } finally {
    store.close();
  }
});

test('sweep --help lists the kinds, and a kind lists its own flags with --vary and --seeds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-sweep-cli-'));
  const top = cli(dir, 'sweep', '--help');
  assert.match(top.stdout, /distill/);
  assert.match(top.stdout, /lin:0\.1\.\.0\.9:5/);
  const d = cli(dir, 'sweep', 'distill', '--help');
  for (const flag of ['--teacher', '--temperature', '--vary <name=spec>', '--seeds <n>', '--samples <n>']) assert.ok(d.stdout.includes(flag), flag);
});

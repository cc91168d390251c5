// `distillery reproduce`: the list, and a refused recipe, as a user runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFERENCES } from '../contract/references.js';
import { REPRODUCTIONS } from '../contract/recipes/index.js';

const bin = fileURLToPath(new URL('../../bin/distillery.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'distillery-repro-cli-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, '--data-dir', dataDir, ...args], { encoding: 'utf8', env: { ...process.env, DISTILLERY_DATA_DIR: '' } });

test('reproduce --list names every reproduction with its source, published numbers and an estimate', () => {
  const r = cli('--json', 'reproduce', '--list');
  assert.equal(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { recipe: string; source: string; published: { key: string; value: number }[]; estimateSeconds: number; quickEstimateSeconds: number }[];
  assert.deepEqual(list.map((x) => x.recipe), Object.keys(REPRODUCTIONS));
  for (const x of list) {
    const ref = REFERENCES[REPRODUCTIONS[x.recipe].reference];
    assert.equal(x.source, ref.where);
    assert.deepEqual(x.published.map((n) => n.value), ref.numbers.map((n) => n.value));
    assert.ok(x.estimateSeconds > x.quickEstimateSeconds && x.quickEstimateSeconds > 0, x.recipe);
  }
  assert.match(cli('reproduce', '--list').stdout, /deep-compression-lenet300[\s\S]*published: Error before compression 1\.64 error %/);
});

test('reproduce refuses a recipe that is not a reproduction', () => {
  const r = cli('reproduce', 'kd');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /"kd" is not a reproduction recipe/);
  const jobs = cli('reproduce', 'seed-kd', '--quick', '--jobs', '0');
  assert.equal(jobs.status, 2);
  assert.match(jobs.stderr, /--jobs: must be an integer from 1 to 64, got "0"/);
});

#!/usr/bin/env node
// Runs every *.test.ts under src-main/ (and e2e/) with Node's test runner
// through tsx. Node 20's --test does not expand globs, hence this script.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function find(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
const filter = process.argv.slice(2);
const files = [...find(join(root, 'src-main')), ...find(join(root, 'src-renderer')), ...find(join(root, 'e2e'))].filter((f) => filter.length === 0 || filter.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// The browser tests drive the built renderer: build it from the current sources first.
if (files.some((f) => f.startsWith('e2e'))) {
  const b = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
// The browser tests share one small workspace of real runs: build it once.
const env = { ...process.env };
if (files.some((f) => f.startsWith('e2e')) && !env.DISTILLERY_FIXTURE) {
  env.DISTILLERY_FIXTURE = mkdtempSync(join(tmpdir(), 'distillery-fixture-'));
  console.log(`building the shared browser-test workspace in ${env.DISTILLERY_FIXTURE}`);
  const f = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'e2e/fixture.ts'), env.DISTILLERY_FIXTURE], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (f.status !== 0) process.exit(f.status ?? 1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit', env });
process.exit(r.status ?? 1);

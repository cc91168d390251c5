#!/usr/bin/env node
// `npm start`: build the app, then open the desktop window. Where the
// Electron binary is missing (its download failed, or a headless box), say
// why and serve the same workbench in the browser instead.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let electron;
try {
  electron = require('electron'); // the path of the binary; throws when it was never downloaded
} catch (e) {
  electron = null;
  console.error(`Electron is not available here (${String(e.message).split('\n')[0]}).`);
}
if (electron) {
  const child = spawn(electron, [root], { stdio: 'inherit', env: { ...process.env, DISTILLERY_NODE: process.execPath } });
  child.on('error', (e) => {
    console.error(`Could not launch Electron (${e.message}); serving the workbench in the browser instead.`);
    serve();
  });
  child.on('exit', (code, signal) => {
    if (code !== null && code !== 0 && code !== 130) {
      console.error(`Electron exited with code ${code}.`);
    }
    process.exit(code ?? (signal ? 1 : 0));
  });
} else {
  console.error('Serving the same workbench in your browser instead:');
  serve();
}

function serve() {
  const child = spawn(process.execPath, [join(root, 'bin/distillery.mjs'), 'serve', ...process.argv.slice(2)], { stdio: 'inherit' });
  process.on('SIGINT', () => {}); // the server handles Ctrl-C itself
  child.on('exit', (code) => process.exit(code ?? 0));
}

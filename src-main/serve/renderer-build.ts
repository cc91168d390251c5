// Where the built renderer lives, and building it on first use of
// `distillery serve` (npm install does not build it; `npm start` does).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIR = join(PROJECT_ROOT, 'out', 'renderer');

export function ensureRendererBuilt(log: (m: string) => void): Promise<void> {
  log('building the workbench UI once (out/renderer)…');
  return new Promise((resolveBuild, reject) => {
    const bin = join(PROJECT_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
    const child = spawn(process.execPath, [bin, 'build'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveBuild() : reject(new Error(`building the UI failed (electron-vite exit ${code}): ${err.slice(-2000)}`))));
  });
}

// What a run was computed with, recorded when its job starts: Distillery's
// version and git commit, TensorFlow.js and backend versions, the kernel
// switches in effect, the machine. Everything here is best effort: a missing
// git, a packaged install without .git, an unknown GPU give null, never an error.
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Provenance } from '../contract/jobs.js';
import type { BackendInfo } from '../ml/engine/backend.js';

/** Environment switches that change which kernels run (see ml/engine/kernels). */
export const KERNEL_SWITCHES = ['DISTILLERY_WASM_GEMM', 'DISTILLERY_NO_WINOGRAD', 'DISTILLERY_SINGLE_CORE'] as const;

/** The folder of Distillery's package.json, found upwards from this file (sources or the built app). */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        if ((JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'distillery') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

function gitHead(root: string): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : null;
  } catch {
    return null; // no git, or not a repository after all
  }
}

let cached: { version: string; commit: string | null } | undefined;

/** Distillery's version (package.json) and git commit (null outside a checkout or without git). */
export function distilleryVersion(): { version: string; commit: string | null } {
  if (cached) return cached;
  const root = packageRoot();
  let version = 'unknown';
  let commit: string | null = null;
  if (root) {
    try {
      version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      // keep 'unknown'
    }
    // Only Distillery's own checkout: an install inside some other repository (a home folder under git) must not lend its commit.
    // (.git is a folder in a clone, a file in a worktree.)
    if (existsSync(join(root, '.git'))) commit = gitHead(root);
  }
  return (cached = { version, commit });
}

/** The GPU the backend runs on, when it runs on one (CUDA through tfjs-node-gpu); null otherwise. */
function gpuName(info: BackendInfo): string | null {
  if (!/GPU/i.test(info.device)) return null;
  try {
    const name = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim().split('\n')[0];
    return name ? `${info.device}: ${name}` : info.device;
  } catch {
    return info.device;
  }
}

export function collectProvenance(info: BackendInfo, env: NodeJS.ProcessEnv = process.env): Provenance {
  const cpus = os.cpus();
  return {
    distillery: distilleryVersion(),
    tfjs: { core: tf.version_core, backend: info.backend, backendVersion: info.version, device: info.device },
    switches: Object.fromEntries(KERNEL_SWITCHES.map((k) => [k, env[k] ?? null])),
    machine: {
      cpu: cpus[0]?.model?.trim() || 'unknown',
      cores: os.availableParallelism(),
      os: `${os.type()} ${os.release()}`,
      arch: os.arch(),
      memoryBytes: os.totalmem(),
      node: process.version,
      gpu: gpuName(info),
    },
    recordedAt: new Date().toISOString(),
  };
}

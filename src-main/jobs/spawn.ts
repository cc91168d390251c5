// How a job process is started. Node hosts (CLI, serve mode, tests) fork
// worker.ts; the Electron app passes its own spawner built on utilityProcess.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface JobProcess {
  send(message: unknown): void;
  onMessage(fn: (message: unknown) => void): void;
  onStderr(fn: (chunk: string) => void): void;
  onExit(fn: (code: number | null, signal: string | null) => void): void;
  kill(): void;
  readonly pid: number | undefined;
}

export type SpawnJobProcess = () => JobProcess;

const here = dirname(fileURLToPath(import.meta.url));

/** The worker entry next to this file: worker.js when built, worker.ts when run from source through tsx. */
export function workerEntry(): { path: string; execArgv: string[] } {
  const js = join(here, 'worker.js');
  if (existsSync(js)) return { path: js, execArgv: [] };
  // Resolve tsx by absolute URL: a bare "--import tsx" would be looked up
  // from the user's working directory, not from Distillery's install.
  return { path: join(here, 'worker.ts'), execArgv: ['--import', import.meta.resolve('tsx')] };
}

export const forkJobProcess: SpawnJobProcess = () => {
  const entry = workerEntry();
  const child = fork(entry.path, [], {
    execArgv: entry.execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  child.stdout?.resume(); // the worker reports through IPC; drain stray prints
  child.stderr?.setEncoding('utf8');
  return {
    pid: child.pid,
    send: (m) => {
      if (child.connected) child.send(m as object);
    },
    onMessage: (fn) => child.on('message', fn),
    onStderr: (fn) => child.stderr?.on('data', fn),
    onExit: (fn) => child.on('exit', fn),
    kill: () => child.kill('SIGKILL'),
  };
};

// Where Distillery keeps its database and artifacts. The default matches
// Electron's app.getPath('userData') for an app named "Distillery", so the
// desktop app, serve mode and the CLI share one database.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const DATA_DIR_ENV = 'DISTILLERY_DATA_DIR';

export function defaultDataDir(env = process.env, platform = process.platform): string {
  if (env[DATA_DIR_ENV]) return resolve(env[DATA_DIR_ENV]!);
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Distillery');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Distillery');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Distillery');
}

/** Folder of one run's artifacts, relative paths in the database are resolved against the data dir. */
export function runDir(dataDir: string, runId: string): string {
  return join(dataDir, 'runs', runId);
}

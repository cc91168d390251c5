// Applies migrations/NNNN_name.sql in order. The schema version is SQLite's
// user_version; each migration runs in its own transaction, so a failure
// leaves the database at the last good version.
import type { Database } from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

export class SchemaTooNewError extends Error {
  constructor(dbVersion: number, codeVersion: number) {
    super(
      `database schema version ${dbVersion} is newer than this Distillery knows (${codeVersion}); ` +
        'it was written by a newer release. Upgrade Distillery, or point --data-dir at another folder.',
    );
    this.name = 'SchemaTooNewError';
  }
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return files.map((f, i) => {
    const version = Number(f.slice(0, 4));
    if (version !== i + 1) throw new Error(`migrations: expected version ${i + 1} but found ${f} (numbers must be contiguous)`);
    return { version, name: f, sql: readFileSync(join(dir, f), 'utf8') };
  });
}

/** Brings `db` to the newest version; returns the versions applied (empty when up to date). */
export function migrate(db: Database, migrations = loadMigrations()): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current > latest) throw new SchemaTooNewError(current, latest);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}

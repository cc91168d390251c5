// `.distillery` bundles: runs carried to another machine or a colleague.
// A bundle is a gzipped tar of
//   manifest.json   format, version, the runs (id + content hash), every file with size and SHA-256
//   rows.json       the runs' database rows: runs, lineage, metrics, artifacts, logs
//   files/runs/<id>/…  the runs' models and files
// Import checks every entry before anything lands: only those three kinds of
// path, plain files and folders, every hash; a run already present with the
// same content hash is skipped (importing twice changes nothing), a
// different run with a clashing id gets a new id and its links follow.
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, sep } from 'node:path';
import * as tar from 'tar';
import { z } from 'zod';
import { ConflictError, ValidationError } from '../contract/errors.js';
import { runDir } from '../db/data-dir.js';
import type { Store } from '../db/store.js';

export const BUNDLE_FORMAT = 'distillery-bundle';
const BUNDLE_VERSION = 1;

const FileEntry = z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const ManifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION),
  createdAt: z.string(),
  runs: z.array(z.object({ id: z.string().regex(/^[0-9a-f]{1,32}$/), hash: z.string() })),
  files: z.array(FileEntry),
});
type Manifest = z.infer<typeof ManifestSchema>;

type Row = Record<string, unknown>;
const RowsSchema = z.object({
  runs: z.array(z.record(z.string(), z.unknown())),
  run_parents: z.array(z.object({ run_id: z.string(), parent_id: z.string(), role: z.string() })),
  metrics: z.array(z.record(z.string(), z.unknown())),
  artifacts: z.array(z.record(z.string(), z.unknown())),
  logs: z.array(z.record(z.string(), z.unknown())),
});
type Rows = z.infer<typeof RowsSchema>;

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** The runs and every run they descend from: a bundle keeps lineage whole. A sweep brings its runs. */
function withAncestors(store: Store, ids: string[]): string[] {
  const out = new Set<string>();
  const visit = (id: string) => {
    if (out.has(id)) return;
    out.add(id);
    const run = store.getRun(id);
    for (const p of run?.parents ?? []) visit(p.id);
    if (run?.kind === 'sweep') for (const m of store.sweepMembers(id)) visit(m.id);
  };
  ids.forEach(visit);
  return [...out];
}

function rowsOf(store: Store, ids: string[]): Rows {
  const q = (table: string, col = 'run_id') => store.db.prepare(`SELECT * FROM ${table} WHERE ${col} IN (${ids.map(() => '?').join(',')})`).all(...ids) as Row[];
  return {
    // rev is this workspace's cache key (migration 0006), not part of the run.
    runs: q('runs', 'id').map(({ owner_pid: _o, rev: _r, ...r }) => r),
    run_parents: q('run_parents') as Rows['run_parents'],
    metrics: q('metrics'),
    artifacts: q('artifacts').map(({ id: _id, ...a }) => a),
    logs: q('logs'),
  };
}

/** What makes a run the same run: its row's identity and the hashes of its files. */
function runHash(run: Row, files: { path: string; sha256: string }[]): string {
  const ident = { id: run.id, kind: run.kind, config: run.config, created_at: run.created_at, summary: run.summary };
  return sha256(JSON.stringify(ident) + files.map((f) => `${f.path}:${f.sha256}`).sort().join('\n'));
}

export interface ExportResult {
  file: string;
  runs: string[];
  files: number;
  bytes: number;
}

export async function exportBundle(store: Store, ids: string[], outFile: string): Promise<ExportResult> {
  const all = withAncestors(store, ids);
  const busy = all.filter((id) => ['running', 'queued'].includes(store.getRun(id)!.status));
  if (busy.length) throw new ConflictError(`runs: ${busy.join(', ')} are still queued or running; export them when they have finished`, 'runs');
  const stage = mkdtempSync(join(tmpdir(), 'distillery-bundle-'));
  try {
    const files: Manifest['files'] = [];
    for (const id of all) {
      const src = runDir(store.dataDir, id);
      for (const f of listFiles(src)) {
        const rel = posix.join('files', 'runs', id, relative(src, f).split(sep).join('/'));
        const buf = readFileSync(f);
        files.push({ path: rel, size: buf.length, sha256: sha256(buf) });
        mkdirSync(dirname(join(stage, rel)), { recursive: true });
        writeFileSync(join(stage, rel), buf);
      }
    }
    const rows = rowsOf(store, all);
    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      createdAt: new Date().toISOString(),
      runs: rows.runs.map((r) => ({ id: String(r.id), hash: runHash(r, files.filter((f) => f.path.startsWith(`files/runs/${r.id}/`))) })),
      files,
    };
    writeFileSync(join(stage, 'rows.json'), JSON.stringify(rows));
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify(manifest, null, 1));
    const tmpOut = `${outFile}.${randomBytes(4).toString('hex')}.part`;
    await tar.c({ gzip: true, file: tmpOut, cwd: stage, portable: true }, ['manifest.json', 'rows.json', ...(files.length ? ['files'] : [])]);
    renameSync(tmpOut, outFile); // a half-written bundle never has the final name
    return { file: outFile, runs: all, files: files.length, bytes: statSync(outFile).size };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Why an archive entry may not be unpacked, or null when it may. */
export function unsafeEntry(path: string, type: string): string | null {
  if (type !== 'File' && type !== 'Directory') return `is a ${type}, not a plain file`;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\')) return 'has an absolute or non-portable path';
  const parts = path.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..' || p === '')) return 'would land outside the workspace';
  if (!(['manifest.json', 'rows.json'].includes(path) || parts[0] === 'files')) return 'is not part of a Distillery bundle';
  return null;
}

export interface ImportResult {
  imported: string[];
  /** Already present with the same content: left as they were. */
  skipped: string[];
  /** Bundle id → new id, for runs whose id was taken by a different run. */
  renamed: Record<string, string>;
}

export async function importBundle(store: Store, file: string): Promise<ImportResult> {
  if (!existsSync(file)) throw new ValidationError(`file: ${file} does not exist`, 'file');
  // 1. Every entry is checked before anything is unpacked.
  const entries: { path: string; type: string }[] = [];
  try {
    await tar.t({ file, strict: true, onReadEntry: (e) => entries.push({ path: e.path, type: e.type }) });
  } catch (e) {
    throw new ValidationError(`file: ${file} is not a Distillery bundle (not a readable gzipped tar: ${(e as Error).message})`, 'file');
  }
  for (const e of entries) {
    const why = unsafeEntry(e.path, e.type);
    if (why) throw new ValidationError(`file: refused ${file}: entry "${e.path}" ${why}`, 'file');
  }
  if (!entries.some((e) => e.path === 'manifest.json')) throw new ValidationError(`file: ${file} is not a Distillery bundle (no manifest.json)`, 'file');

  const stage = mkdtempSync(join(tmpdir(), 'distillery-import-'));
  try {
    await tar.x({ file, cwd: stage, strict: true });
    let manifest: Manifest;
    let rows: Rows;
    try {
      manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(stage, 'manifest.json'), 'utf8')));
      rows = RowsSchema.parse(JSON.parse(readFileSync(join(stage, 'rows.json'), 'utf8')));
    } catch (e) {
      throw new ValidationError(`file: ${file} has a damaged or foreign manifest.json / rows.json (${(e as Error).message.split('\n')[0]})`, 'file');
    }
    // 2. Every file is the one the manifest names, byte for byte, and nothing else is there.
    const listed = new Set(manifest.files.map((f) => f.path));
    for (const f of manifest.files) {
      const p = join(stage, ...f.path.split('/'));
      if (!existsSync(p)) throw new ValidationError(`file: ${file} is damaged: ${f.path} is missing`, 'file');
      const buf = readFileSync(p);
      if (buf.length !== f.size || sha256(buf) !== f.sha256) throw new ValidationError(`file: ${file} is damaged: ${f.path} does not match its SHA-256 in the manifest`, 'file');
    }
    for (const p of listFiles(join(stage, 'files'))) {
      const rel = relative(stage, p).split(sep).join('/');
      if (!listed.has(rel)) throw new ValidationError(`file: ${file} holds ${rel}, which its manifest does not list`, 'file');
    }
    // 3. Decide per run: skip (same content), keep its id, or rename.
    const result: ImportResult = { imported: [], skipped: [], renamed: {} };
    const idMap = new Map<string, string>();
    const hashOf = new Map(manifest.runs.map((r) => [r.id, r.hash]));
    for (const r of rows.runs) {
      const id = String(r.id);
      const existing = store.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
      if (!existing) idMap.set(id, id);
      else if (runHash(existing, listFiles(runDir(store.dataDir, id)).map((f) => ({ path: posix.join('files', 'runs', id, relative(runDir(store.dataDir, id), f).split(sep).join('/')), sha256: sha256(readFileSync(f)) }))) === hashOf.get(id)) result.skipped.push(id);
      else {
        const fresh = randomBytes(4).toString('hex');
        idMap.set(id, fresh);
        result.renamed[id] = fresh;
      }
    }
    const mapId = (id: string) => idMap.get(id) ?? id;
    const mapConfig = (json: string) => {
      const c = JSON.parse(json) as Record<string, unknown>;
      for (const k of ['teacherRunId', 'sourceRunId', 'baselineRunId']) if (typeof c[k] === 'string') c[k] = mapId(c[k] as string);
      return JSON.stringify(c);
    };
    // 4. Files first (into place only once all are copied), then rows in one transaction.
    const placed: string[] = [];
    try {
      for (const [from, to] of idMap) {
        const src = join(stage, 'files', 'runs', from);
        if (!existsSync(src)) continue;
        const dst = runDir(store.dataDir, to);
        if (existsSync(dst)) rmSync(dst, { recursive: true, force: true }); // leftovers of a run no longer in the database
        cpSync(src, dst, { recursive: true });
        placed.push(dst);
      }
      const insert = (table: string, row: Row) => {
        const cols = Object.keys(row);
        store.db.prepare(`INSERT INTO ${table} (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`).run(...cols.map((c) => row[c] as never));
      };
      store.db.transaction(() => {
        // A sweep's runs follow it when it is renamed; a run whose sweep is in neither place is no longer grouped.
        const sweepOf = (sid: unknown) => (typeof sid !== 'string' ? null : idMap.has(sid) || rows.runs.some((x) => x.id === sid) || store.getRun(sid) ? mapId(sid) : null);
        for (const r of rows.runs) if (idMap.has(String(r.id))) insert('runs', { ...r, id: mapId(String(r.id)), config: mapConfig(String(r.config)), ...('sweep_id' in r ? { sweep_id: sweepOf(r.sweep_id) } : {}) });
        for (const p of rows.run_parents) if (idMap.has(p.run_id)) insert('run_parents', { run_id: mapId(p.run_id), parent_id: mapId(p.parent_id), role: p.role });
        for (const table of ['metrics', 'logs', 'artifacts'] as const) {
          for (const row of rows[table]) {
            const id = String(row.run_id);
            if (!idMap.has(id)) continue;
            const moved = table === 'artifacts' ? { path: String(row.path).replace(`runs/${id}/`, `runs/${mapId(id)}/`) } : {};
            insert(table, { ...row, run_id: mapId(id), ...moved });
          }
        }
      })();
    } catch (e) {
      for (const d of placed) rmSync(d, { recursive: true, force: true });
      // Nothing was written (one transaction); the rows did not fit this workspace's schema.
      throw new ValidationError(`file: ${file} could not be imported, nothing was changed: ${(e as Error).message}`, 'file');
    }
    result.imported = [...idMap.values()];
    return result;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * A copy of the whole workspace while jobs may be running: the database
 * through SQLite's online backup, then the run folders, in one gzipped tar.
 */
export async function backupWorkspace(store: Store, outFile: string): Promise<{ file: string; bytes: number }> {
  const stage = mkdtempSync(join(tmpdir(), 'distillery-backup-'));
  try {
    await store.db.backup(join(stage, 'distillery.db'));
    const runs = join(store.dataDir, 'runs');
    if (existsSync(runs)) cpSync(runs, join(stage, 'runs'), { recursive: true });
    const tmpOut = `${outFile}.${randomBytes(4).toString('hex')}.part`;
    await tar.c({ gzip: true, file: tmpOut, cwd: stage, portable: true }, readdirSync(stage));
    renameSync(tmpOut, outFile);
    return { file: outFile, bytes: statSync(outFile).size };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

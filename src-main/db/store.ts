// The run store: the only module that talks SQL. One instance per process
// that owns the database; job processes never open it.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_STATUSES, type ArtifactRow, type LogRow, type MetricRow, type Run, type RunParent, type RunStatus, type RunSweepLink } from '../contract/api.js';
import type { CompareSeries, CompareXAxis, SizeCard } from '../contract/api.js';
import { bucketPoints, downsample, mergeRollup, thinRollupRows, type RollupBucket, type StepPoint } from './downsample.js';
import type { JobConfig, JobEvent, Summary } from '../contract/jobs.js';
import { migrate } from './migrate.js';
import { AmbiguousIdError, NotFoundError } from '../contract/errors.js';

export { RUN_STATUSES };
export type { ArtifactRow, LogRow, MetricRow, Run, RunParent, RunStatus };

interface RunRecord {
  id: string;
  kind: string;
  status: RunStatus;
  name: string | null;
  dataset: string | null;
  model: string | null;
  config: string;
  seed: number | null;
  backend: string | null;
  device: string | null;
  backend_version: string | null;
  owner_pid: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  summary: string;
  tags: string;
  note: string;
  // Size card (migration 0003); NULL until computed.
  params?: number | null;
  nonzero_params?: number | null;
  float32_bytes?: number | null;
  stored_bytes?: number | null;
  micronet_storage_fp32?: number | null;
  micronet_storage_fp16?: number | null;
  micronet_ops_mult?: number | null;
  micronet_ops_add?: number | null;
  micronet_score?: number | null;
  latency_b1_ms?: number | null;
  latency_b64_ms?: number | null;
  latency_backend?: string | null;
  latency_measured_at?: string | null;
  latency_later?: number | null;
  // Checkpoint, disk use, provenance (migration 0004).
  checkpoint_epoch?: number | null;
  checkpoint_path?: string | null;
  checkpoint_bytes?: number | null;
  disk_bytes?: number | null;
  provenance?: string | null;
  // Sweep membership (migration 0005).
  sweep_id?: string | null;
  sweep_setting?: number | null;
  sweep_seed?: number | null;
  // Cache key of Store.listRuns (migration 0006).
  rev?: number;
}

const now = () => new Date().toISOString();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---- The metric rollup (migrations/0006_scale.sql) -----------------

const ROLLUP_POINTS = ['first', 'min', 'max', 'last'] as const;
const ROLLUP_FIELDS = ['row', 'step', 'epoch', 'value', 't'] as const;
/** Columns of a metric_buckets row as read back: bucket, n, then first/min/max/last × the fields asked for. */
const rollupColumns = (fields: readonly string[]) => ['bucket', 'n', ...ROLLUP_POINTS.flatMap((p) => fields.map((f) => `${p}_${f}`))].join(', ');
/** What a chart by step needs (downsample.ts thinRollupRows): each value read back costs. */
const ROLLUP_SHORT = ['row', 'step', 'value'] as const;
const ROLLUP_WINS: Record<(typeof ROLLUP_POINTS)[number], string> = {
  first: '(excluded.first_step, excluded.first_row) < (first_step, first_row)',
  min: 'excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row))',
  max: 'excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row))',
  last: '(excluded.last_step, excluded.last_row) > (last_step, last_row)',
};
/** The run's buckets from its metric rows: the same order-independent upsert as the migration's trigger. */
const REBUILD_BUCKETS = `INSERT INTO metric_buckets
  SELECT run_id, scope, name, step >> 6, 1, ${ROLLUP_POINTS.map(() => 'rowid, step, epoch, value, t').join(', ')} FROM metrics WHERE run_id = ?
  ON CONFLICT DO UPDATE SET n = n + 1, ${ROLLUP_POINTS.flatMap((p) => ROLLUP_FIELDS.map((f) => `${p}_${f} = CASE WHEN ${ROLLUP_WINS[p]} THEN excluded.${p}_${f} ELSE ${p}_${f} END`)).join(', ')}`;

/** A raw metric_buckets row (rollupColumns of ROLLUP_FIELDS). */
function rollupBucket(r: number[]): RollupBucket {
  const point = (k: number): StepPoint => ({ row: r[2 + k * 5], step: r[3 + k * 5], epoch: r[4 + k * 5], value: r[5 + k * 5], t: r[6 + k * 5] });
  return { bucket: r[0], count: r[1], first: point(0), min: point(1), max: point(2), last: point(3) };
}

export class Store {
  readonly db: Database.Database;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'distillery.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    // Another process (the app and the CLI) may be writing: wait, don't fail.
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.markInterrupted();
  }

  close(): void {
    this.db.close();
  }

  /** Runs left queued/running by a process that no longer exists were cut off by a crash. */
  markInterrupted(): number {
    const open = this.db
      .prepare(`SELECT id, owner_pid FROM runs WHERE status IN ('queued','running')`)
      .all() as { id: string; owner_pid: number | null }[];
    const dead = open.filter((r) => r.owner_pid === null || !isAlive(r.owner_pid));
    const mark = this.db.prepare(
      `UPDATE runs SET status='interrupted', finished_at=?, error=COALESCE(error, 'the process running it ended unexpectedly') WHERE id=?`,
    );
    this.db.transaction(() => dead.forEach((r) => mark.run(now(), r.id)))();
    return dead.length;
  }

  createRun(input: { config: JobConfig; name?: string; parents?: RunParent[]; ownerPid?: number; sweep?: RunSweepLink }): Run {
    const id = randomBytes(4).toString('hex');
    const c = input.config;
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO runs (id, kind, status, name, dataset, model, config, seed, owner_pid, created_at, sweep_id, sweep_setting, sweep_seed)
           VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, c.kind, input.name ?? null, c.dataset, c.model, JSON.stringify(c), c.seed, input.ownerPid ?? process.pid, now(), input.sweep?.id ?? null, input.sweep?.setting ?? null, input.sweep?.seedIndex ?? null);
      const link = this.db.prepare(`INSERT INTO run_parents (run_id, parent_id, role) VALUES (?, ?, ?)`);
      for (const p of input.parents ?? []) link.run(id, p.id, p.role);
    })();
    return this.getRun(id)!;
  }

  getRun(id: string): Run | undefined {
    const r = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(id) as RunRecord | undefined;
    return r && this.toRun(r);
  }

  /** Finds a run by its id or a unique prefix of it, as users type them. */
  resolveRunId(idOrPrefix: string): string {
    if (this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(idOrPrefix)) return idOrPrefix;
    // Up to 10 candidates are named; more would not help anyone pick.
    const hits = this.db
      .prepare(`SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 10`)
      .all(idOrPrefix.replace(/[%_\\]/g, '\\$&') + '%') as { id: string }[];
    if (hits.length === 0) throw new NotFoundError(`no run with id "${idOrPrefix}"`);
    if (hits.length > 1) throw new AmbiguousIdError(idOrPrefix, hits.map((h) => h.id));
    return hits[0].id;
  }

  /**
   * Every run (or those of a kind or status), oldest first. Built Run
   * objects are kept between calls and reused while the run's `rev` is
   * unchanged (migration 0006: triggers give a run a new rev whenever its
   * row or lineage changes, whichever process writes): listing 10,000 runs
   * again reads two columns, not every column, and parses no JSON. The
   * objects are shared between callers: frozen, and never to be changed.
   */
  listRuns(filter: { kind?: string; status?: RunStatus } = {}): Run[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.kind) (where.push('kind = ?'), args.push(filter.kind));
    if (filter.status) (where.push('status = ?'), args.push(filter.status));
    const cond = where.length ? 'WHERE ' + where.join(' AND ') : '';
    return this.db.transaction(() => {
      const revs = this.db.prepare(`SELECT id, rev FROM runs ${cond} ORDER BY created_at, rowid`).raw(true).all(...args) as [string, number][];
      const stale = revs.filter(([id, rev]) => this.runCache.get(id)?.rev !== rev).map(([id]) => id);
      if (stale.length) this.loadRuns(stale, stale.length > revs.length / 4 ? cond : null, args);
      if (!filter.kind && !filter.status && this.runCache.size > revs.length) {
        // Forget deleted runs (a full listing knows every id).
        const live = new Set(revs.map(([id]) => id));
        for (const id of this.runCache.keys()) if (!live.has(id)) this.runCache.delete(id);
      }
      return revs.map(([id]) => this.runCache.get(id)!.run);
    })();
  }

  /** Built Run objects by id, with the rev they were built at (listRuns). */
  private runCache = new Map<string, { rev: number; run: Run }>();

  /** Builds and caches the Run objects of `ids`; `cond` given: read with that filter instead of by id (most of them are stale). */
  private loadRuns(ids: string[], cond: string | null, args: string[]): void {
    const want = new Set(ids);
    const records: RunRecord[] = [];
    if (cond !== null) {
      // Raw rows into one fixed-shape literal: much faster than letting the driver make an object of ~40 keys per row.
      const stmt = this.db.prepare(`SELECT * FROM runs ${cond}`).raw(true);
      const at = new Map(stmt.columns().map((c, i) => [c.name, i]));
      const col = (name: keyof RunRecord | 'rev') => at.get(name) ?? -1;
      const [id, kind, status, name, dataset, model, config, seed, backend, device, backendVersion, ownerPid, createdAt, startedAt, finishedAt, error, summary, tags, note] = (
        ['id', 'kind', 'status', 'name', 'dataset', 'model', 'config', 'seed', 'backend', 'device', 'backend_version', 'owner_pid', 'created_at', 'started_at', 'finished_at', 'error', 'summary', 'tags', 'note'] as const
      ).map(col);
      const [params, nonzero, f32, stored, fp32, fp16, mult, add, score, b1, b64, lb, lat, later, cpE, cpP, cpB, disk, prov, rev, sweepId, sweepSetting, sweepSeed] = (
        ['params', 'nonzero_params', 'float32_bytes', 'stored_bytes', 'micronet_storage_fp32', 'micronet_storage_fp16', 'micronet_ops_mult', 'micronet_ops_add', 'micronet_score', 'latency_b1_ms', 'latency_b64_ms', 'latency_backend', 'latency_measured_at', 'latency_later', 'checkpoint_epoch', 'checkpoint_path', 'checkpoint_bytes', 'disk_bytes', 'provenance', 'rev', 'sweep_id', 'sweep_setting', 'sweep_seed'] as const
      ).map(col);
      // A column added to runs must be added above too: list-runs.test.ts compares every listed run with getRun's.
      for (const v of stmt.iterate(...args) as IterableIterator<never[]>) {
        if (!want.has(v[id])) continue;
        records.push({
          id: v[id], kind: v[kind], status: v[status], name: v[name], dataset: v[dataset], model: v[model], config: v[config], seed: v[seed],
          backend: v[backend], device: v[device], backend_version: v[backendVersion], owner_pid: v[ownerPid], created_at: v[createdAt],
          started_at: v[startedAt], finished_at: v[finishedAt], error: v[error], summary: v[summary], tags: v[tags], note: v[note],
          params: v[params], nonzero_params: v[nonzero], float32_bytes: v[f32], stored_bytes: v[stored], micronet_storage_fp32: v[fp32],
          micronet_storage_fp16: v[fp16], micronet_ops_mult: v[mult], micronet_ops_add: v[add], micronet_score: v[score], latency_b1_ms: v[b1],
          latency_b64_ms: v[b64], latency_backend: v[lb], latency_measured_at: v[lat], latency_later: v[later], checkpoint_epoch: v[cpE],
          checkpoint_path: v[cpP], checkpoint_bytes: v[cpB], disk_bytes: v[disk], provenance: v[prov], rev: v[rev],
          sweep_id: v[sweepId], sweep_setting: v[sweepSetting], sweep_seed: v[sweepSeed],
        } as RunRecord);
      }
    } else {
      const one = this.db.prepare(`SELECT * FROM runs WHERE id = ?`);
      for (const id of ids) records.push(one.get(id) as RunRecord);
    }
    // Lineage of every run in one query, not two per run: listing 10,000 runs stays one pass.
    const parents = new Map<string, RunParent[]>();
    const children = new Map<string, RunParent[]>();
    type Link = [number, string, string, string];
    const links = ids.length > 200
      ? (this.db.prepare('SELECT rowid, run_id, parent_id, role FROM run_parents').raw(true).all() as Link[])
      : ids.flatMap((id) => this.db.prepare('SELECT rowid, run_id, parent_id, role FROM run_parents WHERE run_id = @id OR parent_id = @id').raw(true).all({ id }) as Link[]);
    links.sort((a, b) => a[0] - b[0]); // in the order they were written, whichever way they were read
    const seen = new Set<number>();
    for (const [rowid, runId, parentId, role] of links) {
      if (seen.has(rowid)) continue;
      seen.add(rowid);
      if (want.has(runId)) (parents.get(runId) ?? parents.set(runId, []).get(runId)!).push({ id: parentId, role });
      if (want.has(parentId)) (children.get(parentId) ?? children.set(parentId, []).get(parentId)!).push({ id: runId, role });
    }
    for (const r of records) {
      const run = Object.freeze(this.toRun(r, { parents: parents.get(r.id) ?? [], children: children.get(r.id) ?? [] }));
      this.runCache.set(r.id, { rev: r.rev!, run });
    }
  }

  markRunning(id: string, ownerPid: number): void {
    this.db.prepare(`UPDATE runs SET status='running', started_at=?, owner_pid=? WHERE id=?`).run(now(), ownerPid, id);
  }

  finishRun(id: string, status: Exclude<RunStatus, 'queued' | 'running'>, opts: { error?: string; summary?: Summary } = {}): void {
    this.db
      .prepare(`UPDATE runs SET status=?, finished_at=?, error=?, summary=COALESCE(?, summary) WHERE id=? AND status IN ('queued','running')`)
      .run(status, now(), opts.error ?? null, opts.summary ? JSON.stringify(opts.summary) : null, id);
  }

  /**
   * Writes a batch of job events in one transaction: a job emits many small
   * events per second and one transaction each would dominate its cost.
   */
  applyEvents(runId: string, events: JobEvent[], dataDir: string): void {
    if (events.length === 0) return;
    const metric = this.db.prepare(`INSERT INTO metrics (run_id, scope, step, epoch, name, value, t) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const artifact = this.db.prepare(
      `INSERT INTO artifacts (run_id, kind, name, path, size, sha256, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const log = this.db.prepare(`INSERT INTO logs (run_id, t, level, message) VALUES (?, ?, ?, ?)`);
    const started = this.db.prepare(`UPDATE runs SET backend=?, device=?, backend_version=?, provenance=COALESCE(?, provenance) WHERE id=?`);
    const rel = (p: string) => (p.startsWith(dataDir) ? p.slice(dataDir.length).replace(/^[\\/]+/, '') : p);
    const t0 = Date.now() / 1000;
    this.db.transaction(() => {
      for (const e of events) {
        switch (e.type) {
          case 'metric':
            metric.run(runId, e.scope, e.step, e.epoch, e.name, e.value, e.t);
            break;
          case 'artifact': {
            artifact.run(runId, e.kind, e.name, rel(e.path), e.size, e.sha256, JSON.stringify(e.meta), now());
            break;
          }
          case 'log':
            log.run(runId, t0, e.level, e.message);
            break;
          case 'started':
            started.run(e.backend, e.device, e.backendVersion, e.provenance ? JSON.stringify(e.provenance) : null, runId);
            break;
          case 'sizecard':
            this.setSizeCard(runId, e.card);
            break;
          case 'checkpoint':
            this.setCheckpoint(runId, { epoch: e.epoch, path: rel(e.path), bytes: e.size });
            break;
          default:
            break; // progress is live-only; terminal events go through finishRun
        }
      }
    })();
  }

  /** Records the run's last checkpoint; null forgets it (its file was deleted). */
  setCheckpoint(runId: string, c: { epoch: number; path: string; bytes: number } | null): void {
    this.db.prepare(`UPDATE runs SET checkpoint_epoch=?, checkpoint_path=?, checkpoint_bytes=? WHERE id=?`).run(c?.epoch ?? null, c?.path ?? null, c?.bytes ?? null, runId);
  }

  /** Records the bytes the run's folder takes on disk. */
  setDiskBytes(runId: string, bytes: number): void {
    this.db.prepare(`UPDATE runs SET disk_bytes=? WHERE id=?`).run(bytes, runId);
  }

  /**
   * Makes a stopped run ready to continue from its checkpoint of epoch
   * `epoch`, in one transaction: the metrics logged after that checkpoint
   * (later epochs, the interrupted epoch's batches, final values) and the
   * artifacts (the job writes them again when it ends) are deleted, and the
   * run is queued again under this process.
   */
  prepareResume(runId: string, epoch: number, ownerPid = process.pid): { metricsDropped: number } {
    return this.db.transaction(() => {
      const dropped = this.deleteMetricsAfter(runId, epoch);
      this.db.prepare(`DELETE FROM artifacts WHERE run_id=?`).run(runId);
      this.db
        .prepare(`UPDATE runs SET status='queued', finished_at=NULL, error=NULL, owner_pid=? WHERE id=?`)
        .run(ownerPid, runId);
      this.db.prepare(`INSERT INTO logs (run_id, t, level, message) VALUES (?, ?, 'info', ?)`).run(runId, Date.now() / 1000, `resuming from the checkpoint of epoch ${epoch}; ${dropped} metric value(s) logged after it dropped`);
      return { metricsDropped: dropped };
    })();
  }

  /** Deletes the metric rows logged after the end of epoch `epoch` (and final-scope values); returns how many. */
  deleteMetricsAfter(runId: string, epoch: number): number {
    return this.db.transaction(() => {
      const n = this.db.prepare(`DELETE FROM metrics WHERE run_id=? AND (epoch > ? OR scope = 'final')`).run(runId, epoch).changes;
      if (n > 0) this.rebuildMetricBuckets(runId);
      return n;
    })();
  }

  /**
   * Recomputes a run's metric rollup from its rows. Inserts keep it by
   * themselves (a trigger); whoever deletes metric rows calls this.
   */
  rebuildMetricBuckets(runId: string): void {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM metric_buckets WHERE run_id = ?`).run(runId);
      this.db.prepare(REBUILD_BUCKETS).run(runId);
    })();
  }

  /** Rows per (scope, name) of a run, from the rollup (no metric row read). */
  private seriesCounts(runId: string, scope?: MetricRow['scope']): { scope: MetricRow['scope']; name: string; n: number }[] {
    const sql = `SELECT scope, name, SUM(n) AS n FROM metric_buckets WHERE run_id = ? ${scope ? 'AND scope = ?' : ''} GROUP BY scope, name ORDER BY scope, name`;
    return this.db.prepare(sql).all(...(scope ? [runId, scope] : [runId])) as { scope: MetricRow['scope']; name: string; n: number }[];
  }

  /** One series' rollup rows, in step order. */
  private rollup(runId: string, scope: MetricRow['scope'], name: string): RollupBucket[] {
    const rows = this.db
      .prepare(`SELECT ${rollupColumns(ROLLUP_FIELDS)} FROM metric_buckets WHERE run_id = ? AND scope = ? AND name = ? ORDER BY bucket`)
      .raw(true)
      .all(runId, scope, name) as number[][];
    return rows.map(rollupBucket);
  }

  /**
   * One long series thinned to at most `budget` step-aligned buckets, from
   * the rollup (downsample.ts mergeRollup; equal to bucketizeByStep over
   * every row), each point with its epoch and time.
   */
  seriesFromRollup(runId: string, scope: MetricRow['scope'], name: string, budget: number): StepPoint[] {
    return bucketPoints(mergeRollup(this.rollup(runId, scope, name), budget));
  }

  updateRun(id: string, patch: { tags?: string[]; note?: string }): void {
    if (patch.tags) this.db.prepare(`UPDATE runs SET tags=? WHERE id=?`).run(JSON.stringify([...new Set(patch.tags)]), id);
    if (patch.note !== undefined) this.db.prepare(`UPDATE runs SET note=? WHERE id=?`).run(patch.note, id);
  }

  deleteRun(id: string): void {
    this.db.transaction(() => {
      // A deleted sweep's runs stay (they are runs of their own), no longer grouped.
      this.db.prepare(`UPDATE runs SET sweep_id=NULL, sweep_setting=NULL, sweep_seed=NULL WHERE sweep_id=?`).run(id);
      this.db.prepare(`DELETE FROM runs WHERE id=?`).run(id);
    })();
  }

  /** Replaces a run's results (a cancelled sweep's, counted when its last run has stopped). */
  setSummary(runId: string, summary: Summary): void {
    this.db.prepare(`UPDATE runs SET summary=? WHERE id=?`).run(JSON.stringify(summary), runId);
  }

  /** A sweep's runs, by setting then seed. */
  sweepMembers(sweepId: string): Run[] {
    return (this.db.prepare(`SELECT * FROM runs WHERE sweep_id = ? ORDER BY sweep_setting, sweep_seed`).all(sweepId) as RunRecord[]).map((r) => this.toRun(r));
  }

  /**
   * Makes a run that never got far start over under the same id (a sweep's
   * run that had no checkpoint when the sweep was interrupted): its metrics,
   * artifacts and results are deleted and it is queued again.
   */
  restartRun(runId: string, ownerPid = process.pid): void {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM metrics WHERE run_id=?`).run(runId);
      // The rollup is kept on insert only: deleted rows leave it to be rebuilt (empty here).
      this.rebuildMetricBuckets(runId);
      this.db.prepare(`DELETE FROM artifacts WHERE run_id=?`).run(runId);
      this.db
        .prepare(`UPDATE runs SET status='queued', started_at=NULL, finished_at=NULL, error=NULL, summary='{}', owner_pid=?, checkpoint_epoch=NULL, checkpoint_path=NULL, checkpoint_bytes=NULL WHERE id=?`)
        .run(ownerPid, runId);
      this.db.prepare(`INSERT INTO logs (run_id, t, level, message) VALUES (?, ?, 'info', ?)`).run(runId, Date.now() / 1000, 'started again from the beginning (it had no checkpoint to resume from)');
    })();
  }

  /** Marks a stopped run running again under this process, results kept (a sweep continuing after a crash). */
  reopenRun(runId: string, ownerPid = process.pid): void {
    this.db.prepare(`UPDATE runs SET status='running', finished_at=NULL, error=NULL, owner_pid=? WHERE id=?`).run(ownerPid, runId);
  }

  getSetting<T>(key: string, fallback: T): T {
    const row = this.db.prepare(`SELECT value FROM settings WHERE key=?`).get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : fallback;
  }

  setSetting(key: string, value: unknown): void {
    this.db.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`).run(key, JSON.stringify(value));
  }

  /** Changes whenever another connection (the CLI, another window's host) commits. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * A run's metrics with each batch series longer than `budget` thinned to
   * step-aligned buckets' first, min, max and last rows (spikes and ends
   * survive). Long series come from the metric rollup, never their rows;
   * the others are read whole, in write order.
   */
  metricsThinned(runId: string, budget: number): MetricRow[] {
    const series = this.seriesCounts(runId);
    const long = series.filter((c) => c.scope === 'batch' && c.n > budget).map((c) => c.name).sort();
    if (!long.length) return this.metrics(runId);
    // The short series one index range each (not a pass over every row of the run), back in write order.
    const one = this.db.prepare(`SELECT rowid, scope, step, epoch, name, value, t FROM metrics WHERE run_id = ? AND scope = ? AND name = ?`).raw(true);
    const shortRows: [number, MetricRow['scope'], number, number, string, number, number][] = [];
    for (const c of series) if (!(c.scope === 'batch' && c.n > budget)) for (const r of one.all(runId, c.scope, c.name)) shortRows.push(r as (typeof shortRows)[number]);
    shortRows.sort((a, b) => a[0] - b[0]);
    const out: MetricRow[] = shortRows.map(([, scope, step, epoch, name, value, t]) => ({ scope, step, epoch, name, value, t }));
    for (const name of long) for (const p of this.seriesFromRollup(runId, 'batch', name, budget)) out.push({ scope: 'batch', step: p.step, epoch: p.epoch, name, value: p.value, t: p.t });
    return out;
  }

  metrics(runId: string, scope?: MetricRow['scope']): MetricRow[] {
    const sql = `SELECT scope, step, epoch, name, value, t FROM metrics WHERE run_id = ? ${scope ? 'AND scope = ?' : ''} ORDER BY rowid`;
    return this.db.prepare(sql).all(...(scope ? [runId, scope] : [runId])) as MetricRow[];
  }

  artifacts(runId: string): ArtifactRow[] {
    return (
      this.db.prepare(`SELECT id, kind, name, path, size, sha256, meta, created_at FROM artifacts WHERE run_id = ? ORDER BY id`).all(runId) as (Omit<
        ArtifactRow,
        'meta' | 'createdAt'
      > & { meta: string; created_at: string })[]
    ).map(({ meta, created_at, ...a }) => ({ ...a, meta: JSON.parse(meta), createdAt: created_at }));
  }

  logs(runId: string): LogRow[] {
    return this.db.prepare(`SELECT t, level, message FROM logs WHERE run_id = ? ORDER BY rowid`).all(runId) as LogRow[];
  }

  private toRun(r: RunRecord, lineage?: { parents: RunParent[]; children: RunParent[] }): Run {
    const parents = lineage?.parents ?? (this.db.prepare(`SELECT parent_id AS id, role FROM run_parents WHERE run_id = ?`).all(r.id) as RunParent[]);
    const children = lineage?.children ?? (this.db.prepare(`SELECT run_id AS id, role FROM run_parents WHERE parent_id = ?`).all(r.id) as RunParent[]);
    return {
      id: r.id,
      kind: r.kind,
      status: r.status,
      name: r.name,
      dataset: r.dataset,
      model: r.model,
      config: JSON.parse(r.config),
      seed: r.seed,
      backend: r.backend,
      device: r.device,
      backendVersion: r.backend_version,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      error: r.error,
      summary: JSON.parse(r.summary),
      tags: JSON.parse(r.tags),
      note: r.note,
      parents,
      children,
      ...(r.params != null ? { sizeCard: sizeCardOf(r) } : {}),
      checkpoint: r.checkpoint_epoch != null ? { epoch: r.checkpoint_epoch, path: r.checkpoint_path ?? '', bytes: r.checkpoint_bytes ?? 0 } : null,
      diskBytes: r.disk_bytes ?? null,
      provenance: r.provenance ? JSON.parse(r.provenance) : null,
      sweep: r.sweep_id ? { id: r.sweep_id, setting: r.sweep_setting ?? 0, seedIndex: r.sweep_seed ?? 0 } : null,
    };
  }

  // ---- Compare (size card, chart series); see src-main/compare -----------

  /** Writes a run's size card (all of it, latency included). */
  setSizeCard(runId: string, card: SizeCard): void {
    this.db
      .prepare(
        `UPDATE runs SET params=?, nonzero_params=?, float32_bytes=?, stored_bytes=?, micronet_storage_fp32=?, micronet_storage_fp16=?,
           micronet_ops_mult=?, micronet_ops_add=?, micronet_score=?, latency_b1_ms=?, latency_b64_ms=?, latency_backend=?,
           latency_measured_at=?, latency_later=? WHERE id=?`,
      )
      .run(
        card.params, card.nonzeroParams, card.float32Bytes, card.storedBytes, card.micronetStorageFp32, card.micronetStorageFp16,
        card.micronetOpsMult, card.micronetOpsAdd, card.micronetScore, card.latencyB1Ms, card.latencyB64Ms, card.latencyBackend,
        card.latencyMeasuredAt, card.latencyLater ? 1 : 0, runId,
      );
  }

  /** Writes only the latency part of the size card (measured later, on first open). */
  setLatency(runId: string, l: { b1Ms: number; b64Ms: number; backend: string; measuredAt?: string; later: boolean }): void {
    this.db
      .prepare(`UPDATE runs SET latency_b1_ms=?, latency_b64_ms=?, latency_backend=?, latency_measured_at=?, latency_later=? WHERE id=?`)
      .run(l.b1Ms, l.b64Ms, l.backend, l.measuredAt ?? now(), l.later ? 1 : 0, runId);
  }

  /**
   * Metric series of several runs, each downsampled to `budget` buckets of
   * first/min/max/last (downsample.ts). `names` empty means every
   * metric of that scope. A series of at most `budget` points is one indexed
   * range scan (run, scope, name, step) of two raw columns; a longer one by
   * step comes from the metric rollup (step-aligned buckets, no metric row
   * read); a longer one by epoch or time is read whole and bucketed in JS.
   */
  metricsForCompare(
    runIds: string[],
    names: string[],
    opts: { scope?: MetricRow['scope']; xAxis?: CompareXAxis; budget?: number } = {},
  ): CompareSeries[] {
    const scope = opts.scope ?? 'epoch';
    const xAxis = opts.xAxis ?? 'step';
    const budget = opts.budget ?? 500;
    const col = xAxis === 'step' ? 'step' : xAxis === 'epoch' ? 'epoch' : 't';
    const countOf = this.db.prepare(`SELECT SUM(n) FROM metric_buckets WHERE run_id = ? AND scope = ? AND name = ?`).pluck(true);
    const bucketRows = this.db.prepare(`SELECT ${rollupColumns(ROLLUP_SHORT)} FROM metric_buckets WHERE run_id = ? AND scope = ? AND name = ? ORDER BY bucket`).raw(true);
    // Two columns per row and no name column: materializing the rows is most of the cost.
    const stmt = this.db.prepare(`SELECT ${col}, value FROM metrics WHERE run_id = ? AND scope = ? AND name = ? ORDER BY step, rowid`).raw(true);
    const out: CompareSeries[] = [];
    for (const runId of runIds) {
      const series = names.length
        ? [...new Set(names)].map((name) => ({ name, n: (countOf.get(runId, scope, name) as number | null) ?? 0 }))
        : this.seriesCounts(runId, scope);
      for (const { name, n: count } of series) {
        if (count === 0) continue;
        if (count > budget && xAxis === 'step') {
          const d = thinRollupRows(bucketRows.all(runId, scope, name) as number[][], budget);
          out.push({ runId, name, scope, xAxis, x: d.x, y: d.y, points: count });
          continue;
        }
        const rows = stmt.all(runId, scope, name) as [number, number][];
        const n = rows.length;
        if (n === 0) continue;
        if (n <= budget && rows.every((r, i) => i === 0 || r[0] >= rows[i - 1][0])) {
          // Within the budget and already in x order: every point as it is (what downsample would return), no copies.
          out.push({ runId, name, scope, xAxis, x: rows.map((r) => r[0]), y: rows.map((r) => r[1]), points: n });
          continue;
        }
        let x = new Float64Array(n);
        let y = new Float64Array(n);
        let sorted = true;
        for (let i = 0; i < n; i++) {
          x[i] = rows[i][0];
          y[i] = rows[i][1];
          if (i > 0 && x[i] < x[i - 1]) sorted = false;
        }
        if (!sorted) {
          // Time can step back across a resumed run; order by x, keeping step order among equals.
          const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
          const [sx, sy] = [x, y];
          x = Float64Array.from(idx, (i) => sx[i]);
          y = Float64Array.from(idx, (i) => sy[i]);
        }
        const d = downsample(x, y, budget);
        out.push({ runId, name, scope, xAxis, x: d.x, y: d.y, points: n });
      }
    }
    return out;
  }

  /** Every value of each metric of a run in one scope, in step order (for reducers). */
  metricValues(runId: string, scope: MetricRow['scope']): Map<string, number[]> {
    const rows = this.db
      .prepare(`SELECT name, value FROM metrics WHERE run_id = ? AND scope = ? ORDER BY name, step, rowid`)
      .raw(true)
      .all(runId, scope) as [string, number][];
    const out = new Map<string, number[]>();
    for (const [name, value] of rows) {
      let v = out.get(name);
      if (!v) out.set(name, (v = []));
      v.push(value);
    }
    return out;
  }
}

function sizeCardOf(r: RunRecord): SizeCard {
  return {
    params: r.params!,
    nonzeroParams: r.nonzero_params ?? r.params!,
    float32Bytes: r.float32_bytes ?? 0,
    storedBytes: r.stored_bytes ?? 0,
    micronetStorageFp32: r.micronet_storage_fp32 ?? null,
    micronetStorageFp16: r.micronet_storage_fp16 ?? null,
    micronetOpsMult: r.micronet_ops_mult ?? null,
    micronetOpsAdd: r.micronet_ops_add ?? null,
    micronetScore: r.micronet_score ?? null,
    latencyB1Ms: r.latency_b1_ms ?? null,
    latencyB64Ms: r.latency_b64_ms ?? null,
    latencyBackend: r.latency_backend ?? null,
    latencyMeasuredAt: r.latency_measured_at ?? null,
    latencyLater: r.latency_later === 1,
  };
}

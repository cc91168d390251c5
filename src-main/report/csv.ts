// CSV export of run data (RFC 4180: comma-separated, CRLF line ends, fields
// with a comma, quote or line break quoted, quotes doubled), so comparisons
// can be taken to a spreadsheet or pandas. One row per run: identity, size
// card, summary, final metrics and the flattened config.
import type { Run } from '../contract/api.js';
import { flattenConfig } from '../contract/analysis/config-diff.js';

export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns: string[], rows: unknown[][]): string {
  return [columns, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Rows as objects; columns are the union of their keys in first-seen order, unless given. */
export function recordsToCsv(records: Record<string, unknown>[], columns?: string[]): string {
  const cols = columns ?? [...new Set(records.flatMap((r) => Object.keys(r)))];
  return toCsv(cols, records.map((r) => cols.map((c) => r[c])));
}

/**
 * One run flattened for export: id, name, kind, status, model, dataset,
 * times, `size.*` (the size card), `summary.*`, `final.*` (the given final
 * metric values, e.g. each metric's last value) and `config.*` (dot paths).
 */
export function runRecord(run: Run, finals: Record<string, number | null> = {}): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    id: run.id,
    name: run.name,
    kind: run.kind,
    status: run.status,
    model: run.model,
    dataset: run.dataset,
    created_at: run.createdAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    tags: run.tags.join(' '),
  };
  for (const [k, v] of Object.entries(run.sizeCard ?? {})) rec[`size.${k}`] = v;
  for (const [k, v] of Object.entries(run.summary)) rec[`summary.${k}`] = v;
  for (const [k, v] of Object.entries(finals)) rec[`final.${k}`] = v;
  for (const [k, v] of Object.entries(flattenConfig(run.config))) rec[`config.${k}`] = v;
  return rec;
}

export function runsToCsv(runs: { run: Run; finals?: Record<string, number | null> }[]): string {
  return recordsToCsv(runs.map((r) => runRecord(r.run, r.finals)));
}

// Plain-text tables and numbers for the terminal.
import type { Run } from '../db/store.js';

export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (/^-?[\d.,]+%?$/.test(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function runSeconds(run: Run): number | null {
  if (!run.startedAt) return null;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  return (end - Date.parse(run.startedAt)) / 1000;
}

export const int = (n: unknown) => (typeof n === 'number' ? n.toLocaleString('en-US') : '');
/** Bytes in the unit that reads best: 812 B, 4.2 MB, 1.3 GB. */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) (v /= 1000, u++);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export const acc = (n: unknown) => (typeof n === 'number' ? n.toFixed(4) : '');

/** Distillation runs are labelled by their role, so tables read like the seed's. */
export function modelLabel(run: Run): string {
  if (run.kind === 'distill') return `${run.model} (distilled from ${run.parents.find((p) => p.role === 'teacher')?.id ?? '?'})`;
  return run.model ?? '';
}

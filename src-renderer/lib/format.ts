import type { Run } from '../../src-main/contract/api.js';

// One formatter each, made once: toLocaleString with a locale or options builds a new Intl formatter
// on every call, which showed when the runs table rebuilt its rows on each keystroke of a search.
const INT_FORMAT = new Intl.NumberFormat('en-US');
const DATE_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });

export const fmtInt = (n: unknown) => (typeof n === 'number' ? INT_FORMAT.format(n) : '');
export const fmtAcc = (n: unknown) => (typeof n === 'number' ? n.toFixed(4) : '');
export const fmtNum = (n: unknown, d = 4) => (typeof n === 'number' ? n.toFixed(d) : '');

/** Bytes in the unit that reads best: 812 B, 4.2 MB, 1.3 GB. */
export function fmtBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) (v /= 1000, u++);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function runSeconds(run: Run, now = Date.now()): number | null {
  if (!run.startedAt) return null;
  return ((run.finishedAt ? Date.parse(run.finishedAt) : now) - Date.parse(run.startedAt)) / 1000;
}

export const fmtDate = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? 'Invalid Date' : DATE_FORMAT.format(d); // as toLocaleString says it (format would throw)
};

export function modelLabel(run: Run): string {
  if (run.kind === 'distill') return `${run.model} ← ${run.parents.find((p) => p.role === 'teacher')?.id ?? '?'}`;
  return run.model ?? '';
}

/** A metric or summary key as a label: "test_accuracy" → "test acc". */
export const metricLabel = (n: string) => n.replace(/_/g, ' ').replace('accuracy', 'acc');

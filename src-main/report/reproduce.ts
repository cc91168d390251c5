// The reproduction report as HTML, through the one report generator
// (report/html.ts): published vs measured, the claims, our settings and
// where they differ from the paper's.
import type { ReproReport } from '../contract/analysis/reproduction.js';
import { renderHtmlReport, type Cell, type Report } from './html.js';

const diff = (published: number, measured: number | null): Cell => (measured === null ? null : +(measured - published).toPrecision(4));
const holdsText = (h: boolean | null, quick: boolean) => (h === null ? 'not tested (no measurement)' : `${h ? 'holds' : 'does not hold'}${quick ? ' (smoke run: not meaningful)' : ''}`);

/** A step's config as `key: value` pairs: one JSON line per config made the page scroll sideways; spaces let it wrap. */
const configText = (config: Record<string, unknown>) => Object.entries(config).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ');

export function reproductionHtmlReport(r: ReproReport, generatedAt?: string): Report {
  return {
    title: `Reproduction: ${r.reference.title}${r.quick ? ' — SMOKE RUN (--quick)' : ''}`,
    subtitle: `${r.reference.where}. Recipe ${r.recipe}.`,
    generatedAt,
    sections: [
      ...(r.smoke ? [{ heading: 'Smoke run', blocks: [{ type: 'text' as const, text: r.smoke }] }] : []),
      {
        heading: 'Published vs measured',
        blocks: [
          { type: 'text', text: `Paper's setting: ${r.reference.setting}` },
          {
            type: 'table',
            columns: ['Quantity', 'Unit', 'Published', 'Measured', 'Measured − published', 'Measured from', 'Source'],
            rows: r.rows.map((x) => [x.label + (x.verified ? '' : ' [UNVERIFIED]'), x.unit, x.value, x.measured, diff(x.value, x.measured), x.from, x.source]),
          },
          ...(r.measuredOnly.length
            ? [{ type: 'table' as const, caption: 'Measured (no published number to compare with)', columns: ['Quantity', 'Measured', 'Measured from'], rows: r.measuredOnly.map((x) => [x.label, x.value, x.from]) }]
            : []),
        ],
      },
      {
        heading: 'Claims',
        blocks: [{ type: 'table', columns: ['Claim', 'Result', 'Evidence'], rows: r.claims.map((c) => [c.claim, holdsText(c.holds, r.quick), c.evidence]) }],
      },
      {
        heading: 'Where our setting differs from the paper, and why',
        blocks: r.differences.map((text) => ({ type: 'text' as const, text })),
      },
      {
        heading: 'Settings used (the runs)',
        blocks: [{ type: 'table', columns: ['Step', 'Run', 'Kind', 'Model', 'Status', 'Config'], rows: r.steps.map((s) => [s.label, s.runId, s.kind, s.model, s.status, configText(s.config)]) }],
      },
    ],
  };
}

export function reproductionHtml(r: ReproReport, generatedAt?: string): string {
  return renderHtmlReport(reproductionHtmlReport(r, generatedAt));
}

// A sweep as a section of the self-contained HTML report: the settings
// table (mean ± std over seeds) and, for a one-field sweep of a number, the
// metric's mean over that field.
import type { SweepView } from '../contract/analysis/sweep.js';
import type { Report, ReportSection } from './html.js';

const stat = (x: { mean: number; std: number } | undefined) => (x ? `${+x.mean.toPrecision(4)} ± ${+x.std.toPrecision(2)}` : null);

export function sweepSections(view: SweepView, metrics = view.metrics.filter((m) => !/(^|_)(params|epochs_done|train_images|test_images|images_per_second)$/.test(m)).slice(0, 6)): ReportSection[] {
  const fields = view.vary.map((v) => v.field);
  const sections: ReportSection[] = [
    {
      heading: 'Settings (mean ± std over seeds)',
      blocks: [
        { type: 'text', text: `${view.kind}: ${view.vary.map((v) => `${v.field} ${v.spec}`).join(' × ')}, ${view.seeds} seed(s) per setting, ${view.members.length} runs (${view.members.filter((m) => m.status === 'completed').length} completed).` },
        {
          type: 'table',
          columns: [...fields, 'completed', ...metrics],
          rows: view.settings.map((s) => [...fields.map((f) => s.values[f] as string | number), `${s.statuses.completed ?? 0}/${s.runIds.length}`, ...metrics.map((m) => stat(s.metrics[m]))]),
        },
      ],
    },
  ];
  const numeric = fields.length === 1 && view.settings.every((s) => typeof s.values[fields[0]] === 'number');
  if (numeric && metrics.length) {
    const f = fields[0];
    const logX = /^(log|loguniform):/i.test(view.vary[0].spec.trim());
    sections.push({
      heading: `${metrics[0]} over ${f}`,
      blocks: [
        {
          type: 'line',
          title: `${metrics[0]}: mean, and mean ± std over seeds${logX ? ` (x: log10 ${f})` : ''}`,
          xLabel: logX ? `log10 ${f}` : f,
          yLabel: metrics[0],
          series: (['mean', 'mean − std', 'mean + std'] as const).map((name, k) => {
            const pts = view.settings
              .filter((s) => s.metrics[metrics[0]])
              .map((s) => ({ x: s.values[f] as number, m: s.metrics[metrics[0]] }))
              .sort((a, b) => a.x - b.x);
            return { name, x: pts.map((p) => (logX ? Math.log10(p.x) : p.x)), y: pts.map((p) => p.m.mean + (k === 0 ? 0 : k === 1 ? -p.m.std : p.m.std)) };
          }),
        },
      ],
    });
  }
  return sections;
}

export function sweepReport(view: SweepView, generatedAt?: string): Report {
  return { title: view.sweep.name ?? `Sweep ${view.sweep.id}`, subtitle: `Sweep ${view.sweep.id} · ${view.sweep.status}`, generatedAt, sections: sweepSections(view) };
}

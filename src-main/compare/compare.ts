// A comparison of runs, assembled from the store: one summary row per run
// (what it is, how big and fast, how good), every metric reduced to a few
// numbers, differences to a baseline run, and the config keys that differ.
// Pure over the store (reads only), so the service, CLI and report share it.
import type { CompareSeries, MetricRow, Run, SizeCard } from '../contract/api.js';
import type { Store } from '../db/store.js';
import { runsToCsv } from '../report/csv.js';
import type { Report, ReportBlock } from '../report/html.js';
import { configDiff } from '../contract/analysis/config-diff.js';
import { paretoFront } from '../contract/analysis/pareto.js';
import { reduceSeries } from '../contract/analysis/reducers.js';
import { SUMMARY_NUMBERS, type CompareOptions, type Comparison, type MetricComparison, type SummaryNumber, type SummaryRow } from '../contract/analysis/comparison.js';

export type { CompareOptions, Comparison, SummaryRow };

export type CompareSource = Pick<Store, 'getRun' | 'metricValues'>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const delta = (v: number | null, b: number | null) => (v === null || b === null ? null : v - b);

function summaryRow(run: Run, epochMetrics: Map<string, number[]>): SummaryRow {
  const s = run.summary;
  const card: Partial<SizeCard> = run.sizeCard ?? {};
  const started = run.startedAt ? Date.parse(run.startedAt) : NaN;
  const finished = run.finishedAt ? Date.parse(run.finishedAt) : NaN;
  const lastEpoch = (name: string) => num(epochMetrics.get(name)?.at(-1));
  return {
    id: run.id,
    name: run.name,
    kind: run.kind,
    status: run.status,
    model: run.model,
    dataset: run.dataset,
    params: card.params ?? num(s.params),
    nonzeroParams: card.nonzeroParams ?? num(s.nonzero_params),
    float32Bytes: card.float32Bytes ?? null,
    storedBytes: card.storedBytes ?? null,
    micronetStorageFp32: card.micronetStorageFp32 ?? null,
    micronetOps: card.micronetOpsMult != null && card.micronetOpsAdd != null ? card.micronetOpsMult + card.micronetOpsAdd : null,
    micronetScore: card.micronetScore ?? null,
    latencyB1Ms: card.latencyB1Ms ?? null,
    latencyB64Ms: card.latencyB64Ms ?? null,
    testAccuracy: num(s.test_accuracy) ?? lastEpoch('test_accuracy'),
    testNll: num(s.test_nll),
    activeDims: num(s.active_dims),
    imagesPerSecond: num(s.images_per_second),
    durationS: Number.isFinite(started) && Number.isFinite(finished) ? (finished - started) / 1000 : null,
  };
}

export function compareRuns(store: CompareSource, runIds: string[], opts: CompareOptions = {}): Comparison {
  const ids = [...new Set(runIds)];
  if (ids.length === 0) throw new Error('compare: select at least one run');
  const runs = ids.map((id) => {
    const r = store.getRun(id);
    if (!r) throw new Error(`no run with id "${id}"`);
    return r;
  });
  const baselineId = opts.baseline ?? ids[0];
  const b = ids.indexOf(baselineId);
  if (b < 0) throw new Error(`baseline run ${baselineId} is not among the compared runs`);
  const scopes = opts.scopes ?? ['epoch', 'final'];
  const wanted = opts.metrics && new Set(opts.metrics);

  // Metric values per scope and run, read once.
  const values = new Map<MetricRow['scope'], Map<string, number[]>[]>();
  for (const scope of new Set<MetricRow['scope']>([...scopes, 'epoch'])) values.set(scope, ids.map((id) => store.metricValues(id, scope)));

  const summary = runs.map((r, i) => summaryRow(r, values.get('epoch')![i]));
  const summaryDeltas = Object.fromEntries(SUMMARY_NUMBERS.map((f) => [f, summary.map((row) => delta(row[f], summary[b][f]))])) as Comparison['summaryDeltas'];

  const metrics: MetricComparison[] = [];
  for (const scope of scopes) {
    const perRunMaps = values.get(scope)!;
    const names = [...new Set(perRunMaps.flatMap((m) => [...m.keys()]))].filter((n) => !wanted || wanted.has(n)).sort();
    for (const name of names) {
      const perRun = perRunMaps.map((m) => (m.has(name) ? reduceSeries(m.get(name)!, { name, lastN: opts.lastN }) : null));
      const base = perRun[b];
      metrics.push({
        scope,
        name,
        perRun,
        lastDelta: perRun.map((p) => delta(p?.last ?? null, base?.last ?? null)),
        bestDelta: perRun.map((p) => delta(p?.best ?? null, base?.best ?? null)),
      });
    }
  }
  return { runIds: ids, baselineId, runs, summary, summaryDeltas, metrics, config: configDiff(runs.map((r) => r.config), { all: opts.allConfig }) };
}

/** Runs as CSV rows, each with the last value of every compared metric as `final.<scope>.<name>`. */
export function comparisonCsv(c: Comparison): string {
  return runsToCsv(c.runs.map((run, i) => ({ run, finals: Object.fromEntries(c.metrics.map((m) => [`${m.scope}.${m.name}`, m.perRun[i]?.last ?? null])) })));
}

export const SUMMARY_LABELS: Record<SummaryNumber, string> = {
  params: 'params',
  nonzeroParams: 'nonzero params',
  float32Bytes: 'float32 bytes',
  storedBytes: 'stored bytes',
  micronetStorageFp32: 'MicroNet storage (32-bit params)',
  micronetOps: 'MicroNet ops',
  micronetScore: 'MicroNet score',
  latencyB1Ms: 'ms/image (batch 1)',
  latencyB64Ms: 'ms/image (batch 64)',
  testAccuracy: 'test accuracy',
  testNll: 'test NLL',
  activeDims: 'active dims',
  imagesPerSecond: 'images/s',
  durationS: 'duration (s)',
};

/**
 * The comparison as an HTML report (report/html.ts): summary table (fields
 * no run has are left out), deltas to the baseline, metric reducers, config
 * diff, and, when given, metric charts (Store.metricsForCompare) and an
 * accuracy-against-stored-bytes scatter with its Pareto front.
 */
export function comparisonReport(c: Comparison, opts: { title?: string; series?: CompareSeries[]; generatedAt?: string } = {}): Report {
  const label = (i: number) => (c.runs[i] ? (c.runs[i].name ?? c.runs[i].id) : '?');
  const fields = SUMMARY_NUMBERS.filter((f) => c.summary.some((r) => r[f] !== null));
  const blocks: ReportBlock[] = [
    {
      type: 'table',
      columns: ['run', 'kind', 'model', 'dataset', 'status', ...fields.map((f) => SUMMARY_LABELS[f])],
      rows: c.summary.map((r, i) => [label(i), r.kind, r.model, r.dataset, r.status, ...fields.map((f) => r[f])]),
    },
  ];
  if (c.runs.length > 1) {
    blocks.push({
      type: 'table',
      caption: `Difference to ${label(c.runIds.indexOf(c.baselineId))}`,
      columns: ['run', ...fields.map((f) => SUMMARY_LABELS[f])],
      rows: c.runIds.map((id, i) => [label(i), ...fields.map((f) => c.summaryDeltas[f][i])]),
    });
  }
  const sections: Report['sections'] = [{ heading: 'Runs', blocks }];
  const acc = c.summary.map((r) => [r.testAccuracy, r.storedBytes] as const);
  if (acc.filter(([a, s]) => a !== null && s !== null).length >= 2) {
    const front = new Set(paretoFront(acc, ['max', 'min']));
    sections.push({
      heading: 'Accuracy against size',
      blocks: [
        {
          type: 'scatter',
          title: 'Test accuracy against stored bytes (Pareto front highlighted)',
          xLabel: 'stored bytes',
          yLabel: 'test accuracy',
          logX: true,
          points: acc.flatMap(([a, s], i) => (a !== null && s !== null ? [{ label: label(i), x: s, y: a, highlight: front.has(i) }] : [])),
        },
      ],
    });
  }
  if (c.metrics.length) {
    sections.push({
      heading: 'Metrics',
      blocks: [
        {
          type: 'table',
          columns: ['metric', 'scope', ...c.runIds.map((_, i) => `${label(i)} last`), ...c.runIds.map((_, i) => `${label(i)} best`)],
          rows: c.metrics.map((m) => [m.name, m.scope, ...m.perRun.map((p) => p?.last ?? null), ...m.perRun.map((p) => p?.best ?? null)]),
        },
      ],
    });
  }
  if (opts.series?.length) {
    const byName = new Map<string, CompareSeries[]>();
    for (const s of opts.series) byName.set(`${s.scope}:${s.name}`, [...(byName.get(`${s.scope}:${s.name}`) ?? []), s]);
    sections.push({
      heading: 'Curves',
      blocks: [...byName.values()].map((ss) => ({
        type: 'line' as const,
        title: `${ss[0].name} (${ss[0].scope})`,
        xLabel: ss[0].xAxis === 'time' ? 'seconds' : ss[0].xAxis,
        yLabel: ss[0].name,
        series: ss.map((s) => ({ name: c.runIds.includes(s.runId) ? label(c.runIds.indexOf(s.runId)) : s.runId, x: s.x, y: s.y })),
      })),
    });
  }
  if (c.config.length) {
    sections.push({
      heading: 'Config differences',
      blocks: [{ type: 'table', columns: ['key', ...c.runIds.map((_, i) => label(i))], rows: c.config.map((r) => [r.key, ...r.values.map((v) => (v === undefined ? null : v))]) }],
    });
  }
  return { title: opts.title ?? `Comparison of ${c.runs.length} run${c.runs.length === 1 ? '' : 's'}`, generatedAt: opts.generatedAt, sections };
}

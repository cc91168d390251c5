import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SizeCard } from '../contract/api.js';
import type { JobConfig, JobEvent } from '../contract/jobs.js';
import { Store } from '../db/store.js';
import { renderHtmlReport } from '../report/html.js';
import { compareRuns, comparisonCsv, comparisonReport } from './compare.js';

const train = { kind: 'train', model: 'student', dataset: 'mnist', epochs: 3, batchSize: 64, learningRate: 0.001, seed: 1, dataParallel: false } as const;
const m = (scope: 'epoch' | 'final' | 'batch', step: number, name: string, value: number): JobEvent => ({ type: 'metric', scope, step, epoch: step, name, value, t: step });
const card = (storedBytes: number, params: number): SizeCard => ({
  params, nonzeroParams: params, float32Bytes: params * 4, storedBytes,
  micronetStorageFp32: params, micronetStorageFp16: params, micronetOpsMult: 100, micronetOpsAdd: 90, micronetScore: 0.5,
  latencyB1Ms: 1, latencyB64Ms: 0.1, latencyBackend: 'cpu', latencyMeasuredAt: 't', latencyLater: false,
});

function fixture() {
  const store = new Store(mkdtempSync(join(tmpdir(), 'distillery-compare-')));
  const a = store.createRun({ config: train as JobConfig, name: 'A' });
  const b = store.createRun({ config: { ...train, learningRate: 0.01, epochs: 2 } as JobConfig, name: 'B' });
  const c = store.createRun({ config: { ...train, seed: 2 } as JobConfig });
  store.applyEvents(a.id, [m('epoch', 1, 'test_accuracy', 0.9), m('epoch', 2, 'test_accuracy', 0.95), m('epoch', 3, 'test_accuracy', 0.94), m('epoch', 1, 'test_loss', 0.4), m('epoch', 2, 'test_loss', 0.2), m('epoch', 3, 'test_loss', 0.3), m('batch', 1, 'loss', 9)], store.dataDir);
  store.applyEvents(b.id, [m('epoch', 1, 'test_accuracy', 0.8), m('epoch', 2, 'test_accuracy', 0.85), m('epoch', 1, 'test_loss', 0.5), m('epoch', 2, 'test_loss', 0.45), m('final', 0, 'sparsity/FC1', 0.5)], store.dataDir);
  for (const r of [a, b]) store.markRunning(r.id, process.pid); // c fails before it starts: no duration
  store.finishRun(a.id, 'completed', { summary: { test_accuracy: 0.94, images_per_second: 1000 } });
  store.finishRun(b.id, 'completed', { summary: { test_accuracy: 0.85, images_per_second: 1500, test_nll: 80.5, active_dims: 7 } });
  store.finishRun(c.id, 'failed', { error: 'boom' });
  const times = store.db.prepare(`UPDATE runs SET started_at=?, finished_at=? WHERE id=?`);
  times.run('2026-01-01T00:00:00.000Z', '2026-01-01T00:01:40.000Z', a.id); // 100 s
  times.run('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:30.500Z', b.id); // 30.5 s
  store.setSizeCard(a.id, card(4000, 1000));
  store.setSizeCard(b.id, card(1000, 500));
  return { store, a: a.id, b: b.id, c: c.id };
}

test('summary rows, reducers, deltas against the baseline and the config diff', () => {
  const { store, a, b, c } = fixture();
  const cmp = compareRuns(store, [a, b, c], { baseline: b, lastN: 2 });
  assert.equal(cmp.baselineId, b);
  assert.deepEqual(cmp.summary.map((r) => [r.name, r.kind, r.status, r.testAccuracy, r.testNll, r.activeDims, r.imagesPerSecond, r.durationS, r.storedBytes, r.params, r.micronetOps]), [
    ['A', 'train', 'completed', 0.94, null, null, 1000, 100, 4000, 1000, 190],
    ['B', 'train', 'completed', 0.85, 80.5, 7, 1500, 30.5, 1000, 500, 190],
    [null, 'train', 'failed', null, null, null, null, null, null, null, null],
  ]);
  // Deltas to B.
  assert.deepEqual(cmp.summaryDeltas.storedBytes, [3000, 0, null]);
  assert.deepEqual(cmp.summaryDeltas.durationS, [69.5, 0, null]);
  assert.ok(Math.abs(cmp.summaryDeltas.testAccuracy[0]! - 0.09) < 1e-12);
  // Metrics: epoch ones sorted by name, then final; batch left out by default.
  assert.deepEqual(cmp.metrics.map((x) => `${x.scope}:${x.name}`), ['epoch:test_accuracy', 'epoch:test_loss', 'final:sparsity/FC1']);
  const acc = cmp.metrics[0];
  assert.deepEqual(acc.perRun[0], { count: 3, last: 0.94, best: 0.95, min: 0.9, max: 0.95, meanLast: (0.95 + 0.94) / 2, direction: 'max' });
  assert.equal(acc.perRun[2], null);
  assert.ok(Math.abs(acc.bestDelta[0]! - (0.95 - 0.85)) < 1e-12);
  const loss = cmp.metrics[1];
  assert.deepEqual([loss.perRun[0]!.best, loss.perRun[1]!.best], [0.2, 0.45]);
  assert.deepEqual(cmp.metrics[2].perRun.map((p) => p?.last ?? null), [null, 0.5, null]);
  // Config: epochs, learningRate and seed differ.
  assert.deepEqual(cmp.config.map((r) => [r.key, r.values]), [
    ['epochs', [3, 2, 3]],
    ['learningRate', [0.001, 0.01, 0.001]],
    ['seed', [1, 1, 2]],
  ]);
  // Filters: only one metric, batch scope included.
  const only = compareRuns(store, [a], { metrics: ['loss'], scopes: ['batch'] });
  assert.deepEqual(only.metrics.map((x) => [x.name, x.perRun[0]!.last]), [['loss', 9]]);
  assert.throws(() => compareRuns(store, ['ffff']), /no run with id/);
  assert.throws(() => compareRuns(store, [a], { baseline: b }), /not among/);
  store.close();
});

test('CSV and HTML report of a comparison', () => {
  const { store, a, b, c } = fixture();
  const cmp = compareRuns(store, [a, b, c]);
  const csv = comparisonCsv(cmp);
  const lines = csv.trimEnd().split('\r\n');
  assert.equal(lines.length, 4);
  const head = lines[0].split(',');
  const col = (name: string) => head.indexOf(name);
  assert.ok(col('size.storedBytes') > 0 && col('final.epoch.test_accuracy') > 0 && col('config.learningRate') > 0);
  assert.equal(lines[2].split(',')[col('final.epoch.test_accuracy')], '0.85');
  assert.equal(lines[2].split(',')[col('config.learningRate')], '0.01');
  const series = store.metricsForCompare([a, b], ['test_accuracy'], { scope: 'epoch' });
  const html = renderHtmlReport(comparisonReport(cmp, { series, title: 'A vs B' }));
  for (const h of ['Runs', 'Accuracy against size', 'Metrics', 'Curves', 'Config differences']) assert.ok(html.includes(`<h2>${h}</h2>`), h);
  assert.equal((html.match(/<svg /g) ?? []).length, 2);
  assert.ok(!/https?:\/\//.test(html));
  store.close();
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Run } from '../api.js';
import type { SizeCard } from '../jobs.js';
import { lineageRoot, makeScale, metricDirection, tickLabel, tradeoffs, yMetrics } from './tradeoffs.js';

const card = (storedBytes: number, extra: Partial<SizeCard> = {}): SizeCard => ({
  params: storedBytes / 4, nonzeroParams: storedBytes / 4, float32Bytes: storedBytes, storedBytes,
  micronetStorageFp32: null, micronetStorageFp16: null, micronetOpsMult: 10, micronetOpsAdd: 5, micronetScore: storedBytes / 1e6,
  latencyB1Ms: null, latencyB64Ms: null, latencyBackend: null, latencyMeasuredAt: null, latencyLater: false, ...extra,
});

function run(id: string, kind: string, acc: number | null, bytes: number | null, more: Partial<Run> = {}): Run {
  return {
    id, kind, status: 'completed', name: null, dataset: 'mnist', model: 'student', config: {}, seed: 1, backend: null, device: null, backendVersion: null,
    createdAt: '', startedAt: null, finishedAt: null, error: null, summary: acc === null ? {} : { test_accuracy: acc, test_loss: 1 - acc }, tags: [], note: '',
    parents: [], children: [], ...(bytes === null ? {} : { sizeCard: card(bytes) }), ...more,
  };
}

// teacher ─teacher→ student; student ─source→ pruned ─source→ score (no card) ; pruned ─source→ finetuned
const runs: Run[] = [
  run('t1', 'train', 0.99, 4000, { model: 'teacher' }),
  run('s1', 'distill', 0.97, 1000, { parents: [{ id: 't1', role: 'teacher' }], tags: ['kd'] }),
  run('a1', 'train', 0.95, 1000), // dominated by s1 (same size, less accurate)
  run('p1', 'prune', 0.9, 500, { parents: [{ id: 's1', role: 'source' }] }),
  run('p2', 'prune', 0.9, 500, { parents: [{ id: 's1', role: 'source' }] }), // exact duplicate of p1: both on the front
  run('q1', 'quantize', 0.85, 800, { parents: [{ id: 'p1', role: 'source' }] }), // dominated by p1
  run('sc', 'score', 0.9, null, { parents: [{ id: 'p1', role: 'source' }] }), // leaves nothing: not a point
  run('f1', 'finetune', 0.92, null, { parents: [{ id: 'p1', role: 'source' }] }), // no size card yet: missing
  run('v1', 'vae', null, null),
  run('r1', 'train', 0.5, 100, { status: 'failed' }),
  run('c1', 'train', 0.8, 200, { dataset: 'cifar' }),
];

test('front: accuracy up, bytes down, ties and duplicates kept', () => {
  const t = tradeoffs(runs, { x: 'storedBytes', y: 'test_accuracy' });
  assert.deepEqual(t.points.map((p) => p.id).sort(), ['a1', 'c1', 'p1', 'p2', 'q1', 's1', 't1']);
  assert.deepEqual(t.front.map((p) => p.id), ['t1', 's1', 'p1', 'p2', 'c1']);
  assert.equal(t.missing, 1);
});

test('filters: dataset, kind, tag, lineage root', () => {
  const ids = (f: object) => tradeoffs(runs, { x: 'storedBytes', y: 'test_accuracy', filter: f }).points.map((p) => p.id).sort();
  assert.deepEqual(ids({ dataset: 'cifar' }), ['c1']);
  assert.deepEqual(ids({ kind: 'prune' }), ['p1', 'p2']);
  assert.deepEqual(ids({ tag: 'kd' }), ['s1']);
  assert.deepEqual(ids({ root: 't1' }), ['p1', 'p2', 'q1', 's1', 't1']);
  const byId = new Map(runs.map((r) => [r.id, r]));
  assert.equal(lineageRoot(byId.get('q1')!, byId), 't1');
  assert.equal(lineageRoot(byId.get('a1')!, byId), 'a1');
});

test('lineage arrows join plotted runs, skipping unplotted ones in between', () => {
  const t = tradeoffs(runs, { x: 'storedBytes', y: 'test_accuracy' });
  assert.deepEqual(
    t.edges.map((e) => `${e.from}>${e.to}:${e.role}`).sort(),
    ['p1>q1:source', 's1>p1:source', 's1>p2:source', 't1>s1:teacher'],
  );
  // g1 was fine-tuned from f1, which has no size card (not plotted): its arrow comes from f1's source p1.
  const g = tradeoffs([...runs, run('g1', 'finetune', 0.93, 500, { parents: [{ id: 'f1', role: 'source' }] })], { x: 'storedBytes', y: 'test_accuracy' });
  assert.ok(g.edges.some((e) => e.from === 'p1' && e.to === 'g1'));
  assert.deepEqual(g.front.map((p) => p.id), ['t1', 's1', 'g1', 'c1']);
  const noPrune = tradeoffs(
    runs.filter((r) => r.kind !== 'prune'),
    { x: 'storedBytes', y: 'test_accuracy' },
  );
  assert.deepEqual(noPrune.edges.map((e) => `${e.from}>${e.to}`).sort(), ['t1>s1']); // p1 is gone from the runs entirely: no ancestor known
});

test('other axes: a loss is minimized, math ops sum mult and add', () => {
  assert.equal(metricDirection('test_accuracy'), 'max');
  assert.equal(metricDirection('test_loss'), 'min');
  const t = tradeoffs(runs, { x: 'mathOps', y: 'test_loss' });
  assert.ok(t.points.every((p) => p.x === 15));
  // Same x everywhere: the lowest loss (highest accuracy) alone is on the front.
  assert.deepEqual(t.front.map((p) => p.id), ['t1']);
  assert.deepEqual(yMetrics(runs).slice(0, 2), ['test_accuracy', 'test_loss']);
});

test('scales: log ticks at powers of ten, linear ticks round, labels short', () => {
  const log = makeScale([100, 100000], [0, 300], true);
  assert.deepEqual(log.ticks, [100, 300, 1000, 3000, 10000, 30000, 100000]); // 3 decades: 1× and 3×
  assert.deepEqual(makeScale([1, 1e6], [0, 300], true).ticks, [1, 10, 100, 1000, 10000, 100000, 1000000]);
  assert.deepEqual(makeScale([30000, 90000], [0, 300], true).ticks, [30000, 40000, 50000, 60000, 70000, 80000, 90000]); // < 1 decade: linear steps
  assert.ok(log(100) < log(1000) && log(100000) < 300 && log(100) > 0);
  assert.ok(Math.abs(log(1000) - log(100) - (log(100000) - log(10000))) < 1e-9, 'equal decades are equal lengths');
  const lin = makeScale([0.1, 0.9], [300, 0], false);
  assert.deepEqual(lin.ticks, [0.2, 0.4, 0.6, 0.8]); // within the padded domain 0.052…0.948
  assert.ok(lin(0.9) < lin(0.1), 'the y range may run upwards');
  assert.equal(tickLabel(4799528), '4.8M');
  assert.equal(tickLabel(67114), '67.1k');
  assert.equal(tickLabel(0.5), '0.5');
});

test('a sweep grouped by setting: one point per setting at its seeds\' mean, with their std; others stay runs', () => {
  const member = (id: string, setting: number, seedIndex: number, acc: number, bytes: number) =>
    run(id, 'distill', acc, bytes, { sweep: { id: 'sw', setting, seedIndex }, parents: [{ id: 't1', role: 'teacher' }] });
  const all = [
    run('t1', 'train', 0.99, 4000, { model: 'teacher' }),
    member('m1', 0, 0, 0.9, 1000),
    member('m2', 0, 1, 0.94, 1000),
    member('m3', 1, 0, 0.97, 1000),
    member('m4', 1, 1, 0.95, 1000),
  ];
  const t = tradeoffs(all, { x: 'storedBytes', y: 'test_accuracy', groupSweeps: true });
  const g0 = t.points.find((p) => p.id === 'sw:0')!;
  const g1 = t.points.find((p) => p.id === 'sw:1')!;
  assert.deepEqual(t.points.map((p) => p.id).sort(), ['sw:0', 'sw:1', 't1']);
  // setting 0: 0.90, 0.94 → mean 0.92, std sqrt(2 × 0.02² / 1) = 0.028284…
  assert.ok(Math.abs(g0.y - 0.92) < 1e-12 && Math.abs(g0.group!.yStd - Math.sqrt(0.0008)) < 1e-12);
  assert.ok(Math.abs(g1.y - 0.96) < 1e-12 && Math.abs(g1.group!.yStd - Math.sqrt(0.0002)) < 1e-12);
  assert.equal(g0.x, 1000);
  assert.equal(g0.group!.xStd, 0);
  assert.deepEqual(g0.group!.runIds, ['m1', 'm2']);
  // setting 1 dominates setting 0 (same size, higher mean); the teacher is larger and better.
  assert.deepEqual(t.front.map((p) => p.id), ['t1', 'sw:1']);
  // Lineage arrows reach the groups.
  assert.deepEqual(t.edges.map((e) => `${e.from}→${e.to}`).sort(), ['t1→sw:0', 't1→sw:1']);
  assert.equal(t.missing, 0);
  // Only the sweep: the teacher is filtered out.
  assert.deepEqual(tradeoffs(all, { x: 'storedBytes', y: 'test_accuracy', groupSweeps: true, filter: { sweep: 'sw' } }).points.map((p) => p.id).sort(), ['sw:0', 'sw:1']);
  // Ungrouped: each seed its own point.
  assert.equal(tradeoffs(all, { x: 'storedBytes', y: 'test_accuracy' }).points.length, 5);
});

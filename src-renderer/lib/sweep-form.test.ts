import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Run } from '../../src-main/contract/api.js';
import { KINDS } from '../../src-main/contract/kinds/index.js';
import { formFields } from './config-form.js';
import { buildSweepConfig, countText, estimateSweep, fmtDuration, planSweep, variableFields } from './sweep-form.js';

const trainSchema = KINDS.train.schema;
const base = { kind: 'train', model: 'student', epochs: 1, learningRate: 0.001, batchSize: 64, trainLimit: 20000, seed: 42 };

test('the fields a sweep may vary: single values of the form, not the seed', () => {
  assert.deepEqual(
    variableFields(formFields(trainSchema)).map((f) => f.name),
    [
      'model', 'dataParallel', 'dataset', 'epochs', 'batchSize', 'learningRate', 'trainLimit', 'testLimit', 'backend', 'allowSoftwareGpu',
      // The trainer options every classifier kind takes.
      'optimizer', 'momentum', 'nesterov', 'lrSchedule', 'lrStepGamma', 'lrStepEpochs', 'lrDecay', 'weightDecay', 'maxNorm', 'inputDropout', 'jitter',
    ],
  );
});

test('the config sent leaves the varied fields out of the base, and takes samples only with a draw', () => {
  assert.deepEqual(buildSweepConfig(base, { vary: [{ field: 'learningRate', spec: ' 0.001,0.01 ' }], seeds: 3, samples: 10 }), {
    kind: 'sweep',
    base: { kind: 'train', model: 'student', epochs: 1, batchSize: 64, trainLimit: 20000, seed: 42 },
    vary: [{ field: 'learningRate', spec: '0.001,0.01' }],
    seeds: 3,
  });
  assert.deepEqual(buildSweepConfig(base, { vary: [{ field: 'learningRate', spec: 'loguniform:1e-4..1e-2' }], seeds: 2, samples: 5 }), {
    kind: 'sweep',
    base: { kind: 'train', model: 'student', epochs: 1, batchSize: 64, trainLimit: 20000, seed: 42 },
    vary: [{ field: 'learningRate', spec: 'loguniform:1e-4..1e-2' }],
    seeds: 2,
    samples: 5,
  });
});

test('2 × 2 settings × 2 seeds is 8 runs, each a config of the kind with its seed', () => {
  const config = buildSweepConfig(base, { vary: [{ field: 'learningRate', spec: '0.001,0.01' }, { field: 'batchSize', spec: '32,64' }], seeds: 2, samples: null });
  const plan = planSweep(config, trainSchema);
  assert.ok(plan.ok, !plan.ok ? plan.error : '');
  assert.equal(plan.settings.length, 4);
  assert.equal(plan.runs, 8);
  assert.equal(countText(plan.settings.length, 2, plan.runs), '4 settings × 2 seeds = 8 runs');
  assert.deepEqual(
    plan.members.map((m) => [m.learningRate, m.batchSize, m.seed]),
    [
      [0.001, 32, 42], [0.001, 32, 43], [0.001, 64, 42], [0.001, 64, 43],
      [0.01, 32, 42], [0.01, 32, 43], [0.01, 64, 42], [0.01, 64, 43],
    ],
  );
  // Defaults are filled in, as the service's parse fills them.
  assert.equal(plan.members[0].dataset, 'mnist');
  assert.equal(countText(1, 1, 1), '1 setting × 1 seed = 1 run');
});

test('a bad sweep is refused with the first problem, worded as the service words it', () => {
  const plan = (vary: { field: string; spec: string }[], seeds: number | null = 2, samples: number | null = null, b: Record<string, unknown> = base) => {
    const p = planSweep(buildSweepConfig(b, { vary, seeds, samples }), trainSchema);
    return p.ok ? 'ok' : p.error;
  };
  assert.equal(plan([{ field: 'learningRate', spec: '-1,0.1' }]), 'setting learningRate=-1: learningRate: must be greater than 0');
  assert.equal(plan([{ field: 'learningRate', spec: '0.1' }], 0), 'seeds: must be at least 1');
  assert.equal(plan([{ field: 'learningRate', spec: '0.1' }], null), 'seeds: give a number');
  assert.equal(plan([{ field: 'learningRate', spec: 'uniform:0.001..0.01' }]), 'samples: give a number');
  assert.equal(plan([{ field: 'learningRate', spec: 'uniform:0.001..0.01' }], 2, 4), 'ok');
  assert.equal(plan([{ field: 'batchSize', spec: 'lin:1..200:200' }], 3), 'vary: 200 settings × 3 seeds = 600 runs, more than the 500 a sweep may start; narrow it');
  assert.match(plan([{ field: 'learningRate', spec: '' }]), /^learningRate: give a list/);
  assert.equal(plan([{ field: 'epochs', spec: '1,2' }, { field: 'epochs', spec: '3' }]), 'vary: epochs is varied twice');
  // A required field is named once, unless the sweep gives it.
  const { model: _m, ...noModel } = base;
  assert.equal(plan([{ field: 'learningRate', spec: '0.1' }], 2, null, noModel), 'model: is required');
  assert.equal(plan([{ field: 'model', spec: 'student,lenet300' }], 2, null, noModel), 'ok');
});

const run = (id: string, over: Partial<Run> & { seconds: number }): Run => ({
  id,
  kind: 'train',
  status: 'completed',
  name: null,
  dataset: 'mnist',
  model: 'student',
  config: {},
  seed: 42,
  backend: 'cpu',
  device: null,
  backendVersion: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: new Date(Date.parse('2026-01-01T00:00:00.000Z') + over.seconds * 1000).toISOString(),
  error: null,
  summary: {},
  tags: [],
  note: '',
  parents: [],
  children: [],
  ...over,
});

test('the estimate scales the median earlier run by epochs and training images, spread over the runs at once', () => {
  const runs = [
    // Scaled to 1 epoch of 20,000 images: 60 s × ½ × 2 = 60 s, 120 s × ⅓ = 40 s, 90 s × ⅔ = 60 s → median 60 s.
    run('a', { seconds: 60, config: { epochs: 2, trainLimit: 10000 } }),
    run('b', { seconds: 120, config: { epochs: 1 } }),
    run('c', { seconds: 90, config: { epochs: 1, trainLimit: 30000 } }),
    // Not the reference: another model, another kind, a failed run, one still running.
    run('d', { seconds: 6000, model: 'teacher', config: { epochs: 1 } }),
    run('e', { seconds: 6000, kind: 'distill', config: { epochs: 1 } }),
    run('f', { seconds: 6000, status: 'failed', config: { epochs: 1 } }),
    run('g', { seconds: 0, status: 'running', finishedAt: null, config: { epochs: 1 } }),
  ];
  const members = Array.from({ length: 8 }, () => ({ kind: 'train', model: 'student', epochs: 1, trainLimit: 20000 }));
  assert.deepEqual(estimateSweep({ kind: 'train', members, runs, concurrency: 1 }), { ms: 8 * 60000, text: 'about 8 min at 1 at a time' });
  assert.deepEqual(estimateSweep({ kind: 'train', members, runs, concurrency: 2 }), { ms: 4 * 60000, text: 'about 4 min at 2 at a time' });
  // More at once than runs: as long as one run.
  assert.deepEqual(estimateSweep({ kind: 'train', members, runs, concurrency: 16 }), { ms: 60000, text: 'about 1 min at 16 at a time' });
  // A stored config without epochs takes the kind's default (10), and all 60,000 images: 180 s × 1/10 × ⅓ = 6 s.
  assert.equal(estimateSweep({ kind: 'train', members: members.slice(0, 1), runs: [run('h', { seconds: 180, config: {} })], concurrency: 1, defaultEpochs: 10 }).ms, 6000);
  assert.deepEqual(estimateSweep({ kind: 'train', members: [{ model: 'lenet5', epochs: 1 }], runs, concurrency: 1 }), { ms: null, text: 'no earlier train run to estimate from' });
});

test('a compression run is matched by its source run\'s model', () => {
  const runs = [run('src', { seconds: 1, model: 'teacher' }), run('p1', { seconds: 30, kind: 'prune', model: 'teacher' }), run('p2', { seconds: 999, kind: 'prune', model: 'student' })];
  assert.equal(estimateSweep({ kind: 'prune', members: [{ kind: 'prune', sourceRunId: 'src' }], runs, concurrency: 1 }).ms, 30000);
});

test('durations read as an estimate', () => {
  assert.equal(fmtDuration(20000), 'under a minute');
  assert.equal(fmtDuration(12 * 60000 + 20000), 'about 12 min');
  assert.equal(fmtDuration(150 * 60000), 'about 2.5 h');
  assert.equal(fmtDuration(72 * 3600000), 'about 3 days');
});

// Sweep expansion: lists, lin/log ranges and seeded draws, their counts and
// bounds, and the refusals. Expected values are written out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsOf } from '../fields.js';
import { KINDS } from '../kinds/index.js';
import { checkRunCount, expandSettings, MAX_SWEEP_RUNS, parseVarySpec, seededRandom, settingLabel } from './spec.js';

const distill = fieldsOf(KINDS.distill.schema);
const train = fieldsOf(KINDS.train.schema);

test('specs parse: list, lin, log, uniform, loguniform', () => {
  assert.deepEqual(parseVarySpec('1,2,4,8'), { type: 'list', values: ['1', '2', '4', '8'] });
  assert.deepEqual(parseVarySpec('lin:0.1..0.9:5'), { type: 'lin', from: 0.1, to: 0.9, points: 5 });
  assert.deepEqual(parseVarySpec('log:1e-4..1e-2:3'), { type: 'log', from: 1e-4, to: 1e-2, points: 3 });
  assert.deepEqual(parseVarySpec('uniform:0.1..0.9'), { type: 'uniform', from: 0.1, to: 0.9 });
  assert.deepEqual(parseVarySpec(' loguniform:1e-4..1e-2 '), { type: 'loguniform', from: 1e-4, to: 1e-2 });
});

test('bad specs are refused naming the field and the problem', () => {
  const bad: [string, RegExp][] = [
    ['', /give a list/],
    ["lin:0.1..0.9", /number of points/],
    ['lin:0.1..x:3', /numbers A and B/],
    ['log:0..1:3', /greater than 0/],
    ['uniform:0.9..0.1', /lower bound must be below/],
    ['loguniform:0..1', /greater than 0/],
    ['grid:1..2', /unknown spec "grid:"/],
    ['1,,2', /empty item/],
    ['2,2', /repeats a value/],
    ['lin:1..2:1', /2 to 200 points/],
  ];
  for (const [spec, msg] of bad) assert.throws(() => parseVarySpec(spec, 'temperature'), (e: Error) => e.message.startsWith('temperature: ') && msg.test(e.message), spec);
});

test('a grid is the cross product of the lists and ranges, first field slowest', () => {
  const s = expandSettings({ vary: [{ field: 'temperature', spec: '1,2' }, { field: 'alpha', spec: 'lin:0..1:3' }], fields: distill, drawSeed: 42 });
  assert.deepEqual(s.map((x) => x.values), [
    { temperature: 1, alpha: 0 },
    { temperature: 1, alpha: 0.5 },
    { temperature: 1, alpha: 1 },
    { temperature: 2, alpha: 0 },
    { temperature: 2, alpha: 0.5 },
    { temperature: 2, alpha: 1 },
  ]);
  assert.deepEqual(s.map((x) => x.index), [0, 1, 2, 3, 4, 5]);
});

test('a log range spaces exponents evenly, ends exact', () => {
  const s = expandSettings({ vary: [{ field: 'learningRate', spec: 'log:1e-4..1e-2:5' }], fields: train, drawSeed: 1 });
  const v = s.map((x) => x.values.learningRate as number);
  const expected = [1e-4, 10 ** -3.5, 1e-3, 10 ** -2.5, 1e-2];
  assert.equal(v.length, 5);
  v.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) / expected[i] < 1e-9, `${x} vs ${expected[i]}`));
  assert.equal(v[0], 1e-4);
  assert.equal(v[4], 1e-2);
});

test('integer fields take rounded range points, each once', () => {
  const s = expandSettings({ vary: [{ field: 'batchSize', spec: 'log:16..512:6' }], fields: train, drawSeed: 1 });
  assert.deepEqual(s.map((x) => x.values.batchSize), [16, 32, 64, 128, 256, 512]);
  const dup = expandSettings({ vary: [{ field: 'epochs', spec: 'lin:1..2:4' }], fields: train, drawSeed: 1 });
  assert.deepEqual(dup.map((x) => x.values.epochs), [1, 2]); // 1, 1.33, 1.67, 2 round to 1, 1, 2, 2
});

test('random draws: in bounds, reproducible from the seed, different for another seed', () => {
  const go = (seed: number) => expandSettings({ vary: [{ field: 'learningRate', spec: 'loguniform:1e-4..1e-2' }, { field: 'temperature', spec: 'uniform:1..20' }], fields: distill, samples: 50, drawSeed: seed });
  const a = go(7);
  assert.equal(a.length, 50);
  for (const s of a) {
    const lr = s.values.learningRate as number;
    const t = s.values.temperature as number;
    assert.ok(lr >= 1e-4 && lr <= 1e-2, `lr ${lr}`);
    assert.ok(t >= 1 && t <= 20, `T ${t}`);
  }
  assert.deepEqual(go(7), a);
  assert.notDeepEqual(go(8), a);
  // Log-uniform: about half the draws below the geometric middle 1e-3.
  const below = a.filter((s) => (s.values.learningRate as number) < 1e-3).length;
  assert.ok(below > 10 && below < 40, `${below} of 50 below 1e-3`);
});

test('draws cross with the grid: 2 listed values × 3 samples = 6 settings', () => {
  const s = expandSettings({ vary: [{ field: 'temperature', spec: '2,4' }, { field: 'alpha', spec: 'uniform:0.1..0.9' }], fields: distill, samples: 3, drawSeed: 3 });
  assert.equal(s.length, 6);
  assert.deepEqual(s.map((x) => x.values.temperature), [2, 2, 2, 4, 4, 4]);
  // The same three draws for each listed value.
  assert.deepEqual(s.slice(0, 3).map((x) => x.values.alpha), s.slice(3).map((x) => x.values.alpha));
});

test('the generator is mulberry32: first outputs of seed 0 as computed by hand from its definition', () => {
  // mulberry32(0): a = 0x6d2b79f5; t = imul(a ^ a>>>15, a|1); t ^= t + imul(t ^ t>>>7, t|61); (t ^ t>>>14)>>>0 / 2^32
  let a = 0x6d2b79f5 >>> 0;
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const first = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  assert.equal(seededRandom(0)(), first);
  a = 0;
  assert.ok(first >= 0 && first < 1);
});

test('refusals: unknown field, the seed, a range on a text field, samples without draws and draws without samples, too many runs', () => {
  const err = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => re.test(e.message), String(re));
  err(() => expandSettings({ vary: [{ field: 'nope', spec: '1,2' }], fields: train, drawSeed: 1 }), /nope is not a field/);
  err(() => expandSettings({ vary: [{ field: 'seed', spec: '1,2' }], fields: train, drawSeed: 1 }), /number of seeds/);
  err(() => expandSettings({ vary: [{ field: 'model', spec: 'lin:1..2:2' }], fields: train, drawSeed: 1 }), /give a list/);
  err(() => expandSettings({ vary: [{ field: 'model', spec: 'student,giant' }], fields: train, drawSeed: 1 }), /"giant" is not one of/);
  err(() => expandSettings({ vary: [{ field: 'temperature', spec: '1,x' }], fields: distill, drawSeed: 1 }), /"x" is not a number/);
  err(() => expandSettings({ vary: [{ field: 'temperature', spec: 'uniform:1..2' }], fields: distill, drawSeed: 1 }), /^samples: .*needs the number of samples/);
  err(() => expandSettings({ vary: [{ field: 'temperature', spec: '1,2' }], fields: distill, samples: 3, drawSeed: 1 }), /^samples: only random draws/);
  err(() => expandSettings({ vary: [{ field: 'temperature', spec: '1,2' }, { field: 'temperature', spec: '3' }], fields: distill, drawSeed: 1 }), /varied twice/);
  err(() => expandSettings({ vary: [], fields: distill, drawSeed: 1 }), /at least one field/);
  assert.equal(checkRunCount(6, 3), 18);
  err(() => checkRunCount(MAX_SWEEP_RUNS, 2), /more than the 500/);
});

test('labels use the caller\'s names (CLI flags)', () => {
  assert.equal(settingLabel({ learningRate: 0.1 + 0.2, batchSize: 32 }, (f) => f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())), 'learning-rate=0.3, batch-size=32');
});

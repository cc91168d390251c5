import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_INPUTS } from './api.js';
import { describeZodError } from './jobs.js';

const ok = (m: keyof typeof API_INPUTS, v: unknown) => {
  const r = API_INPUTS[m].safeParse(v);
  assert.ok(r.success, `${m} should accept ${JSON.stringify(v)}: ${r.success ? '' : describeZodError(r.error)}`);
  return r.data;
};
const bad = (m: keyof typeof API_INPUTS, v: unknown, re: RegExp) => {
  const r = API_INPUTS[m].safeParse(v);
  assert.ok(!r.success, `${m} should refuse ${JSON.stringify(v)}`);
  assert.match(describeZodError(r.error), re);
};

test('startJob accepts the seed configs and fills defaults', () => {
  const d = ok('startJob', { config: { kind: 'distill', teacherRunId: 'abc123' } }) as { config: Record<string, unknown> };
  assert.equal(d.config.temperature, 4);
  assert.equal(d.config.alpha, 0.5);
  assert.equal(d.config.epochs, 10);
  assert.equal(d.config.batchSize, 64);
  ok('startJob', { config: { kind: 'train', model: 'teacher', trainLimit: 300 }, name: 'quick' });
});

test('startJob refuses bad payloads naming the field', () => {
  bad('startJob', { config: { kind: 'distill', teacherRunId: 'a', temperature: -2 } }, /config\.temperature: must be greater than 0/);
  bad('startJob', { config: { kind: 'distill', teacherRunId: 'a', alpha: 1.5 } }, /config\.alpha: must be in \[0, 1\]/);
  bad('startJob', { config: { kind: 'train', model: 'student', batchSize: 0 } }, /config\.batchSize: must be at least 1/);
  bad('startJob', { config: { kind: 'train', model: 'student', epochs: 2.5 } }, /config\.epochs/);
  bad('startJob', { config: { kind: 'resnet' } }, /config\.kind/);
  bad('startJob', { config: { kind: 'train', model: 'student' }, extra: 1 }, /extra|Unrecognized/i);
});

test('run ids, tags, soften and settings are checked', () => {
  ok('getRun', { id: 'deadbeef' });
  bad('getRun', { id: '../etc/passwd' }, /id: must be a run id/);
  bad('deleteRuns', { ids: [] }, /ids: select at least one run/);
  bad('updateRun', { id: 'ab', tags: [' '] }, /tags\.0: a tag cannot be empty/);
  bad('soften', { id: 'ab', image: -1, temperature: 4 }, /image: must be 0 or more/);
  bad('soften', { id: 'ab', image: 0, temperature: 0 }, /temperature: must be greater than 0/);
  bad('setSettings', { concurrency: 0 }, /concurrency: must be at least 1/);
  bad('startRecipe', { recipe: 'kd2' }, /recipe/);
  bad('startRecipe', { recipe: 'kd', options: [] }, /options/);
  assert.deepEqual((ok('startRecipe', { recipe: 'kd' }) as { options: object }).options, {});
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobEvent } from '../contract/jobs.js';
import { parseJobConfig } from '../contract/jobs.js';
import { Store } from './store.js';

test('a run opens with long batch series thinned to the budget: spikes, ends and other scopes kept; short runs whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-thin-'));
  const s = new Store(dir);
  try {
    const run = s.createRun({ config: parseJobConfig({ kind: 'train', model: 'student' }), parents: [] });
    const ev: JobEvent[] = [];
    const metric = (scope: 'batch' | 'epoch' | 'final', step: number, name: string, value: number): JobEvent => ({ type: 'metric', scope, step, epoch: 1 + Math.floor(step / 1000), name, value, t: step / 100 });
    for (let i = 0; i < 10_000; i++) ev.push(metric('batch', i, 'loss', i === 7_777 ? 50 : 1 / (1 + i)), metric('batch', i, 'accuracy', 0.5));
    for (let e = 1; e <= 10; e++) ev.push(metric('epoch', e, 'test_accuracy', e / 10));
    ev.push(metric('final', 0, 'test_accuracy', 0.99));
    s.applyEvents(run.id, ev, dir);

    const out = s.metricsThinned(run.id, 100);
    const loss = out.filter((m) => m.name === 'loss' && m.scope === 'batch');
    assert.ok(loss.length <= 400 && loss.length >= 100, `${loss.length} points`);
    assert.ok(loss.some((m) => m.step === 7_777 && m.value === 50 && m.epoch === 8 && m.t === 77.77), 'the spike survives, with its epoch and time');
    assert.equal(loss[0].step, 0);
    assert.equal(loss.at(-1)!.step, 9_999);
    assert.ok(loss.every((m, i) => i === 0 || m.step > loss[i - 1].step), 'in step order');
    assert.equal(out.filter((m) => m.scope === 'epoch').length, 10);
    assert.equal(out.filter((m) => m.scope === 'final').length, 1);
    assert.equal(s.metricsThinned(run.id, 20_000).length, 20_011, 'within the budget: every row');
  } finally {
    s.close();
  }
});

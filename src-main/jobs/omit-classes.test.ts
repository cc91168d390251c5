// The distill kind's omitClasses: bad values are refused before any work,
// naming the field (and, on the command line, the flag). The job itself runs
// in the hinton-mnist quick reproduction (service/reproduce.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../service/service.js';
import { flagFor } from '../contract/kinds/index.js';
import { withFlagNames } from '../cli/schema-options.js';
import { AppError } from '../contract/errors.js';

const svc = new Service(mkdtempSync(join(tmpdir(), 'distillery-omit-')));

test('bad omitClasses (and the fields that need it) are refused before work, naming the field', () => {
  const before = svc.listRuns().length;
  const base = { kind: 'distill', model: 'student', teacherRunId: 'x' };
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ omitClasses: [3, 10] }, 'omitClasses', /omitClasses: 10 is not a class label: the labels are the integers 0–9/],
    [{ omitClasses: [-1, 2.5] }, 'omitClasses', /omitClasses: -1, 2\.5 are not class labels/],
    [{ omitClasses: [3, 3] }, 'omitClasses', /omitClasses: names a class twice/],
    [{ omitClasses: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }, 'omitClasses', /omitClasses: cannot omit every class/],
    [{ omitClasses: '3' }, 'omitClasses', /omitClasses/],
    [{ biasHoldout: 100 }, 'biasHoldout', /biasHoldout: needs omitClasses/],
    [{ compareBiasOffset: 3.5 }, 'compareBiasOffset', /compareBiasOffset: needs omitClasses/],
  ];
  for (const [extra, field, re] of cases) {
    assert.throws(() => svc.prepare({ ...base, ...extra }), (e: unknown) => {
      assert.ok(e instanceof AppError, String(e));
      assert.match(e.message, re);
      assert.equal(e.field, field, e.message);
      return true;
    });
  }
  assert.equal(svc.listRuns().length, before, 'no run was recorded');
  let error: unknown;
  try {
    svc.prepare({ ...base, omitClasses: [11] });
  } catch (e) {
    error = withFlagNames(e, (f) => flagFor('distill', f));
  }
  assert.match((error as Error).message, /--omit-classes: 11 is not a class label/);
});

// Sweeps in Chromium (serve mode), on a fresh workspace: a 2 × 2 sweep with 2
// seeds of the student on a small slice, started from New experiment, makes
// 8 runs; the table's 4 rows show the means the test computes from the runs'
// own results; brushing the parallel-coordinates chart filters the table.
// Then, at queue concurrency 1, a sweep cancelled while runs are still queued
// (checked) leaves none queued or running.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Store } from '../src-main/db/store.js';
import { ARTIFACTS, chromiumMissing, serveTarget, type Target } from './harness.js';

const why = chromiumMissing();

async function startSweepFromForm(page: Page, vary: [string, string][], seeds: number): Promise<string> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New experiment' }).click();
  await page.getByRole('radio', { name: 'Train', exact: true }).check({ force: true });
  await page.getByLabel('Model', { exact: true }).selectOption('student');
  await page.getByLabel('Epochs', { exact: true }).fill('1');
  await page.getByLabel('Training images', { exact: true }).fill('128');
  await page.getByLabel('Test images', { exact: true }).fill('64');
  await page.getByTestId('sweep-switch').check();
  for (let i = 0; i < vary.length; i++) {
    if (i > 0) await page.getByTestId('sweep-add').click();
    await page.getByTestId('sweep-field').nth(i).selectOption(vary[i][0]);
    await page.getByTestId('sweep-spec').nth(i).fill(vary[i][1]);
  }
  await page.getByTestId('sweep-seeds').fill(String(seeds));
  const runs = vary.reduce((n, [, spec]) => n * spec.split(',').length, seeds);
  await page.waitForFunction((n) => document.querySelector('[data-testid=sweep-count]')?.getAttribute('data-runs') === String(n), runs, { timeout: 10_000 });
  await page.getByRole('button', { name: new RegExp(`Start sweep \\(${runs} runs\\)`) }).click();
  await page.waitForURL(/#\/run\/[0-9a-f]+/, { timeout: 30_000 });
  return /#\/run\/([0-9a-f]+)/.exec(page.url())![1];
}

describe('sweeps in the workbench', { skip: why ? `skipped: ${why}` : false }, () => {
  let t: Target;
  before(async () => {
    t = await serveTarget();
  });
  after(async () => t?.close());

  test('a 2 × 2 sweep with 2 seeds starts 8 runs; the table shows each setting\'s mean; the parallel-coordinates brush filters it', { timeout: 300_000 }, async () => {
    const { page } = t;
    const sweepId = await startSweepFromForm(page, [['learningRate', '0.001,0.01'], ['batchSize', '16,32']], 2);
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor({ timeout: 240_000 });
    const store = new Store(t.dataDir);
    let expected: Map<string, number>;
    try {
      const members = store.sweepMembers(sweepId);
      assert.equal(members.length, 8, 'eight runs');
      assert.ok(members.every((m) => m.status === 'completed'));
      // Means computed here from each run's own result, grouped by its config.
      const groups = new Map<string, number[]>();
      for (const m of members) {
        const key = `${m.config.learningRate}|${m.config.batchSize}`;
        groups.set(key, [...(groups.get(key) ?? []), Number(m.summary.test_accuracy)]);
      }
      assert.equal(groups.size, 4);
      expected = new Map([...groups].map(([k, xs]) => [k, xs.reduce((a, b) => a + b, 0) / xs.length]));
    } finally {
      store.close();
    }
    const rows = page.getByTestId('sweep-row');
    // Every setting's two seeds shown as completed (the page reloads the statistics as runs end).
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=sweep-row]')].filter((r) => r.getAttribute('data-completed') === '2').length === 4, undefined, { timeout: 15_000 });
    assert.equal(await rows.count(), 4);
    for (let i = 0; i < 4; i++) {
      const row = rows.nth(i);
      const key = `${await row.locator('[data-field=learningRate]').textContent()}|${await row.locator('[data-field=batchSize]').textContent()}`;
      const shown = Number(await row.locator('[data-metric=test_accuracy]').getAttribute('data-mean'));
      assert.ok(expected.has(key), `row ${key} is a setting of the sweep`);
      assert.ok(Math.abs(shown - expected.get(key)!) < 1e-12, `${key}: shown mean ${shown}, computed ${expected.get(key)}`);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'serve-sweep-page.png'), fullPage: true });

    // Brush the top part of the learning-rate axis (its largest value, 0.01): two settings stay.
    const grab = page.locator('[data-testid=pc-grab][data-axis="field:learningRate"]');
    const box = (await grab.boundingBox())!;
    const x = box.x + box.width / 2;
    await page.mouse.move(x, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(x, box.y + box.height * 0.3, { steps: 5 });
    await page.mouse.up();
    await page.getByTestId('pc-brush').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=sweep-row]').length === 2);
    const lrs = await page.locator('[data-testid=sweep-row] [data-field=learningRate]').allTextContents();
    assert.deepEqual(lrs, ['0.01', '0.01'], 'only the brushed learning rate is left');
    assert.equal(await page.locator('[data-testid=pc-line][data-visible=true]').count(), 2);
    await page.screenshot({ path: join(ARTIFACTS, 'serve-sweep-brushed.png'), fullPage: true });
    await page.getByTestId('sweep-clear-brush').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=sweep-row]').length === 4);
  });

  test('with concurrency 1, cancelling a sweep while runs are still queued leaves none queued or running', { timeout: 180_000 }, async () => {
    const { page } = t;
    const sweepId = await startSweepFromForm(page, [['learningRate', '0.001,0.002,0.003']], 2);
    const store = new Store(t.dataDir);
    try {
      const statuses = store.sweepMembers(sweepId).map((m) => m.status);
      assert.equal(statuses.length, 6);
      assert.ok(statuses.filter((s) => s === 'queued').length >= 1, `at least one run still queued when cancelling (${statuses.join(', ')})`);
      await page.getByRole('button', { name: 'Cancel sweep' }).click();
      await page.getByTestId('run-status').filter({ hasText: 'cancelled' }).waitFor({ timeout: 60_000 });
      // The running run stops after its step; wait for its process to end.
      for (let i = 0; i < 300 && store.sweepMembers(sweepId).some((m) => m.status === 'queued' || m.status === 'running'); i++) await new Promise((r) => setTimeout(r, 100));
      const after = store.sweepMembers(sweepId).map((m) => m.status);
      assert.deepEqual(after.filter((s) => s === 'queued' || s === 'running'), [], `none queued or running (${after.join(', ')})`);
      assert.ok(after.filter((s) => s === 'cancelled').length >= 5, `the queued ones were withdrawn (${after.join(', ')})`);
    } finally {
      store.close();
    }
  });
});

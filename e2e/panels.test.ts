// The run view shows the panels that apply to a run's kind, on the shared
// fixture workspace: every run that leaves a classifier (trained, distilled,
// pruned, quantized, factorized, fine-tuned) gets the softened-probability
// panel; runs that leave something else do not.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Store } from '../src-main/db/store.js';
import { fixtureCopy } from './fixture.js';
import { ARTIFACTS, chromiumMissing, serveTarget, type Target } from './harness.js';

const CLASSIFIER_RUNS = ['teacher', 'student distilled', 'student alone', 'pruned', 'quantized', 'factorized', 'fine-tuned'];
const OTHER_RUNS = ['sensitivity', 'score', 'conv autoencoder', 'vae', 'dirvae'];

describe('run view panels by kind', { skip: chromiumMissing() ? `skipped: ${chromiumMissing()}` : false }, () => {
  let t: Target;
  let ids: Map<string, string>;
  before(async () => {
    const dir = await fixtureCopy();
    const store = new Store(dir);
    ids = new Map(store.listRuns().map((r) => [r.name ?? '', r.id]));
    store.close();
    t = await serveTarget(dir);
  });
  after(async () => t?.close());

  test('every run that leaves a classifier shows the softened probabilities; others do not', { timeout: 120_000 }, async () => {
    const { page } = t;
    for (const name of [...CLASSIFIER_RUNS, ...OTHER_RUNS]) {
      const id = ids.get(name);
      assert.ok(id, `fixture has a "${name}" run`);
      await page.goto(new URL(`/#/run/${id}`, t.url).href);
      await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor({ timeout: 15_000 });
      await page.locator('[data-panel=config]').waitFor();
      if (CLASSIFIER_RUNS.includes(name)) {
        await page.getByTestId('soft-run').waitFor({ timeout: 20_000 });
        const probs = (await page.getByTestId('soft-run').getAttribute('data-softened'))!.split(',').map(Number);
        assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-3, `${name}: softened probabilities sum to 1`);
      } else {
        assert.equal(await page.locator('[data-panel=soften]').count(), 0, `${name} (${id}) has no softened-probability panel`);
      }
    }
    await page.goto(new URL(`/#/run/${ids.get('quantized')}`, t.url).href);
    await page.getByTestId('soft-run').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'serve-10-quantized-run.png'), fullPage: true });
  });
});

// The Reproduce page in Chromium (serve mode), on a fresh workspace: "Run
// quick" on the seed's KD table starts the recipe's linked runs through the
// queue and ends in a report run whose published-vs-measured table shows the
// step runs' own accuracies; the page then lists the report.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REFERENCES } from '../src-main/contract/references.js';
import { REPRODUCTIONS } from '../src-main/contract/recipes/index.js';
import { Store } from '../src-main/db/store.js';
import { ARTIFACTS, chromiumMissing, serveTarget, type Target } from './harness.js';

const why = chromiumMissing();

describe('the Reproduce page', { skip: why ? `skipped: ${why}` : false }, () => {
  let t: Target;
  before(async () => {
    t = await serveTarget();
  });
  after(async () => t?.close());

  test('Run quick on seed-kd ends in a report whose measured numbers are the runs\' own', { timeout: 240_000 }, async () => {
    const { page } = t;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reproduce' }).click();
    const card = page.locator('[data-testid=reproduction][data-recipe=seed-kd]');
    await card.getByTestId('estimate').waitFor();
    assert.equal(await page.getByTestId('reproduction').count(), Object.keys(REPRODUCTIONS).length, 'one card per reproduction');
    await card.getByRole('button', { name: 'Run quick' }).click();
    await page.waitForURL(/#\/run\/[0-9a-f]+/, { timeout: 30_000 });
    // The report is the recipe's last step: wait for it in the database, then open it.
    let reportId: string | undefined;
    const store = new Store(t.dataDir);
    try {
      for (let i = 0; i < 2000 && !reportId; i++) {
        reportId = store.listRuns({ kind: 'report', status: 'completed' })[0]?.id;
        if (!reportId) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(reportId, 'the report run completed');
      const report = store.getRun(reportId)!;
      const accuracies = (report.config.stepRunIds as string[]).map((id) => store.getRun(id)!.summary.test_accuracy).filter((a): a is number => typeof a === 'number');
      assert.equal(accuracies.length, 3, 'teacher, distilled student, student alone');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reproduce' }).click();
      await page.locator(`[data-testid=report-runs] a[href="#/run/${reportId}"]`).click();
      const table = page.getByTestId('report-table');
      await table.waitFor({ timeout: 30_000 });
      assert.equal(await table.locator('tbody tr').count(), REFERENCES[REPRODUCTIONS['seed-kd'].reference].numbers.length, 'a row per published number');
      await page.getByTestId('smoke').waitFor();
      const measured = (await table.locator('tbody tr td:nth-child(4)').allTextContents()).map((s) => s.trim());
      // Each accuracy is shown as the report formats it: 4 significant digits (as a fraction, or as a percentage).
      const shown = (v: number) => [String(+v.toPrecision(4)), String(+(v * 100).toPrecision(4))];
      for (const a of accuracies) assert.ok(shown(a).some((x) => measured.includes(x)), `accuracy ${a} among the measured numbers (${measured.join(' | ')})`);
      await page.screenshot({ path: join(ARTIFACTS, 'serve-reproduce-report.png'), fullPage: true });
    } finally {
      store.close();
    }
  });
});

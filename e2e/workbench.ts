// The end-to-end bodies, shared by the serve-mode and Electron projects.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Service } from '../src-main/service/service.js';
import { ARTIFACTS, type Target } from './harness.js';

const shot = (t: Target, name: string) => t.page.screenshot({ path: join(ARTIFACTS, `${t.name}-${name}.png`), fullPage: true });

async function nav(page: Page, label: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
}

async function fill(page: Page, label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
}

async function waitStatus(page: Page, status: string, timeout = 120_000) {
  await page.getByTestId('run-status').filter({ hasText: status }).waitFor({ timeout });
}

/** Creates a small KD recipe from the form and follows it to the end. */
export async function kdRunFromForm(t: Target): Promise<void> {
  const { page } = t;
  await nav(page, 'Runs');
  await page.getByText('No runs yet.').waitFor();
  await shot(t, '01-runs-empty');
  await nav(page, 'New experiment');
  await page.getByRole('radio', { name: 'KD recipe' }).check({ force: true }); // styled radio: its label takes the click
  // The seed's defaults are filled in.
  assert.equal(await page.getByLabel('Epochs', { exact: true }).inputValue(), '10');
  assert.equal(await page.getByLabel('Batch size', { exact: true }).inputValue(), '64');
  assert.equal(await page.getByLabel('Temperature T', { exact: true }).inputValue(), '4');
  assert.equal(await page.getByLabel('Alpha', { exact: true }).inputValue(), '0.5');
  // Inline validation: a negative temperature is explained and blocks Start.
  await fill(page, 'Temperature T', '-1');
  await page.getByText('must be greater than 0').first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'Start' }).isDisabled(), true);
  await shot(t, '02-new-experiment-invalid');
  await fill(page, 'Temperature T', '4');
  await fill(page, 'Epochs', '1');
  await fill(page, 'Training images', '320');
  await fill(page, 'Test images', '200');
  await fill(page, 'Batch size', '32');
  await page.getByRole('button', { name: 'Start' }).click();

  // The teacher's run view: progress and curves update while it trains.
  await page.getByTestId('batch-chart').waitFor();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=batch-chart]')?.getAttribute('data-points')) >= 2, null, { timeout: 90_000 });
  const firstPoints = Number(await page.getByTestId('batch-chart').getAttribute('data-points'));
  await shot(t, '03-run-live');
  await waitStatus(page, 'completed');
  const finalPoints = Number(await page.getByTestId('batch-chart').getAttribute('data-points'));
  assert.ok(finalPoints >= firstPoints && finalPoints === 10, `batch curve has all 10 steps (had ${firstPoints} while live, ${finalPoints} at the end)`);
  assert.match((await page.getByTestId('test-accuracy').textContent()) ?? '', /^0\.\d{4}$/);

  // The two students follow through the queue; the table shows all three with accuracy.
  await nav(page, 'Runs');
  const table = page.getByTestId('runs-table');
  await page.waitForFunction(
    () => {
      const rows = [...document.querySelectorAll('[data-testid=runs-table] tbody tr')];
      return rows.length === 3 && rows.every((r) => r.querySelector('[data-col=status]')?.textContent?.includes('completed'));
    },
    null,
    { timeout: 180_000 },
  );
  const accs = await table.locator('tbody td[data-col=acc]').allTextContents();
  assert.equal(accs.length, 3);
  for (const a of accs) assert.match(a.trim(), /^0\.\d{4}$/);
  await shot(t, '04-runs-table');

  // Sorting by kind puts the distill run first.
  await table.getByRole('button', { name: 'Kind' }).click();
  assert.equal(await table.locator('tbody tr').first().locator('[data-col=kind]').textContent(), 'distill');

  // The distillation run: the temperature slider changes the softened chart.
  await table.locator('tbody tr').first().click();
  await page.getByTestId('soft-run').waitFor({ timeout: 30_000 });
  await page.getByTestId('soft-teacher').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=soft-run]')?.getAttribute('data-softened'));
  const before = await page.getByTestId('soft-run').getAttribute('data-softened');
  await page.getByLabel('Temperature').fill('12');
  await page.getByTestId('temp-value').filter({ hasText: '12' }).waitFor();
  await page.waitForFunction((b) => document.querySelector('[data-testid=soft-run]')?.getAttribute('data-softened') !== b, before, { timeout: 15_000 });
  const after = (await page.getByTestId('soft-run').getAttribute('data-softened'))!.split(',').map(Number);
  const beforeMax = Math.max(...before!.split(',').map(Number));
  assert.ok(Math.max(...after) < beforeMax, `T = 12 is flatter than T = 4 (${Math.max(...after)} vs ${beforeMax})`);
  await shot(t, '05-distill-softened');
}

/** Starts a longer run and cancels it from its run view. */
export async function cancelRun(t: Target): Promise<string> {
  const { page } = t;
  await nav(page, 'New experiment');
  await page.getByRole('radio', { name: 'Train', exact: true }).check({ force: true });
  await page.getByLabel('Model', { exact: true }).selectOption('student');
  await fill(page, 'Epochs', '200');
  await fill(page, 'Training images', '2000');
  await fill(page, 'Test images', '100');
  await page.getByRole('button', { name: 'Start' }).click();
  await waitStatus(page, 'running', 60_000);
  await page.getByTestId('progress-text').filter({ hasText: 'epoch' }).waitFor({ timeout: 60_000 });
  const id = /#\/run\/([0-9a-f]+)/.exec(page.url())![1];
  await page.getByRole('button', { name: 'Cancel' }).click();
  await waitStatus(page, 'cancelled', 30_000);
  await shot(t, '06-cancelled');
  return id;
}

/** After a reload the same state is shown: the last view, the same runs. */
export async function reloadKeepsState(t: Target, cancelledId: string): Promise<void> {
  const { page } = t;
  await page.reload();
  await waitStatus(page, 'cancelled', 15_000);
  assert.ok(page.url().includes(`/run/${cancelledId}`), `reload stays on the run view (${page.url()})`);
  await nav(page, 'Runs');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=runs-table] tbody tr').length === 4);
  assert.equal((await page.locator(`tr[data-run-id="${cancelledId}"] [data-col=status]`).textContent())?.trim(), 'cancelled');
}

/** A run written by another connection (as the CLI does) shows up without a reload. */
export async function externalRunAppears(t: Target): Promise<void> {
  const { page } = t;
  await nav(page, 'Runs');
  const before = await page.locator('[data-testid=runs-table] tbody tr').count();
  const other = new Service(t.dataDir);
  try {
    const run = await other.runJob({ kind: 'train', model: 'student', epochs: 1, trainLimit: 64, testLimit: 50 });
    await page.locator(`tr[data-run-id="${run.id}"]`).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('[data-testid=runs-table] tbody tr').count(), before + 1);
  } finally {
    other.close();
  }
}

/** A VAE run from the form shows its ELBO curves, pictures and latent usage. */
export async function vaeRunShowsPictures(t: Target): Promise<void> {
  const { page } = t;
  await nav(page, 'New experiment');
  await page.getByRole('radio', { name: 'VAE', exact: true }).check({ force: true });
  await fill(page, 'Latent size', '0');
  await page.getByText('must be at least 1').first().waitFor();
  await fill(page, 'Latent size', '2');
  await fill(page, 'Epochs', '1');
  await fill(page, 'Training images', '320');
  await fill(page, 'Test images', '100');
  await fill(page, 'Importance samples', '5');
  await fill(page, 'Log-likelihood images', '10');
  await page.getByRole('button', { name: 'Start' }).click();
  await waitStatus(page, 'completed', 120_000);
  await page.getByTestId('latent-usage').waitFor({ timeout: 15_000 });
  await page.locator('.pictures img').nth(3).waitFor({ timeout: 15_000 });
  const alts = await page.locator('.pictures img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0 && i.getAttribute('alt')));
  assert.ok(alts.every(Boolean), 'every picture loaded');
  assert.ok(alts.some((a) => /manifold/i.test(String(a))), `a manifold picture is shown (${alts.join(' | ')})`);
  const legend = await page.getByTestId('batch-chart').textContent();
  assert.match(legend ?? '', /elbo/);
  await shot(t, '07-vae');
}

/** A compression job from the form: prune the KD teacher, see the linked run complete. */
export async function pruneFromForm(t: Target): Promise<void> {
  const { page } = t;
  await nav(page, 'New experiment');
  await page.getByRole('radio', { name: 'Prune', exact: true }).check({ force: true });
  const source = await page.getByLabel('Source run').inputValue();
  assert.match(source, /^[0-9a-f]{8}$/);
  await fill(page, 'Sparsity', '1');
  await page.getByText('must be in [0, 1)').first().waitFor();
  await fill(page, 'Sparsity', '0.8');
  await fill(page, 'Fine-tuning epochs', '0');
  await fill(page, 'Training images', '320');
  await fill(page, 'Test images', '200');
  await page.getByRole('button', { name: 'Start' }).click();
  await waitStatus(page, 'completed', 120_000);
  assert.equal(await page.locator('dd a').first().textContent(), source, 'the pruned run links to its source');
  assert.match((await page.getByTestId('test-accuracy').textContent()) ?? '', /^0\.\d{4}$/);
  await shot(t, '08-pruned');
}

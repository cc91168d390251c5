// The compare view end to end (bodies for compare.test.ts): curves, tables,
// reducers, config diff, exports, the reconstruction comparer. Expected
// values are computed here from the database itself, not by the renderer's
// code.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { Store } from '../src-main/db/store.js';
import { ARTIFACTS, CHROMIUM, type Target } from './harness.js';

export const shot = async (t: Target, name: string, top = false) => {
  await t.page.setViewportSize({ width: 1280, height: 800 });
  if (top) await t.page.evaluate('window.scrollTo(0, 0); document.querySelectorAll(".scroll").forEach((e) => (e.scrollLeft = 0))');
  await t.page.screenshot({ path: join(ARTIFACTS, `${t.name}-compare-${name}.png`), fullPage: false });
};

/** Run ids of the fixture by name. */
export function runIdsByName(dir: string): Record<string, string> {
  const store = new Store(dir);
  try {
    return Object.fromEntries(store.listRuns().map((r) => [r.name ?? r.id, r.id]));
  } finally {
    store.close();
  }
}

// ---- Reconstruction data with known values --------------------------------

export const GRID_N = 10;
const SIZE = 28 * 28;
/** Original pixel k of grid image i. */
export const original = (i: number, k: number) => ((i + k) % 17) / 16;
/** Run A reconstructs every pixel at half its value; run B outputs 0.25 everywhere. */
export const reconA = (i: number, k: number) => original(i, k) * 0.5;
export const reconB = () => 0.25;

/** Drops a run's artifact of that name from the database (an older run that never saved it). */
export function forgetArtifact(dir: string, runId: string, name: string): void {
  const store = new Store(dir);
  try {
    store.db.prepare('DELETE FROM artifacts WHERE run_id = ? AND name = ?').run(runId, name);
  } finally {
    store.close();
  }
}

/** Writes a recon/grid.f32 by hand into a run's folder and registers it as its artifact, as a job would. */
export function writeReconData(dir: string, runId: string, recon: (i: number, k: number) => number): void {
  const data = new Float32Array(2 * GRID_N * SIZE);
  for (let i = 0; i < GRID_N; i++)
    for (let k = 0; k < SIZE; k++) {
      data[i * SIZE + k] = original(i, k);
      data[(GRID_N + i) * SIZE + k] = recon(i, k);
    }
  const buf = Buffer.from(data.buffer);
  const rel = `runs/${runId}/recon/grid.f32`;
  mkdirSync(join(dir, 'runs', runId, 'recon'), { recursive: true });
  writeFileSync(join(dir, rel), buf);
  forgetArtifact(dir, runId, 'recon/grid.f32'); // a fixture built by today's jobs has its own
  const store = new Store(dir);
  try {
    store.applyEvents(runId, [{ type: 'artifact', kind: 'data', name: 'recon/grid.f32', path: join(dir, rel), size: buf.length, sha256: createHash('sha256').update(buf).digest('hex'), meta: { n: GRID_N, rows: 28, cols: 28 } }], dir);
  } finally {
    store.close();
  }
}

// ---- Test-set predictions with known values ---------------------------------

export const PRED_N = 100;
export const label = (i: number) => (i * 3 + Math.floor(i / 10)) % 10;
/** Known predictions per fixture run: the teacher errs on every 7th image, the distilled student on every 3rd, the student alone says 0 on every 2nd. */
export const PREDICTORS: Record<string, (i: number) => number> = {
  teacher: (i) => (i % 7 === 0 ? (label(i) + 1) % 10 : label(i)),
  'student distilled': (i) => (i % 3 === 0 ? (label(i) + 2) % 10 : label(i)),
  'student alone': (i) => (i % 2 === 0 ? 0 : label(i)),
};

/** Writes a predictions.u8 (uint8 [2, n]: predictions, labels) into a run's folder and registers it, as a classifier job would. */
export function writePredictions(dir: string, runId: string, predict: (i: number) => number): void {
  const buf = Buffer.alloc(2 * PRED_N);
  for (let i = 0; i < PRED_N; i++) (buf[i] = predict(i)), (buf[PRED_N + i] = label(i));
  const rel = `runs/${runId}/predictions.u8`;
  mkdirSync(join(dir, 'runs', runId), { recursive: true });
  writeFileSync(join(dir, rel), buf);
  forgetArtifact(dir, runId, 'predictions.u8');
  const store = new Store(dir);
  try {
    store.applyEvents(runId, [{ type: 'artifact', kind: 'data', name: 'predictions.u8', path: join(dir, rel), size: buf.length, sha256: createHash('sha256').update(buf).digest('hex'), meta: { n: PRED_N, classes: 10 } }], dir);
  } finally {
    store.close();
  }
}

// ---- Independent expectations ---------------------------------------------

/** Dot paths of a JSON value's leaves (own implementation, not config-diff.ts). */
function leaves(v: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as object);
    if (entries.length === 0 && prefix) out.set(prefix, JSON.stringify(v));
    for (const [k, x] of entries) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (v !== undefined) out.set(prefix, JSON.stringify(v));
  return out;
}

export function differingKeys(configs: unknown[]): string[] {
  const flat = configs.map((c) => leaves(c));
  const keys = new Set(flat.flatMap((f) => [...f.keys()]));
  return [...keys].filter((k) => new Set(flat.map((f) => f.get(k) ?? 'missing')).size > 1).sort();
}

/** Batch values of one metric per run, straight from the database. */
function batchValues(dir: string, runId: string, name: string): number[] {
  const store = new Store(dir);
  try {
    return store.metrics(runId, 'batch').filter((m) => m.name === name).map((m) => m.value);
  } finally {
    store.close();
  }
}

// ---- Bodies -----------------------------------------------------------------

const attr = (page: Page, sel: string, name: string) => page.locator(sel).first().getAttribute(name);

/** Three classifier runs from the runs table's multi-select: curves, config diff, reducers, baseline, exports. */
export async function threeClassifiers(t: Target, ids: Record<string, string>): Promise<void> {
  const { page } = t;
  const names = ['teacher', 'student distilled', 'student alone'];
  const chosen = names.map((n) => ids[n]);
  await page.goto(`${t.url}#/`);
  for (const id of chosen) await page.locator(`tr[data-run-id="${id}"] input[type=checkbox]`).check();
  await page.getByRole('button', { name: 'Compare 3' }).click();
  await page.waitForURL(/#\/compare\?runs=/);
  const inUrl = new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('runs')!.split(',');
  assert.deepEqual([...inUrl].sort(), [...chosen].sort(), 'the URL names the three runs');

  // Three curves of the default metric (batch loss).
  await page.waitForSelector('[data-testid=compare-chart][data-drawn]');
  assert.equal(await attr(page, '[data-testid=compare-chart]', 'data-metric'), 'loss');
  assert.equal(await attr(page, '[data-testid=compare-chart]', 'data-series'), '3');
  // One hover shows every run's value.
  const box = (await page.locator('[data-testid=compare-chart] .u-over').first().boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.locator('[data-testid=hover-values] thead th').first().filter({ hasNotText: '(last)' }).waitFor();
  assert.equal((await page.locator('[data-testid=hover-values] tbody tr td:nth-child(2)').allTextContents()).filter((v) => /\d/.test(v)).length, 3, 'a value for every run');

  // Images seen on x: 4 steps of 64 images.
  assert.equal(await attr(page, '[data-testid=compare-chart]', 'data-xmax'), '4');
  await page.getByLabel('x axis').selectOption('images');
  await page.waitForSelector('[data-testid=compare-chart][data-xmax="256"][data-series="3"]');
  await page.getByLabel('x axis').selectOption('step');

  // Config diff: only differing keys, computed here from the stored configs.
  const store = new Store(t.dataDir);
  const configs = chosen.map((id) => store.getRun(id)!.config);
  store.close();
  const expected = differingKeys(configs);
  const shown = await page.locator('[data-testid=config-diff] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
  assert.deepEqual(shown, expected, 'only the differing config keys');
  await page.getByLabel('Show all config keys').check();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=config-diff] tbody tr').length > n, expected.length);
  await page.getByLabel('Show all config keys').uncheck();

  // Reducers on the batch loss: last, then best (= min for a loss), against the database.
  await page.getByLabel('Metrics scope').selectOption('batch');
  await page.waitForSelector('[data-testid=metrics-table] select[data-metric=loss]');
  const cell = (id: string) => page.locator(`[data-testid=metrics-table] tr[data-run-id="${id}"] td[data-metric=loss]`);
  for (const id of chosen) {
    const v = batchValues(t.dataDir, id, 'loss');
    assert.equal(Number(await cell(id).getAttribute('data-value')), v.at(-1));
  }
  await page.getByLabel('Reducer for loss').selectOption('best');
  for (const id of chosen) {
    const best = Math.min(...batchValues(t.dataDir, id, 'loss'));
    await page.waitForFunction(([id, best]) => Number(document.querySelector(`[data-testid=metrics-table] tr[data-run-id="${id}"] td[data-metric=loss]`)?.getAttribute('data-value')) === best, [id, best] as const);
    assert.equal((await cell(id).textContent())!.trim().split(/\s/)[0], best.toFixed(4));
  }

  // Pin the teacher: the students' rows show differences to it.
  await page.locator(`[data-testid=summary-table] tr[data-run-id="${ids.teacher}"] button.pin`).click();
  await page.locator(`[data-testid=summary-table] tr[data-run-id="${ids['student alone']}"] td[data-field=params] .delta`).waitFor();
  const params = await page.locator(`[data-testid=summary-table] tr[data-run-id="${ids.teacher}"] td[data-field=params]`).textContent();
  assert.match(params!.trim(), /^\d{1,3}(,\d{3})+$/, 'counts have thousands separators');

  // Distillation panel: the teacher and its student agree where both are right or make the same mistake.
  const agree = Array.from({ length: PRED_N }, (_, i) => PREDICTORS.teacher(i) === PREDICTORS['student distilled'](i)).filter(Boolean).length / PRED_N;
  await page.locator(`[data-testid=agreement] tr[data-run-id="${ids['student distilled']}"] td.num`).filter({ hasText: `${(agree * 100).toFixed(0)}%` }).waitFor({ timeout: 60_000 });

  // Per-class accuracy and confusion counts from the saved predictions.
  for (const name of names) {
    const id = ids[name];
    for (const k of [0, 3, 7]) {
      const of = Array.from({ length: PRED_N }, (_, i) => i).filter((i) => label(i) === k);
      const expectedAcc = of.filter((i) => PREDICTORS[name](i) === k).length / of.length;
      await page.locator(`[data-testid=class-accuracy] .bar[data-run-id="${id}"][data-class="${k}"]`).waitFor();
      assert.equal(Number(await attr(page, `[data-testid=class-accuracy] .bar[data-run-id="${id}"][data-class="${k}"]`, 'data-value')), expectedAcc, `${name}, digit ${k}`);
    }
    const count = Array.from({ length: PRED_N }, (_, i) => i).filter((i) => label(i) === 4 && PREDICTORS[name](i) === 0).length;
    assert.equal(Number(await attr(page, `[data-testid=confusion][data-run-id="${id}"] td[data-label="4"][data-predicted="0"]`, 'data-count')), count, `${name}: 4 taken for 0`);
  }
  await page.locator('[data-panel=classes]').scrollIntoViewIfNeeded();
  await shot(t, '01c-classes');
  await shot(t, '01-classifiers', true);
  await page.locator('[data-panel=distill]').scrollIntoViewIfNeeded();
  await shot(t, '01b-distill');

  // Each chart as PNG.
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'PNG' }).first().click()]);
  assert.equal(png.suggestedFilename(), 'loss.png');
  assert.equal(readFileSync((await png.path())!).subarray(0, 4).toString('hex'), '89504e47', 'a PNG file');

  // Exports: the CSV and the HTML report (opened from disk with the network off).
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const csvText = readFileSync((await csv.path())!, 'utf8');
  assert.equal(csvText.trim().split('\n').length, 4, 'a header and three runs');
  const [report] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export report' }).click()]);
  const reportPath = join(ARTIFACTS, 'compare-report.html');
  await report.saveAs(reportPath);
  await reportShowsCharts(reportPath);

  // Dark mode stays readable (looked at in the screenshot).
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(t, '02-classifiers-dark', true);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The exported report, opened from disk in a browser with no network, draws its charts. */
async function reportShowsCharts(path: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const ctx = await browser.newContext({ offline: true, viewport: { width: 1280, height: 800 } });
    const requests: string[] = [];
    ctx.on('request', (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && requests.push(r.url()));
    const page = await ctx.newPage();
    await page.goto(`file://${path}`);
    const charts = await page.locator('svg').count();
    assert.ok(charts >= 1, `the report has its charts (${charts} svg)`);
    await page.getByRole('heading', { name: 'Curves' }).waitFor();
    const lines = await page.locator('svg polyline').count();
    assert.ok(lines >= 3, `the loss chart has a line per run (${lines} polylines)`);
    const visible = await page.locator('svg').last().boundingBox();
    assert.ok(visible && visible.width > 100 && visible.height > 100, 'the chart is drawn at a readable size');
    assert.deepEqual(requests, [], 'the report needs no network');
    await page.screenshot({ path: join(ARTIFACTS, 'serve-compare-03-report.png') });
  } finally {
    await browser.close();
  }
}

/** Two latent runs with reconstruction data of known values and one without: rows, errors, difference map. */
export async function imageComparer(t: Target, a: string, b: string, without: string): Promise<void> {
  const { page } = t;
  await page.goto(`${t.url}#/compare?runs=${a},${b},${without}`);
  await page.locator('[data-testid=recon-grid]').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('[data-testid=recon-grid] [data-row=originals]').count(), GRID_N, 'the originals on top');
  for (const id of [a, b]) assert.equal(await page.locator(`[data-testid=recon-grid] [data-row="${id}"]`).count(), GRID_N, `a row for ${id}`);
  await page.locator(`[data-testid=recon-note][data-run-id="${without}"]`).waitFor();

  // Reconstruction errors: run A's image 2 against the originals.
  let mse = 0;
  for (let k = 0; k < SIZE; k++) mse += (original(2, k) - reconA(2, k)) ** 2;
  mse /= SIZE;
  const shownMse = Number(await page.locator(`[data-testid=recon-grid] [data-row="${a}"][data-img="2"]`).getAttribute('data-mse'));
  assert.ok(Math.abs(shownMse - mse) < 1e-6, `MSE ${shownMse} = ${mse}`);

  // The difference map of B against A: |0.25 − original/2| per pixel, on the heat scale.
  await page.getByLabel('Difference reference').selectOption(a);
  await page.waitForSelector(`[data-testid=diff-grid][data-reference="${a}"]`);
  const pixels = [
    [3, 5, 7],
    [0, 0, 0],
    [9, 27, 27],
    [4, 14, 3],
  ];
  for (const [i, r, c] of pixels) {
    const k = r * 28 + c;
    const v = Math.abs(Math.fround(reconB()) - Math.fround(reconA(i, k)));
    const got = await page.locator(`[data-testid=diff-grid] [data-row="${b}"][data-img="${i}"] canvas`).evaluate((cv, [x, y]) => [...(cv as HTMLCanvasElement).getContext('2d')!.getImageData(x, y, 1, 1).data], [c, r]);
    assert.deepEqual(got.slice(0, 3), [Math.round(255 * v), Math.round(255 * v * v), Math.round(255 * v * v * v)], `image ${i} pixel (${r}, ${c}): |diff| ${v}`);
  }
  await page.getByTestId('nll-table').waitFor();
  await page.locator('[data-testid=usage] .bars').first().waitFor();
  await page.locator('[data-panel=images]').scrollIntoViewIfNeeded();
  await shot(t, '04-images');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(t, '05-images-dark');
  await page.locator('[data-panel=vae]').scrollIntoViewIfNeeded();
  await shot(t, '06-vae-dark');
  await page.emulateMedia({ colorScheme: 'light' });
}

/** A run view's lineage opens the compare view of the run and its children. */
export async function fromLineage(t: Target, id: string, children: number): Promise<void> {
  const { page } = t;
  await page.goto(`${t.url}#/run/${id}`);
  await page.getByTestId('compare-children').click();
  await page.waitForURL(/#\/compare\?runs=/);
  await page.locator('[data-testid=compare-runs] a').nth(children).waitFor();
  assert.equal(await page.locator('[data-testid=compare-runs] a').count(), children + 1);
}

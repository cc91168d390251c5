// End-to-end bodies of the trade-off view and the compression panels.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { JobConfigSchema } from '../src-main/contract/kinds/index.js';
import type { SizeCard } from '../src-main/contract/jobs.js';
import { Store } from '../src-main/db/store.js';
import { ARTIFACTS, type Target } from './harness.js';

/** Screenshots at 1280×800, light then (with `dark`) dark. */
export async function shot(t: Target, name: string, dark = false): Promise<void> {
  await t.page.setViewportSize({ width: 1280, height: 800 });
  await t.page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
  await t.page.screenshot({ path: join(ARTIFACTS, `${t.name}-${name}${dark ? '-dark' : ''}.png`), fullPage: true });
  await t.page.emulateMedia({ colorScheme: 'light' });
}

export async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => (window.location.hash = h), hash);
}

const card = (storedBytes: number, params: number, score: number): SizeCard => ({
  params,
  nonzeroParams: params,
  float32Bytes: params * 4,
  storedBytes,
  micronetStorageFp32: params,
  micronetStorageFp16: params / 2,
  micronetOpsMult: params,
  micronetOpsAdd: params,
  micronetScore: score,
  // Latency present: the service does not try to time these model-less runs.
  latencyB1Ms: 0.5,
  latencyB64Ms: 0.05,
  latencyBackend: 'cpu',
  latencyMeasuredAt: null,
  latencyLater: false,
});

/** A hand-made workspace: runs whose accuracy and size the test chose, so the front is known. */
export interface HandMade {
  dir: string;
  ids: Record<string, string>;
  /** Names of the runs on the front (accuracy up, stored bytes down). */
  front: string[];
  /** Names of every run the plot must show. */
  plotted: string[];
  /** Lineage arrows as "from>to". */
  edges: string[];
}

export function handMadeWorkspace(): HandMade {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-e2e-tradeoffs-'));
  const store = new Store(dir);
  const ids: Record<string, string> = {};
  const add = (name: string, config: Record<string, unknown>, parents: { id: string; role: string }[], status: 'completed' | 'failed', acc: number | null, sc?: SizeCard) => {
    const r = store.createRun({ config: JobConfigSchema.parse(config), name, parents });
    store.finishRun(r.id, status, { summary: acc === null ? { params: 1 } : { test_accuracy: acc, test_loss: 1 - acc } });
    if (sc) store.setSizeCard(r.id, sc);
    ids[name] = r.id;
    return r.id;
  };
  try {
    const teacher = add('teacher', { kind: 'train', model: 'teacher' }, [], 'completed', 0.99, card(4_000_000, 1_000_000, 1));
    const distilled = add('distilled', { kind: 'distill', model: 'student', teacherRunId: teacher }, [{ id: teacher, role: 'teacher' }], 'completed', 0.97, card(400_000, 100_000, 0.1));
    const alone = add('alone', { kind: 'train', model: 'student' }, [], 'completed', 0.95, card(400_000, 100_000, 0.1)); // dominated by distilled (same size)
    const pruned = add('pruned', { kind: 'prune', sourceRunId: alone }, [{ id: alone, role: 'source' }], 'completed', 0.93, card(100_000, 100_000, 0.03));
    add('pruned twin', { kind: 'prune', sourceRunId: alone }, [{ id: alone, role: 'source' }], 'completed', 0.93, card(100_000, 100_000, 0.03)); // exact tie: on the front too
    add('quantized worse', { kind: 'quantize', sourceRunId: pruned }, [{ id: pruned, role: 'source' }], 'completed', 0.9, card(120_000, 100_000, 0.04)); // dominated by pruned
    add('quantized', { kind: 'quantize', sourceRunId: pruned }, [{ id: pruned, role: 'source' }], 'completed', 0.91, card(30_000, 100_000, 0.01));
    add('failed', { kind: 'train', model: 'student' }, [], 'failed', 0.999, card(10, 10, 0.0001)); // would dominate all, but failed
    add('autoencoder', { kind: 'autoencoder', model: 'conv' }, [], 'completed', null); // leaves no classifier
  } finally {
    store.close();
  }
  return {
    dir,
    ids,
    front: ['teacher', 'distilled', 'pruned', 'pruned twin', 'quantized'],
    plotted: ['teacher', 'distilled', 'alone', 'pruned', 'pruned twin', 'quantized worse', 'quantized'],
    edges: ['teacher>distilled', 'alone>pruned', 'alone>pruned twin', 'pruned>quantized worse', 'pruned>quantized'],
  };
}

const sorted = (a: string[]) => [...a].sort();

/** The trade-off view on the hand-made workspace: exactly the known front, arrows, hover, selection, click. */
export async function frontIsKnown(t: Target, w: HandMade): Promise<void> {
  const { page } = t;
  const name = Object.fromEntries(Object.entries(w.ids).map(([n, id]) => [id, n]));
  await page.evaluate(() => localStorage.removeItem('distillery.tradeoffs'));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trade-offs' }).click();
  const plot = page.getByTestId('tradeoff-plot');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=tradeoff-plot]')?.getAttribute('data-points')) === n, w.plotted.length, { timeout: 15_000 });
  const plotted = await plot.locator('circle.point').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-run-id')!));
  assert.deepEqual(sorted(plotted.map((id) => name[id])), sorted(w.plotted));
  const onFront = await plot.locator('circle.point.front').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-run-id')!));
  assert.deepEqual(sorted(onFront.map((id) => name[id])), sorted(w.front));
  const listed = await page.locator('[data-testid=front-table] tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-run-id')!));
  // Best accuracy first; the tie (same accuracy and size) side by side.
  assert.deepEqual(listed.map((id) => name[id]).slice(0, 2), ['teacher', 'distilled']);
  assert.deepEqual(sorted(listed.map((id) => name[id]).slice(2, 4)), ['pruned', 'pruned twin']);
  assert.equal(name[listed[4]], 'quantized');
  assert.equal(listed.length, w.front.length);
  const edges = await plot.locator('line.edge').evaluateAll((ls) => ls.map((l) => `${l.getAttribute('data-from')}>${l.getAttribute('data-to')}`));
  assert.deepEqual(sorted(edges.map((e) => e.split('>').map((id) => name[id]).join('>'))), sorted(w.edges));
  assert.ok((await page.getByTestId('front-line').getAttribute('d'))?.startsWith('M'), 'the front is drawn');
  const legend = (await page.getByTestId('tradeoff-legend').textContent()) ?? '';
  for (const k of ['train', 'distill', 'prune', 'quantize']) assert.ok(legend.includes(k), `legend names ${k}`);

  // Hover shows the run.
  const q = plot.locator(`circle[data-run-id="${w.ids.quantized}"]`);
  await q.hover();
  await page.getByTestId('tradeoff-tip').filter({ hasText: w.ids.quantized }).waitFor();
  assert.match((await page.getByTestId('tradeoff-tip').textContent()) ?? '', /0\.9100[\s\S]*30,000[\s\S]*Pareto front/);
  await shot(t, '20-tradeoffs');
  await shot(t, '20-tradeoffs', true);

  // Another y: the loss is minimized, so the same runs are on its front.
  await page.getByLabel('Y axis').selectOption('test_loss');
  await page.waitForFunction(() => document.querySelector('[data-testid=tradeoff-plot]')?.getAttribute('aria-label')?.startsWith('test loss'));
  const lossFront = await plot.locator('circle.point.front').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-run-id')!));
  assert.deepEqual(sorted(lossFront.map((id) => name[id])), sorted(w.front));
  await page.getByLabel('Y axis').selectOption('test_accuracy');

  // The lineage filter keeps the teacher's family.
  await page.getByLabel('Filter by lineage').selectOption(w.ids.teacher);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=tradeoff-plot]')?.getAttribute('data-points')) === 2);
  await page.getByLabel('Filter by lineage').selectOption('');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=tradeoff-plot]')?.getAttribute('data-points')) === n, w.plotted.length);

  // A lasso (dragged rectangle) around the twins selects both.
  const boxes = (await Promise.all([w.ids.pruned, w.ids['pruned twin']].map((id) => plot.locator(`circle[data-run-id="${id}"]`).boundingBox()))).map((b) => b!);
  await page.mouse.move(Math.min(...boxes.map((b) => b.x)) - 12, Math.min(...boxes.map((b) => b.y)) - 12);
  await page.mouse.down();
  await page.mouse.move(Math.max(...boxes.map((b) => b.x + b.width)) + 12, Math.max(...boxes.map((b) => b.y + b.height)) + 12, { steps: 6 });
  await page.mouse.up();
  const lassoed = await plot.locator('circle.point.selected').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-run-id')!));
  assert.deepEqual(sorted(lassoed.map((id) => name[id])), ['pruned', 'pruned twin']);
  await page.getByRole('button', { name: 'Clear selection' }).click();
  assert.equal(await plot.locator('circle.point.selected').count(), 0);

  // Shift-click selects; Compare N goes to the compare view with those runs.
  await plot.locator(`circle[data-run-id="${w.ids.distilled}"]`).click({ modifiers: ['Shift'] });
  await q.click({ modifiers: ['Shift'] });
  const compare = page.getByTestId('compare-selected');
  assert.equal((await compare.textContent())?.trim(), 'Compare 2');
  assert.equal(await plot.locator('circle.point.selected').count(), 2);
  await compare.click();
  await page.waitForFunction(() => window.location.hash.startsWith('#/compare?runs='));
  const hash = await page.evaluate(() => window.location.hash);
  const runs = new URLSearchParams(hash.split('?')[1]).get('runs')!.split(',');
  assert.deepEqual(sorted(runs), sorted([w.ids.distilled, w.ids.quantized]));

  // Clicking a point opens its run.
  await go(page, '#/tradeoffs');
  await plot.locator(`circle[data-run-id="${w.ids.pruned}"]`).click();
  await page.waitForFunction((id) => window.location.hash === `#/run/${id}`, w.ids.pruned);
  await page.getByTestId('run-status').waitFor();
  assert.equal(await page.getByTestId('sc-stored').textContent().then((s) => s?.trim().split(' ')[0]), '100,000');
}

/** The runs in a workspace by name. */
export function runIdsByName(dir: string): Record<string, string> {
  const store = new Store(dir);
  try {
    return Object.fromEntries(store.listRuns().map((r) => [r.name ?? r.id, r.id]));
  } finally {
    store.close();
  }
}

async function openRun(page: Page, id: string, panel: string): Promise<void> {
  await go(page, `#/run/${id}`);
  await page.locator(`[data-panel="${panel}"]`).waitFor({ timeout: 15_000 });
}

const cellValue = (page: Page, table: string, layer: string, col: string) =>
  page.locator(`[data-testid=${table}] tr[data-layer="${layer}"] td[data-col="${col}"]`);

/** The fixture's compression runs show their panels with the values their jobs logged. */
export async function compressionPanels(t: Target, ids: Record<string, string>, logged: { prunedFC1: number; quantRmseFC1: number }): Promise<void> {
  const { page } = t;

  // Pruned: a layers table with each layer's sparsity, no per-layer lines left in Results.
  await openRun(page, ids.pruned, 'layers');
  const s = Number(await cellValue(page, 'layers-table', 'FC1', 'sparsity').getAttribute('data-value'));
  assert.ok(Math.abs(s - logged.prunedFC1) < 1e-9 && Math.abs(s - 0.8) < 0.01, `FC1 sparsity ${s} ≈ 0.80 as logged`);
  assert.equal((await cellValue(page, 'layers-table', 'FC1', 'sparsity').textContent())?.trim(), logged.prunedFC1.toFixed(4));
  assert.deepEqual(await page.locator('[data-testid=layers-table] tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-layer'))), ['FC1', 'FC2', 'logits']);
  const results = (await page.locator('[data-panel=results]').textContent()) ?? '';
  assert.ok(!results.includes('sparsity/'), 'Results no longer lists per-layer sparsities');
  assert.ok(results.includes('acc after prune step'), 'Results still lists the other finals');
  // Size card: counts with separators.
  assert.equal((await page.getByTestId('sc-params').textContent())?.trim(), '118,282');
  assert.match((await page.getByTestId('sc-nonzeros').textContent()) ?? '', /^23,870/);
  assert.match((await page.getByTestId('sc-score').textContent()) ?? '', /^0\.0249/);
  assert.match((await page.getByTestId('sc-latency-b1').textContent()) ?? '', /\d\.\d{3} ms/);
  await shot(t, '21-pruned-panels');

  // Quantized: bits and RMSE per layer.
  await openRun(page, ids.quantized, 'layers');
  assert.equal((await cellValue(page, 'layers-table', 'FC1', 'bits').textContent())?.trim(), '4');
  assert.equal(Number(await cellValue(page, 'layers-table', 'FC1', 'rmse').getAttribute('data-value')), logged.quantRmseFC1);
  assert.match((await cellValue(page, 'layers-table', 'FC1', 'rmse').textContent()) ?? '', /^\d\.\d\de-\d$/);

  // Factorized: rank 8 kept, shape, and the spectrum with the rank marked.
  await openRun(page, ids.factorized, 'spectrum');
  assert.equal((await cellValue(page, 'layers-table', 'FC1', 'rank').textContent())?.trim(), '8');
  assert.equal((await cellValue(page, 'layers-table', 'FC1', 'shape').textContent())?.trim(), '784 × 128');
  assert.equal((await cellValue(page, 'layers-table', 'FC1', 'weightsBefore').textContent())?.trim(), '100,352');
  const fc1 = page.locator('[data-testid=spectrum][data-layer=FC1]');
  assert.equal(await fc1.getAttribute('data-rank'), '8');
  assert.equal(await fc1.locator('path.line').getAttribute('data-points'), '128');
  assert.equal(await fc1.locator('line.mark').getAttribute('data-mark-x'), '8');
  await shot(t, '22-factorized-panels');
  await shot(t, '22-factorized-panels', true);

  // Sensitivity: a line per layer, one point per scanned sparsity, the safe sparsity per layer.
  await openRun(page, ids.sensitivity, 'sensitivity');
  const series = await page.locator('[data-testid=sensitivity-chart] path.line').evaluateAll((ps) => ps.map((p) => `${p.getAttribute('data-series')}:${p.getAttribute('data-points')}`));
  assert.deepEqual(series, ['FC1:3', 'FC2:3', 'logits:3']);
  assert.equal((await page.locator('[data-testid=sensitivity-table] tr[data-layer=FC1] td[data-col=safe]').textContent())?.trim(), '0.50');
  assert.equal(await page.locator('[data-panel=layers]').count(), 0, 'no layers table for a scan');
  assert.equal(await page.locator('[data-panel=sizecard]').count(), 0, 'a scan leaves no classifier');
  await shot(t, '23-sensitivity');
  await shot(t, '23-sensitivity', true);

  // Score: parameters and nonzeros per layer from its MicroNet cost.
  await openRun(page, ids.score, 'layers');
  await cellValue(page, 'layers-table', 'FC1', 'params').filter({ hasText: '100,480' }).waitFor({ timeout: 10_000 });
  assert.equal((await cellValue(page, 'layers-table', 'FC1', 'nonzeros').textContent())?.trim(), '20,199');
  assert.equal((await cellValue(page, 'layers-table', 'FC1', 'storage').textContent())?.trim(), '23,335');

  // The teacher's size card; the runs table's size columns sort.
  await openRun(page, ids.teacher, 'sizecard');
  assert.equal((await page.getByTestId('sc-params').textContent())?.trim(), '1,199,882');
  await shot(t, '24-teacher-sizecard', true);
  await go(page, '#/');
  const table = page.getByTestId('runs-table');
  await table.getByRole('button', { name: 'Stored bytes' }).click();
  const stored = await table.locator('tbody td[data-col=stored]').allTextContents();
  const nums = stored.map((x) => x.trim()).filter(Boolean).map((x) => Number(x.replace(/,/g, '')));
  assert.ok(nums.length >= 7, `stored bytes shown for the classifier runs (${stored.join(' | ')})`);
  assert.deepEqual(nums, [...nums].sort((a, b) => a - b), 'sorted by stored bytes');
  await table.getByRole('button', { name: 'MicroNet' }).click();
  await shot(t, '25-runs-size-columns');

  // The trade-off view on real runs.
  await page.evaluate(() => localStorage.removeItem('distillery.tradeoffs'));
  await go(page, '#/tradeoffs');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=tradeoff-plot]')?.getAttribute('data-points')) >= 7, null, { timeout: 15_000 });
  await shot(t, '26-tradeoffs-fixture');
  await shot(t, '26-tradeoffs-fixture', true);
}

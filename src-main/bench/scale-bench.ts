// `npm run bench -- scale`: a synthetic workspace of 10,000 runs and 10
// million metric rows with lineage chains, then the API calls the workbench
// makes (list, filter, open a run of 100,000 points, 20 runs' curves) and,
// in Chromium, the time from typing in the runs filter to the table updated
// and from opening a long run to its chart drawn. Prints milliseconds.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { dispatch } from '../service/api-handlers.js';
import { Service } from '../service/service.js';
import { startServer } from '../serve/server.js';
import { RENDERER_DIR } from '../serve/renderer-build.js';

export interface ScaleBenchOptions {
  runs: number;
  metricRows: number;
  longRun: number;
  chromium: string;
}

const KINDS = ['train', 'distill', 'prune', 'quantize', 'factorize'];

/** Inserts runs and metrics with plain SQL in one transaction (the job path would take hours). */
function build(svc: Service, o: ScaleBenchOptions): { ids: string[]; longId: string } {
  const db = svc.store.db;
  const insRun = db.prepare(`INSERT INTO runs (id, kind, status, name, dataset, model, config, seed, created_at, started_at, finished_at, summary, params, stored_bytes, micronet_score)
    VALUES (?, ?, 'completed', ?, 'mnist', 'student', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insParent = db.prepare(`INSERT INTO run_parents (run_id, parent_id, role) VALUES (?, ?, 'source')`);
  const insMetric = db.prepare(`INSERT INTO metrics (run_id, scope, step, epoch, name, value, t) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const ids: string[] = [];
  const perRun = Math.floor((o.metricRows - o.longRun) / o.runs);
  db.transaction(() => {
    for (let i = 0; i < o.runs; i++) {
      const id = i.toString(16).padStart(8, '0');
      const kind = KINDS[i % KINDS.length];
      const t = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
      const acc = 0.9 + (i % 97) / 1000;
      insRun.run(id, kind, `run ${i} ${kind}`, JSON.stringify({ kind, model: 'student', seed: i }), i, t, t, t, JSON.stringify({ test_accuracy: acc, params: 118282 }), 118282, 473128 - (i % 1000) * 100, 0.1 + (i % 13) / 100);
      // Lineage chains of five: train → prune → quantize → …
      if (i % 5 !== 0) insParent.run(id, ids[i - 1]);
      ids.push(id);
      const n = i === 0 ? o.longRun : perRun;
      for (let s = 1; s <= n; s++) insMetric.run(id, 'batch', s, 1 + Math.floor(s / 1000), 'loss', 2 * Math.exp(-s / 2000) + (s % 7) / 100, s / 100);
    }
  })();
  return { ids, longId: ids[0] };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeIt(fn: () => unknown, repeats = 5): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

export async function scaleBench(o: ScaleBenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-scale-'));
  const svc = new Service(dir);
  try {
    const t0 = performance.now();
    const { ids, longId } = build(svc, o);
    console.log(`# workspace: ${o.runs} runs, ${o.metricRows.toLocaleString('en-US')} metric rows, built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const api = (m: string, body: unknown) => dispatch(svc, m, body);
    const line = (what: string, ms: number, goal: number) => console.log(`${what} ms=${ms.toFixed(1)} goal_ms=${goal} ${ms <= goal ? 'ok' : 'over'}`);
    // The first listing builds every Run object; later ones reuse those of unchanged runs (Store.listRuns).
    const cold = performance.now();
    JSON.stringify(api('listRuns', {}));
    console.log(`api_list_runs_first_call ms=${(performance.now() - cold).toFixed(1)}`);
    line('api_list_runs', await timeIt(() => JSON.stringify(api('listRuns', {}))), 100);
    line('api_filter_runs_kind', await timeIt(() => JSON.stringify(api('listRuns', { kind: 'prune' }))), 100);
    line(`api_open_run_${o.longRun}_points`, await timeIt(() => JSON.stringify(api('getRun', { id: longId }))), 100);
    line('api_compare_series_20_runs', await timeIt(() => JSON.stringify(api('compareSeries', { ids: ids.slice(0, 20), scope: 'batch', budget: 1200 }))), 100);

    if (!existsSync(o.chromium) || !existsSync(join(RENDERER_DIR, 'index.html'))) {
      console.log(`ui_filter ms=n/a (needs ${o.chromium} and a built renderer: npm run build)`);
      return;
    }
    const server = await startServer(svc, { host: '127.0.0.1', port: 0, staticDir: RENDERER_DIR });
    const browser = await chromium.launch({ executablePath: o.chromium, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(server.url);
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid=runs-table] tbody')?.getAttribute('data-rows')) === n, o.runs, { timeout: 120_000 });
      const domRows = await page.locator('[data-testid=runs-table] tbody tr[data-run-id]').count();
      console.log(`ui_runs_table rows=${o.runs} dom_rows=${domRows}`);
      const filterMs: number[] = [];
      for (const q of ['prune', 'run 12', 'quantize', '']) {
        // A string, not a function: tsx's helpers do not exist in the page.
        const t = (await page.evaluate(`(async (text) => {
          const body = () => document.querySelector('[data-testid=runs-table] tbody');
          const input = document.querySelector('input[type=search]');
          const before = body().getAttribute('data-rows');
          const t0 = performance.now();
          input.value = text;
          input.dispatchEvent(new Event('input', { bubbles: true }));
          await new Promise((resolve) => { const check = () => (body().getAttribute('data-rows') !== before ? resolve() : requestAnimationFrame(check)); check(); });
          await new Promise((r) => requestAnimationFrame(() => r(null)));
          return performance.now() - t0;
        })(${JSON.stringify(q)})`)) as number;
        filterMs.push(t);
      }
      line('ui_filter_to_table', median(filterMs), 100);
      const t1 = performance.now();
      await page.goto(new URL(`/#/run/${longId}`, server.url).href);
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=batch-chart]')?.getAttribute('data-points')) > 0, null, { timeout: 60_000 });
      line(`ui_open_run_${o.longRun}_points_drawn`, performance.now() - t1, 500);
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    svc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

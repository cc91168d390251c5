// `npm run bench -- compare`: how long the compare view takes to draw many
// long runs in Chromium, from navigation to the curves drawn. A synthetic
// workspace of `runs` runs × `points` batch losses is written straight into
// a fresh store, served as `distillery serve` does, and opened in Debian's
// Chromium: once as a full page load, once as an in-app navigation.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { JobConfig, JobEvent } from '../contract/jobs.js';
import { Store } from '../db/store.js';
import { startServer } from '../serve/server.js';
import { RENDERER_DIR } from '../serve/renderer-build.js';
import { Service } from '../service/service.js';

export interface CompareBenchOptions {
  runs: number;
  points: number;
  repeats: number;
  chromium: string;
}

/** Writes `runs` completed runs of `points` batch losses each; returns their ids. */
function writeRuns(dir: string, runs: number, points: number): string[] {
  const store = new Store(dir);
  try {
    const ids: string[] = [];
    for (let r = 0; r < runs; r++) {
      const config = { kind: 'train', model: 'student', dataset: 'mnist', seed: r, epochs: 10, batchSize: 64, learningRate: 0.001 * (1 + r) } as unknown as JobConfig;
      const run = store.createRun({ config, name: `bench ${r + 1}` });
      const events: JobEvent[] = [];
      for (let i = 1; i <= points; i++) {
        const loss = 2.3 * Math.exp(-i / (points / (3 + r / 5))) + 0.05 * Math.sin(i / 7 + r) + 0.02 * ((i * 7919 + r * 104729) % 1000) / 1000;
        events.push({ type: 'metric', scope: 'batch', step: i, epoch: 1 + Math.floor((i - 1) / (points / 10)), name: 'loss', value: loss, t: i * 0.01 });
      }
      for (let e = 1; e <= 10; e++) events.push({ type: 'metric', scope: 'epoch', step: e, epoch: e, name: 'test_accuracy', value: 0.9 + e / 200 - r / 1000, t: e });
      store.applyEvents(run.id, events, dir);
      store.finishRun(run.id, 'completed', { summary: { params: 118282, test_accuracy: 0.95 - r / 1000 } });
      ids.push(run.id);
    }
    return ids;
  } finally {
    store.close();
  }
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

export async function compareBench(o: CompareBenchOptions): Promise<void> {
  if (!existsSync(o.chromium)) throw new Error(`${o.chromium} not found (install Debian's chromium, or set CHROMIUM_PATH)`);
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('the renderer is not built: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'distillery-bench-compare-'));
  let t = performance.now();
  const ids = writeRuns(dir, o.runs, o.points);
  console.log(`# ${o.runs} runs × ${o.points.toLocaleString('en-US')} batch losses written in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const svc = new Service(dir);
  const server = await startServer(svc, { host: '127.0.0.1', port: 0, staticDir: RENDERER_DIR });
  const browser = await chromium.launch({ executablePath: o.chromium, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  console.log(`# load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} (timings scale with it on a shared machine)`);
  try {
    // The server side alone: one compareSeries of every run at a chart's width.
    const serverMs: number[] = [];
    for (let i = 0; i < o.repeats; i++) {
      t = performance.now();
      svc.compareSeries({ ids, names: [], scope: 'batch', xAxis: 'step', budget: 1000 });
      serverMs.push(performance.now() - t);
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url); // sets the token cookie, loads and caches the UI
    await page.waitForSelector('[data-testid=runs-table]');
    const base = new URL(server.url).origin + '/';
    const hash = `#/compare?runs=${ids.join(',')}`;
    const drawn = `[data-testid=compare-chart][data-series="${ids.length}"][data-drawn]`;

    const fullLoad: number[] = [];
    const inApp: number[] = [];
    const request: number[] = [];
    const client: number[] = [];
    let points = 0;
    for (let i = 0; i < o.repeats; i++) {
      // Full page load straight into the compare view.
      await page.goto('about:blank');
      t = performance.now();
      await page.goto(base + hash);
      await page.waitForSelector(drawn, { timeout: 60_000 });
      fullLoad.push(performance.now() - t);
      const calls = (await page.evaluate(`performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/')).map((e) => e.name.split('/api/')[1] + ' ' + Math.round(e.startTime) + '+' + Math.round(e.duration))`)) as string[];
      if (i === 0) console.log(`# full load, API calls (start+duration ms): ${calls.join(', ')}`);
      points = Number(await page.locator(drawn).getAttribute('data-points'));
      // In-app: from the runs table to the compare view (the UI is loaded).
      await page.evaluate(`location.hash = '#/'`);
      await page.waitForSelector('[data-testid=runs-table]');
      // A string, not a function: tsx's name helpers do not exist in the page.
      const [ms, afterResponse] = (await page.evaluate(`new Promise((resolve) => {
        performance.clearResourceTimings();
        const t0 = performance.now();
        location.hash = ${JSON.stringify(hash)};
        const poll = () => {
          if (!document.querySelector(${JSON.stringify(drawn)})) return requestAnimationFrame(poll);
          const t1 = performance.now();
          const r = performance.getEntriesByType('resource').filter((e) => e.name.includes('compareSeries')).at(-1);
          resolve([t1 - t0, r ? t1 - r.responseEnd : NaN]);
        };
        poll();
      })`)) as [number, number];
      client.push(afterResponse);
      inApp.push(ms);
      // Of which the compareSeries request (server read + downsampling + transfer), from the page's resource timing.
      const req = (await page.evaluate(`performance.getEntriesByType('resource').filter((e) => e.name.includes('compareSeries')).map((e) => e.duration)`)) as number[];
      if (req.length) request.push(req[req.length - 1]);
    }
    const fmt = (v: number[]) => `median ${median(v).toFixed(0)} ms (runs: ${v.map((x) => x.toFixed(0)).join(', ')})`;
    console.log(`server compareSeries (${ids.length} series, budget 1000):   ${fmt(serverMs)}`);
    console.log(`compare view, full page load → drawn:        ${fmt(fullLoad)}`);
    console.log(`compare view, in-app navigation → drawn:     ${fmt(inApp)}`);
    if (request.length) console.log(`  of which the compareSeries request:         ${fmt(request)}`);
    console.log(`  from its response to the curves drawn (parse, align, smooth, uPlot): ${fmt(client)}`);
    console.log(`points drawn: ${points.toLocaleString('en-US')} of ${(ids.length * o.points).toLocaleString('en-US')} stored; goal < 500 ms: ${median(inApp) < 500 && median(fullLoad) < 500 ? 'met' : 'NOT met'}`);
  } finally {
    await browser.close();
    svc.runner.killAll();
    await server.close();
    svc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

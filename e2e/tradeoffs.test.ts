// The trade-off view and the compression panels in Chromium (serve mode):
// a hand-made workspace whose Pareto front is known in advance, and a copy
// of the shared fixture of real runs.
import { after, before, describe, test } from 'node:test';
import { chromiumMissing, serveTarget, type Target } from './harness.js';
import { fixtureCopy } from './fixture.js';
import { Store } from '../src-main/db/store.js';
import { compressionPanels, frontIsKnown, handMadeWorkspace, runIdsByName, type HandMade } from './tradeoffs.js';

const why = chromiumMissing();

describe('trade-offs on hand-made runs', { skip: why ? `skipped: ${why}` : false }, () => {
  let t: Target;
  let w: HandMade;
  before(async () => {
    w = handMadeWorkspace();
    t = await serveTarget(w.dir);
  });
  after(async () => t?.close());
  test('the front lists exactly the non-dominated runs (a tie included); arrows, hover, shift-click to compare, click to open', { timeout: 120_000 }, () => frontIsKnown(t, w));
});

describe('compression panels on the shared fixture', { skip: why ? `skipped: ${why}` : false }, () => {
  let t: Target;
  let ids: Record<string, string>;
  let logged: { prunedFC1: number; quantRmseFC1: number };
  before(async () => {
    const dir = await fixtureCopy();
    ids = runIdsByName(dir);
    const store = new Store(dir);
    try {
      const final = (id: string, name: string) => store.metrics(id, 'final').find((m) => m.name === name)!.value;
      logged = { prunedFC1: final(ids.pruned, 'sparsity/FC1'), quantRmseFC1: final(ids.quantized, 'quant_rmse/FC1') };
    } finally {
      store.close();
    }
    t = await serveTarget(dir);
  });
  after(async () => t?.close());
  test('pruned, quantized, factorized, sensitivity and score runs show their layer panels; size card and columns; trade-offs of real runs', { timeout: 180_000 }, () => compressionPanels(t, ids, logged));
});

// The workbench end to end, in a real browser: serve mode in Debian's
// Chromium always; the Electron app too where its binary is present.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, electronMissing, electronTarget, serveTarget, type Target } from './harness.js';
import { cancelRun, externalRunAppears, kdRunFromForm, pruneFromForm, reloadKeepsState, vaeRunShowsPictures } from './workbench.js';

function project(name: string, why: string | null, make: () => Promise<Target>) {
  describe(name, { skip: why ? `skipped: ${why}` : false }, () => {
    let t: Target;
    let cancelledId = '';
    before(async () => {
      t = await make();
    });
    after(async () => t?.close());
    test('a KD run created from the form trains live, completes, and its distillation view reacts to T', { timeout: 400_000 }, () => kdRunFromForm(t));
    test('a running job can be cancelled from its view', { timeout: 120_000 }, async () => {
      cancelledId = await cancelRun(t);
    });
    test('reloading shows the same state', { timeout: 60_000 }, () => reloadKeepsState(t, cancelledId));
    test('a compression job from the form makes a run linked to its source', { timeout: 180_000 }, () => pruneFromForm(t));
    test('a VAE run shows its curves, pictures and latent usage', { timeout: 180_000 }, () => vaeRunShowsPictures(t));
    test('a run started from the CLI appears without a restart', { timeout: 60_000 }, () => externalRunAppears(t));
    if (name === 'serve mode') {
      test('requests without the token are refused with 401', async () => {
        const base = new URL(t.url!).origin;
        assert.equal((await fetch(`${base}/api/listRuns`, { method: 'POST', body: '{}' })).status, 401);
        assert.equal((await fetch(`${base}/`)).status, 401);
        assert.equal((await fetch(`${base}/api/events`)).status, 401);
        assert.equal((await fetch(`${base}/api/listRuns`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer wrong' } })).status, 401);
      });
    }
  });
}

project('serve mode', chromiumMissing(), serveTarget);
project('electron', electronMissing() ?? chromiumMissing(), electronTarget);

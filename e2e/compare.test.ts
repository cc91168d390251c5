// The compare view in Chromium (serve mode) on a copy of the shared fixture,
// with reconstruction data of known values written into two latent runs and
// test-set predictions of known values into three classifier runs.
import { after, before, describe, test } from 'node:test';
import { Store } from '../src-main/db/store.js';
import { fixtureCopy } from './fixture.js';
import { chromiumMissing, serveTarget, type Target } from './harness.js';
import { PREDICTORS, forgetArtifact, fromLineage, imageComparer, reconA, reconB, runIdsByName, threeClassifiers, writePredictions, writeReconData } from './compare.js';

describe('compare view (serve mode)', { skip: chromiumMissing() ?? false }, () => {
  let t: Target;
  let ids: Record<string, string>;
  before(async () => {
    const dir = await fixtureCopy();
    ids = runIdsByName(dir);
    writeReconData(dir, ids['conv autoencoder'], reconA);
    writeReconData(dir, ids.vae, reconB);
    forgetArtifact(dir, ids.dirvae, 'recon/grid.f32'); // stands for a run from before the recon data
    for (const [name, predict] of Object.entries(PREDICTORS)) writePredictions(dir, ids[name], predict);
    t = await serveTarget(dir);
  });
  after(async () => t?.close());

  test('three classifier runs: curves, config diff, reducers against the database, baseline, exports', { timeout: 180_000 }, () => threeClassifiers(t, ids));
  test('image comparer: originals, a row per run, errors and the difference map of known outputs', { timeout: 120_000 }, () => imageComparer(t, ids['conv autoencoder'], ids.vae, ids.dirvae));
  test("a run's lineage opens the compare view of it and its children", { timeout: 60_000 }, async () => {
    const store = new Store(t.dataDir);
    const children = new Set(store.getRun(ids.teacher)!.children.map((c) => c.id)).size;
    store.close();
    await fromLineage(t, ids.teacher, children);
  });
});

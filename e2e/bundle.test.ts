// Runs carried between workspaces from the workbench: export the selected
// runs as a .distillery file, import it into another workspace with the
// file picker; the same runs appear with their lineage.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../src-main/db/store.js';
import { fixtureCopy } from './fixture.js';
import { ARTIFACTS, chromiumMissing, serveTarget, type Target } from './harness.js';

describe('bundles from the workbench', { skip: chromiumMissing() ? `skipped: ${chromiumMissing()}` : false }, () => {
  let from: Target;
  let to: Target;
  let ids: Map<string, string>;
  before(async () => {
    const dir = await fixtureCopy();
    const store = new Store(dir);
    ids = new Map(store.listRuns().map((r) => [r.name ?? '', r.id]));
    store.close();
    from = await serveTarget(dir);
    to = await serveTarget(mkdtempSync(join(tmpdir(), 'distillery-e2e-import-')));
  });
  after(async () => {
    await from?.close();
    await to?.close();
  });

  test('export selected runs, import the file elsewhere: the runs and their lineage arrive', { timeout: 120_000 }, async () => {
    const pruned = ids.get('pruned')!;
    const source = ids.get('student alone')!;
    await from.page.locator(`tr[data-run-id="${pruned}"] input[type=checkbox]`).check();
    const [download] = await Promise.all([from.page.waitForEvent('download'), from.page.getByRole('button', { name: 'Export bundle' }).click()]);
    const file = join(ARTIFACTS, 'pruned.distillery');
    await download.saveAs(file);
    await from.page.getByTestId('bundle-status').filter({ hasText: '2 runs (1 ancestor kept for lineage)' }).waitFor();

    await to.page.getByText('No runs yet.').waitFor();
    await to.page.getByTestId('bundle-file').setInputFiles(file);
    await to.page.getByTestId('bundle-status').filter({ hasText: '2 runs imported' }).waitFor({ timeout: 30_000 });
    await to.page.locator(`tr[data-run-id="${pruned}"]`).waitFor();
    await to.page.locator(`tr[data-run-id="${source}"]`).waitFor();
    await to.page.screenshot({ path: join(ARTIFACTS, 'serve-30-imported-bundle.png'), fullPage: true });

    const s = new Store(to.dataDir);
    try {
      assert.deepEqual(s.getRun(pruned)!.parents, [{ id: source, role: 'source' }]);
    } finally {
      s.close();
    }
    // Importing the same file again changes nothing.
    await to.page.getByTestId('bundle-file').setInputFiles(file);
    await to.page.getByTestId('bundle-status').filter({ hasText: '0 runs imported, 2 already here' }).waitFor({ timeout: 30_000 });
  });
});

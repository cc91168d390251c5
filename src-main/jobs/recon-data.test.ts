// The reconstruction data file: written by real autoencoder and VAE jobs, served by getArtifact, decoded as the compare view does.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../service/service.js';
import { dataUrlBytes, decodeReconData, imageMse } from '../../src-renderer/lib/compare-data.js';
import { RECON_DATA_NAME } from './recon-data.js';

const svc = new Service(mkdtempSync(join(tmpdir(), 'distillery-recon-')));
after(() => svc.close());
const small = { epochs: 1, batchSize: 32, trainLimit: 128, testLimit: 20 };

for (const config of [{ kind: 'autoencoder', model: 'conv', ...small }, { kind: 'vae', latentDim: 2, llSamples: 2, llImages: 4, ...small }]) {
  test(`${config.kind} job saves the grid's originals and reconstructions as float32 data`, { timeout: 120_000 }, async () => {
    const r = await svc.runJob(config);
    assert.equal(r.status, 'completed', r.error ?? '');
    const a = svc.store.artifacts(r.id).find((x) => x.name === RECON_DATA_NAME);
    assert.ok(a, 'the recon data artifact is registered');
    assert.equal(a.kind, 'data');
    assert.deepEqual([a.meta.n, a.meta.rows, a.meta.cols], [10, 28, 28]);
    assert.equal(a.size, 2 * 10 * 784 * 4);
    const served = svc.getArtifact(r.id, a.id);
    const d = decodeReconData(dataUrlBytes(served.dataUrl), a.meta);
    assert.equal(d.n, 10);
    for (const v of [...d.originals, ...d.reconstructions]) assert.ok(v >= 0 && v <= 1, 'pixel values in [0, 1]');
    const mse = imageMse(d.originals, d.reconstructions, 0, 784);
    assert.ok(mse > 0 && mse < 0.5, `a real reconstruction error (${mse})`);
  });
}

// Autoencoder, AE-guided distillation, VAE and DirVAE jobs, one epoch each on a small slice, through job processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../service/service.js';
import { initBackend } from '../ml/engine/backend.js';
import { buildConvAe, buildDenseAe, buildDirichletVae, buildGaussianVae } from '../ml/models/autoencoders.js';

const svc = new Service(mkdtempSync(join(tmpdir(), 'distillery-latent-')));
const small = { epochs: 1, batchSize: 32, trainLimit: 320, testLimit: 100 };
const PNG_MAGIC = '89504e47';

function pngArtifacts(runId: string): string[] {
  const arts = svc.store.artifacts(runId).filter((a) => a.kind === 'image');
  for (const a of arts) {
    const file = join(svc.dataDir, a.path);
    assert.ok(existsSync(file), `${a.path} exists`);
    assert.equal(readFileSync(file).subarray(0, 4).toString('hex'), PNG_MAGIC, `${a.path} is a PNG`);
    assert.ok(a.size > 100 && /^[0-9a-f]{64}$/.test(a.sha256));
  }
  return arts.map((a) => a.name);
}

test("the seed's autoencoder and VAE models have the seed's parameter counts", async () => {
  await initBackend('cpu');
  assert.equal(buildConvAe().model.countParams(), 4_385);
  assert.equal(buildDenseAe().model.countParams(), 201_616);
  assert.equal(buildGaussianVae(2).encoder.countParams(), 403_972);
  assert.equal(buildDirichletVae(10).encoder.outputs[0].shape[1], 10);
  assert.throws(() => buildGaussianVae(0), /latentDim: must be an integer ≥ 1/);
});

let convRun = '';
test('autoencoder job: trains, logs the test reconstruction loss, saves reconstructions as PNG', async () => {
  const r = await svc.runJob({ kind: 'autoencoder', model: 'conv', ...small });
  assert.equal(r.status, 'completed', r.error ?? '');
  convRun = r.id;
  assert.equal(r.summary.params, 4_385);
  assert.ok(typeof r.summary.test_recon_loss === 'number');
  assert.ok(svc.store.metrics(r.id, 'epoch').some((m) => m.name === 'test_recon_loss'));
  assert.deepEqual(pngArtifacts(r.id), ['images/reconstructions.png']);
});

test('ae-distill job: teacher, student alone and guided student side by side', async () => {
  const r = await svc.runJob({ kind: 'ae-distill', teacherRunId: convRun, ...small });
  assert.equal(r.status, 'completed', r.error ?? '');
  assert.deepEqual(r.parents, [{ id: convRun, role: 'teacher' }]);
  for (const k of ['teacher_test_recon_loss', 'alone_test_recon_loss', 'test_recon_loss']) assert.equal(typeof r.summary[k], 'number', k);
  assert.deepEqual(pngArtifacts(r.id), ['images/comparison.png']);
});

for (const kind of ['vae', 'dirvae'] as const) {
  test(`${kind} job: ELBO improves, latent pictures saved, log-likelihood estimated`, async () => {
    const r = await svc.runJob({ kind, latentDim: kind === 'vae' ? 2 : 5, llSamples: 10, llImages: 20, ...small, trainLimit: 640 });
    assert.equal(r.status, 'completed', r.error ?? '');
    const elbo = svc.store.metrics(r.id, 'batch').filter((m) => m.name === 'elbo');
    assert.equal(elbo.length, 20);
    const first = elbo.slice(0, 3).reduce((a, m) => a + m.value, 0) / 3;
    const last = elbo.slice(-3).reduce((a, m) => a + m.value, 0) / 3;
    assert.ok(last > first, `ELBO improves: first steps ${first.toFixed(1)}, last steps ${last.toFixed(1)}`);
    assert.ok(typeof r.summary.test_nll === 'number' && r.summary.test_nll > 0);
    assert.ok(svc.store.metrics(r.id, 'final').some((m) => m.name === 'test_nll'));
    const pngs = pngArtifacts(r.id);
    for (const p of ['images/latent-scatter.png', 'images/reconstructions.png', 'images/latent-dimensions.png']) assert.ok(pngs.includes(p), p);
    if (kind === 'vae') assert.ok(pngs.includes('images/manifold.png'));
    assert.equal(typeof r.summary.active_dims, 'number');
    assert.equal(r.summary.elbo_bound, kind === 'vae' ? 'gaussian-kl' : 'dirichlet-kl');
    const usage = svc.store.artifacts(r.id).find((a) => a.name === 'latent/usage.json')!;
    const u = JSON.parse(readFileSync(join(svc.dataDir, usage.path), 'utf8'));
    assert.equal(u.relative.length, kind === 'vae' ? 2 : 5);
    assert.equal(u.active, r.summary.active_dims);
    assert.equal(u.threshold, 0.01);
    assert.match(u.measure, /prior variance/);
  });
}

test('bad latent configs are refused before training: latent 0, T ≤ 0, alpha ≤ 0, wrong teacher kind', () => {
  assert.throws(() => svc.startJob({ kind: 'vae', latentDim: 0 }), /latentDim: must be at least 1/);
  assert.throws(() => svc.startJob({ kind: 'dirvae', priorAlpha: 0 }), /priorAlpha: must be greater than 0/);
  assert.throws(() => svc.startJob({ kind: 'dirvae', kl: 'gaussian' }), /kl/);
  assert.throws(() => svc.startJob({ kind: 'autoencoder', sharpenTemperature: 0 }), /sharpenTemperature: must be greater than 0/);
  assert.throws(() => svc.startJob({ kind: 'ae-distill', teacherRunId: convRun, temperature: -1 }), /temperature: must be greater than 0/);
  assert.throws(() => svc.startJob({ kind: 'ae-distill', teacherRunId: convRun, alpha: 0 }), /alpha: must be greater than 0/);
  const notConv = svc.listRuns().find((r) => r.kind === 'vae')!;
  assert.throws(() => svc.startJob({ kind: 'ae-distill', teacherRunId: notConv.id }), /the teacher must be a conv autoencoder run/);
  assert.throws(() => svc.startJob({ kind: 'distill', teacherRunId: convRun }), /not a trained classifier/);
});

test('a DirVAE that diverges (learning rate 10) fails naming the step range and keeps its last good weights as a partial model', async () => {
  // The host Gamma sampler draws from the diverged α̂ of the steps before the read: it must give NaN, not loop forever.
  const r = await svc.runJob({ kind: 'dirvae', latentDim: 5, llSamples: 2, llImages: 2, ...small, learningRate: 10 });
  assert.equal(r.status, 'failed');
  assert.match(r.error ?? '', /loss became NaN between steps \d+ and \d+ \(epoch 1; values are read every 25 steps\); the model keeps the weights from before step \d+/);
  const models = svc.store.artifacts(r.id).filter((a) => a.kind === 'model');
  assert.deepEqual(models.map((a) => a.name).sort(), ['decoder/model.json', 'decoder/weights.bin', 'encoder/model.json', 'encoder/weights.bin']);
  assert.ok(models.every((a) => (a.meta as { partial?: boolean }).partial === true));
  const w = readFileSync(join(svc.dataDir, models.find((a) => a.name === 'encoder/weights.bin')!.path));
  assert.ok(new Float32Array(w.buffer, w.byteOffset, w.byteLength / 4).every(Number.isFinite), 'the saved weights are the last good (finite) ones');
});

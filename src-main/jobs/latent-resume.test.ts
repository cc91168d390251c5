// Checkpoints and resume of the latent-model jobs (autoencoder, ae-distill,
// vae, dirvae) end to end through real job processes, as resume.test.ts does
// for the classifiers: a job is killed (SIGKILL) in epoch 2 of 3, resumed in
// place, and its final weights, epoch metrics and summary compared with an
// uninterrupted run of the same config. Tiny slices: 4 steps an epoch.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAndKill } from '../service/kill-harness.js';
import { Service } from '../service/service.js';
import type { Run } from '../contract/api.js';
import { runDir } from '../db/data-dir.js';
import { dirBytes } from './runner.js';
import { findWebgpuAdapter } from '../ml/engine/webgpu.js';

const svc = new Service(mkdtempSync(join(tmpdir(), 'distillery-latent-resume-')), { cancelGraceMs: 20_000 });
const BATCHES = 4;
const small = { epochs: 3, batchSize: 32, trainLimit: 32 * BATCHES, testLimit: 40, seed: 7 };

const weightsOf = (id: string, folder: string) => {
  const b = readFileSync(join(runDir(svc.dataDir, id), folder, 'weights.bin'));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};


/** Runs `config` through, then again killed in epoch 2 and resumed; compares the two. Returns the resumed run. */
async function killResumeCompare(config: Record<string, unknown>, folders: string[], batches = BATCHES): Promise<Run> {
  const reference = await svc.runJob(config);
  assert.equal(reference.status, 'completed', reference.error ?? '');

  const { id, final, checkpoints } = await startAndKill(svc, config, 2, 2, batches);
  assert.equal(final.status, 'interrupted');
  assert.deepEqual(checkpoints, [1]);
  let run = svc.store.getRun(id)!;
  assert.equal(run.checkpoint?.epoch, 1);
  assert.deepEqual(readdirSync(join(runDir(svc.dataDir, id), 'checkpoints')), ['epoch-0001.ckpt'], 'one complete checkpoint, no temporary file');
  assert.equal(run.diskBytes, dirBytes(runDir(svc.dataDir, id)), 'disk use measured after the checkpoint');
  assert.ok(run.diskBytes! >= run.checkpoint!.bytes);
  assert.ok(svc.store.metrics(id, 'batch').some((m) => m.epoch === 2), 'epoch 2 had logged steps before the kill');

  const resumed = svc.resumeJob(id);
  assert.equal(resumed.run.status, 'queued');
  assert.equal(svc.store.metrics(id).filter((m) => m.epoch > 1).length, 0, 'metrics after the checkpoint are dropped');
  await resumed.finished;
  run = svc.store.getRun(id)!;
  assert.equal(run.status, 'completed', run.error ?? '');

  // Curves continue without duplicates or gaps, and the test metrics of every epoch are the uninterrupted run's.
  const steps = svc.store.metrics(id, 'batch').filter((m) => m.name === 'loss').map((m) => m.step);
  assert.deepEqual(steps, Array.from({ length: 3 * batches }, (_, i) => i + 1));
  const epochMetrics = (rid: string) => svc.store.metrics(rid, 'epoch').map((m) => `${m.epoch} ${m.name}`).sort();
  assert.deepEqual(epochMetrics(id), epochMetrics(reference.id));
  const byName = (rid: string) => Object.fromEntries(svc.store.metrics(rid, 'epoch').map((m) => [`${m.epoch} ${m.name}`, m.value]));
  const [mine, theirs] = [byName(id), byName(reference.id)];
  for (const k of Object.keys(theirs)) assert.ok(Math.abs(mine[k] - theirs[k]) <= 1e-5 * Math.max(1, Math.abs(theirs[k])), `${k}: ${mine[k]} vs ${theirs[k]}`);
  const { images_per_second: _a, ...sum } = run.summary;
  const { images_per_second: _b, ...refSum } = reference.summary;
  assert.deepEqual(Object.keys(sum).sort(), Object.keys(refSum).sort());
  const names = (rid: string) => svc.store.artifacts(rid).map((a) => a.name).sort();
  assert.deepEqual(names(id), names(reference.id), 'artifacts written once');

  // Final weights equal the uninterrupted run's.
  let maxDiff = 0;
  for (const folder of folders) {
    const a = weightsOf(reference.id, folder);
    const b = weightsOf(id, folder);
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  }
  assert.ok(maxDiff <= 1e-5, `max |difference| ${maxDiff}`);

  assert.equal(run.backend, reference.backend, 'resumed on the same backend');
  // A completed run keeps no checkpoint; its disk use is measured.
  assert.equal(run.checkpoint, null);
  assert.equal(existsSync(join(runDir(svc.dataDir, id), 'checkpoints')), false);
  assert.equal(run.diskBytes, dirBytes(runDir(svc.dataDir, id)));
  return run;
}

let teacherId = '';
test('autoencoder: killed in epoch 2 of 3, resumed to the uninterrupted run\'s weights', async () => {
  const teacher = await svc.runJob({ kind: 'autoencoder', model: 'conv', ...small, epochs: 1 });
  assert.equal(teacher.status, 'completed', teacher.error ?? '');
  teacherId = teacher.id;
  await killResumeCompare({ kind: 'autoencoder', model: 'conv', ...small }, ['model']);
});

test('ae-distill: both students (baseline and guided) resume to the uninterrupted run\'s weights and curves', async () => {
  await killResumeCompare({ kind: 'ae-distill', teacherRunId: teacherId, ...small }, ['model']);
});

test('vae: the sampler\'s generator is restored too (encoder and decoder weights equal)', async () => {
  await killResumeCompare({ kind: 'vae', latentDim: 2, llSamples: 4, llImages: 5, ...small }, ['encoder', 'decoder']);
});

test('dirvae (exact Gamma sampler, drawn on the host): resumes to the uninterrupted run\'s weights', async () => {
  await killResumeCompare({ kind: 'dirvae', latentDim: 4, llSamples: 4, llImages: 5, ...small }, ['encoder', 'decoder']);
});

// The whole job on webgpu: checkpoints read from the device, restored onto it. SwiftShader here: the dense AE, 2 steps an
// epoch, still about 45 s (three job processes, each finding the adapter and compiling its pipelines).
const gpu = await findWebgpuAdapter(true);
test('autoencoder on webgpu: killed in epoch 2, resumed on webgpu to the uninterrupted run\'s weights', { skip: gpu.ok ? false : `no WebGPU adapter: ${gpu.reason}` }, async () => {
  // The test set is one training batch: the same shapes, so SwiftShader compiles no extra pipelines.
  const r = await killResumeCompare({ kind: 'autoencoder', model: 'dense', ...small, batchSize: 64, testLimit: 64, backend: 'webgpu', allowSoftwareGpu: true }, ['model'], 2);
  assert.equal(r.backend, 'webgpu');
});

after(() => svc.close());

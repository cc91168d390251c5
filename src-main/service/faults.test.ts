// Faults tried on purpose: a source run whose model files were damaged or
// deleted is refused naming the file, before any run is recorded.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from './service.js';

const dir = mkdtempSync(join(tmpdir(), 'distillery-faults-'));
const svc = new Service(dir);
after(() => svc.close());
const data = { trainLimit: 128, testLimit: 50, batchSize: 64 };

test('compression refuses a source whose model file is damaged or missing, naming the file', async () => {
  const src = await svc.runJob({ kind: 'train', model: 'student', epochs: 1, ...data });
  assert.equal(src.status, 'completed', src.error ?? '');
  const weights = join(dir, 'runs', src.id, 'model', 'weights.bin');
  const good = readFileSync(weights);
  const runsBefore = svc.listRuns().length;

  const flipped = Buffer.from(good);
  flipped[1000] ^= 0x01; // one bit: same size, different hash
  writeFileSync(weights, flipped);
  assert.throws(
    () => svc.startJob({ kind: 'prune', sourceRunId: src.id, sparsity: 0.5, ...data }),
    (e: Error) => new RegExp(`^sourceRunId: run ${src.id}: model file runs/${src.id}/model/weights\\.bin is damaged`).test(e.message),
  );

  rmSync(weights);
  assert.throws(() => svc.startJob({ kind: 'quantize', sourceRunId: src.id, ...data }), new RegExp(`model file runs/${src.id}/model/weights\\.bin is missing`));
  assert.throws(() => svc.startJob({ kind: 'distill', teacherRunId: src.id, epochs: 1, ...data }), /^ValidationError: teacherRunId: .*weights\.bin is missing|teacherRunId: .*weights\.bin is missing/);
  assert.equal(svc.listRuns().length, runsBefore, 'no run was recorded');

  writeFileSync(weights, good);
  const ok = await svc.runJob({ kind: 'prune', sourceRunId: src.id, sparsity: 0.5, finetuneEpochs: 0, ...data });
  assert.equal(ok.status, 'completed', 'the restored file is accepted again');
});

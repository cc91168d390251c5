// Exports that load elsewhere: every compressed student to TensorFlow.js
// layers and ONNX, verified with stock tfjs and onnxruntime-node; a model
// made with plain tfjs imported, pruned and distilled from; damaged files
// refused. Tiny training (one epoch on a few hundred images).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from './api-handlers.js';
import { Service } from './service.js';
import { loadOnnxRuntime } from '../ml/export/verify.js';
import type { ExportReport } from './model-export.js';

const svc = new Service(mkdtempSync(join(tmpdir(), 'distillery-export-')));
const outRoot = mkdtempSync(join(tmpdir(), 'distillery-exported-'));
const data = { trainLimit: 320, testLimit: 200, batchSize: 32 };
const IMAGES = 1000;

const runs: Record<string, string> = {};
const reports: Record<string, ExportReport> = {};

test('the seed student and its pruned, 5-bit, 8-bit and factorized versions export to tfjs and ONNX, and the other runtime agrees', async (t) => {
  // onnxruntime-node is an optional dependency: without it the ONNX half is skipped, saying why.
  const { ort, reason } = await loadOnnxRuntime();
  if (!ort) {
    console.log(`# skipping ONNX verification: ${reason}`);
    t.diagnostic(`ONNX exports not verified: ${reason}`);
  }
  const formats = ort ? (['tfjs', 'onnx'] as const) : (['tfjs'] as const);
  const base = await svc.runJob({ kind: 'train', model: 'student', epochs: 1, ...data });
  assert.equal(base.status, 'completed', base.error ?? '');
  runs.student = base.id;
  const jobs: [string, Record<string, unknown>][] = [
    ['pruned90', { kind: 'prune', sparsity: 0.9, finetuneEpochs: 0 }],
    ['q5', { kind: 'quantize', bits: 5 }],
    ['q8', { kind: 'quantize', bits: 8, perChannel: false }],
    ['factorized', { kind: 'factorize', layers: ['FC1'], rank: 16, finetuneEpochs: 0 }],
  ];
  for (const [name, cfg] of jobs) {
    const r = await svc.runJob({ ...cfg, sourceRunId: base.id, ...data });
    assert.equal(r.status, 'completed', `${name}: ${r.error ?? ''}`);
    runs[name] = r.id;
  }
  for (const [name, id] of Object.entries(runs)) {
    for (const format of formats) {
      const rep = await svc.exportModel(id, { format, out: join(outRoot, `${name}-${format}`), images: IMAGES });
      reports[`${name}-${format}`] = rep;
      const v = rep.verification!;
      console.log(
        `# ${name} ${format}: ${rep.status}, ${rep.bytes} bytes (${(rep.sizeRatio * 100).toFixed(1)}% of float32 ${rep.float32Bytes}), gzip ${rep.gzipBytes}, ` +
          `agreement ${(v.agreement * 100).toFixed(2)}% on ${v.images}, max logit diff ${v.maxLogitDiff.toExponential(2)}, weight diff ${rep.weightMaxDiff.toExponential(2)}, ${v.runtime}`,
      );
      assert.equal(rep.status, 'verified', `${name} ${format}: ${rep.reason ?? ''}`);
      assert.equal(v.images, IMAGES);
      assert.ok(rep.latency && rep.latency.b1Ms > 0 && rep.latency.b64Ms > 0 && rep.latency.runtime.startsWith(v.runtime), `${name} ${format}: the export is timed in ${v.runtime}`);
      const quantized = name === 'q5' || name === 'q8';
      assert.ok(v.agreement >= (format === 'tfjs' && quantized ? 0.99 : 0.999), `${name} ${format}: agreement ${v.agreement}`);
      if (quantized) {
        assert.ok(rep.quantized.length === 3, `${name} ${format}: every kernel stored as integers (${rep.quantized})`);
        assert.ok(rep.sizeRatio <= 0.3, `${name} ${format}: ${rep.bytes} bytes is ${(rep.sizeRatio * 100).toFixed(1)}% of float32`);
      }
      // Files and hashes are artifacts of the run they came from.
      const arts = svc.store.artifacts(id).filter((a) => a.kind === 'export' && a.name.startsWith(`export-${format}/`));
      for (const f of rep.files) {
        const a = arts.find((x) => x.name === `export-${format}/${f.name}`);
        assert.ok(a, `${name} ${format}: artifact ${f.name}`);
        assert.equal(a.size, f.size);
        assert.equal(a.sha256, f.sha256);
      }
    }
  }
  // An 8-bit per-tensor grid fits the uint8 tfjs format exactly.
  assert.ok(reports['q8-tfjs'].weightMaxDiff < 1e-6, `8-bit tfjs extra rounding ${reports['q8-tfjs'].weightMaxDiff}`);
  // Pruned weights compress: gzip of the 90%-sparse export is much smaller than of the dense one.
  assert.ok(reports['pruned90-tfjs'].gzipBytes < 0.5 * reports['student-tfjs'].gzipBytes, `gzip pruned ${reports['pruned90-tfjs'].gzipBytes} vs dense ${reports['student-tfjs'].gzipBytes}`);
  if (ort) {
    // ONNX with integer codes holds one byte per weight; exact dequantization up to float32 rounding of the scale.
    for (const q of ['q5-onnx', 'q8-onnx']) assert.ok(reports[q].weightMaxDiff < 1e-6, `${q} weight diff ${reports[q].weightMaxDiff}`);
    assert.ok(reports['pruned90-onnx'].gzipBytes < 0.5 * reports['student-onnx'].gzipBytes, `gzip pruned ${reports['pruned90-onnx'].gzipBytes} vs dense ${reports['student-onnx'].gzipBytes}`);
  }
  // The factorized layer is two Dense layers in the stock tfjs file.
  const topo = JSON.parse(readFileSync(join(outRoot, 'factorized-tfjs', 'model.json'), 'utf8'));
  const dense = topo.modelTopology.config.layers.filter((l: { class_name: string }) => l.class_name === 'Dense').map((l: { config: { name: string } }) => l.config.name);
  assert.deepEqual(dense, ['FC1_U', 'FC1', 'FC2', 'logits']);
});

test('an unknown export format is refused before anything is written', async () => {
  const id = runs.student ?? (await svc.runJob({ kind: 'train', model: 'student', epochs: 1, ...data })).id;
  await assert.rejects(svc.exportModel(id, { format: 'keras', out: join(outRoot, 'x') }), /format: must be one of tfjs, onnx/);
  assert.equal(existsSync(join(outRoot, 'x')), false);
  await assert.rejects(dispatch(svc, 'exportModel', { id, format: 'keras' }), /format/);
});

test('the API method exports into the run folder by default', async () => {
  const id = runs.student ?? (await svc.runJob({ kind: 'train', model: 'student', epochs: 1, ...data })).id;
  const rep = (await dispatch(svc, 'exportModel', { id, format: 'tfjs' })) as ExportReport;
  assert.equal(rep.status, 'verified', rep.reason ?? '');
  assert.equal(rep.folder, join(svc.dataDir, 'runs', id, 'exports', 'tfjs'));
  assert.ok(svc.store.artifacts(id).some((a) => a.name === 'export-tfjs/model.json' && a.path === `runs/${id}/exports/tfjs/model.json`));
});

test('without onnxruntime-node an ONNX export is written and marked "not verified"', async () => {
  const id = runs.student ?? (await svc.runJob({ kind: 'train', model: 'student', epochs: 1, ...data })).id;
  process.env.DISTILLERY_NO_ONNXRUNTIME = '1';
  try {
    const rep = await svc.exportModel(id, { format: 'onnx', out: join(outRoot, 'unverified') });
    assert.equal(rep.status, 'not verified');
    assert.match(rep.reason ?? '', /not verified: onnxruntime-node is turned off/);
    assert.equal(rep.verification, undefined);
    assert.ok(existsSync(join(outRoot, 'unverified', 'model.onnx')));
    const art = svc.store.artifacts(id).find((a) => a.path === join(outRoot, 'unverified', 'model.onnx'));
    assert.equal(art?.meta.status, 'not verified');
  } finally {
    delete process.env.DISTILLERY_NO_ONNXRUNTIME;
  }
});

test('an export the other runtime disagrees with is marked failed and its model files removed', async () => {
  const id = runs.student ?? (await svc.runJob({ kind: 'train', model: 'student', epochs: 1, ...data })).id;
  const { exportModel } = await import('./model-export.js');
  const out = join(outRoot, 'bad');
  // A grid that does not hold the weights (step 1, nothing below 0): the uint8 file is not the network.
  const bogus = { bits: 8, perChannel: false, scales: [1], zeroPoints: [0] };
  const { report, events } = await exportModel({ runId: id, modelDir: svc.modelDir(id), dataset: 'mnist', grids: { 'FC1/kernel': bogus, 'FC2/kernel': bogus }, steps: [], format: 'tfjs', out, images: 200 });
  assert.equal(report.status, 'failed');
  assert.match(report.reason ?? '', /agrees with Distillery on .* below 99\.0%; the export was removed/);
  assert.deepEqual(report.files, []);
  assert.equal(existsSync(join(out, 'model.json')), false);
  assert.equal(existsSync(join(out, 'weights.bin')), false);
  assert.ok(existsSync(join(out, 'export.json')), 'the verdict stays');
  assert.deepEqual(events.filter((e) => e.type === 'artifact').map((e) => e.type === 'artifact' && [e.name, e.meta.status]), [['export-tfjs/export.json', 'failed']]);
});

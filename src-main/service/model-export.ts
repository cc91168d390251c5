// `export-model`: a run's classifier written in a format other tools load
// (TensorFlow.js layers, ONNX), loaded back with the other runtime and
// compared with Distillery's own predictions before it counts as shipped.
// Runs inside the service process (loaded lazily: it brings TensorFlow.js).
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EXPORT_FORMATS, type ExportedFile, type ExportFormat, type ExportReport } from '../contract/api.js';
import type { JobEvent } from '../contract/jobs.js';
import { toChain } from '../ml/compress/chain.js';
import { loadDataset } from '../ml/data/datasets.js';
import { initBackend } from '../ml/engine/backend.js';
import { chainToOnnx, type QuantGrid } from '../ml/export/onnx.js';
import { tfjsArtifacts } from '../ml/export/tfjs-export.js';
import { agreementOf, loadOnnxRuntime, onnxLogits, stockTfjsLogits, onnxLatency, stockTfjsLatency } from '../ml/export/verify.js';
import { LOGITS_LAYER } from '../ml/models/classifiers.js';
import { loadModel } from '../ml/models/model-io.js';

export { EXPORT_FORMATS, type ExportFormat, type ExportReport };

export interface ExportRequest {
  runId: string;
  modelDir: string;
  dataset: string;
  /** compression.json's grids of quantized kernels ("FC1/kernel"), if the run has them. */
  grids: Record<string, QuantGrid>;
  steps: string[];
  format: ExportFormat;
  out: string;
  /** Test images compared (default 1,000). */
  images?: number;
  onProgress?: (message: string) => void;
}

/** Agreement an export needs with Distillery's predictions to ship. */
export function thresholdFor(format: ExportFormat, quantized: boolean): number {
  return format === 'tfjs' && quantized ? 0.99 : 0.999;
}

let ready: Promise<unknown> | undefined;

function fileOf(dir: string, name: string, data: Buffer | string): ExportedFile {
  const path = join(dir, name);
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return { name, path, size: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
}

const accuracyOf = (logits: Float32Array, labels: Uint8Array, classes: number) => {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    if (best === labels[i]) hits++;
  }
  return labels.length ? hits / labels.length : 0;
};

export async function exportModel(req: ExportRequest): Promise<{ report: ExportReport; events: JobEvent[] }> {
  const say = req.onProgress ?? (() => {});
  // cpu: exact float32 reference predictions; the wasm backend is left to job processes.
  ready ??= initBackend('cpu');
  await ready;
  const folder = resolve(req.out);
  mkdirSync(folder, { recursive: true });
  const model = await loadModel(req.modelDir);
  try {
    const chain = toChain(model);
    const grids = Object.fromEntries(Object.entries(req.grids).filter(([k]) => chain.layers.some((l) => `${l.name}/kernel` === k)));
    say(`writing the ${req.format === 'tfjs' ? 'TensorFlow.js layers' : 'ONNX'} model to ${folder}`);
    let files: ExportedFile[];
    let quantized: string[];
    let weightMaxDiff: number;
    let float32Bytes: number;
    const metadata = { source_run: req.runId, compression: req.steps.join(' → ') || 'none' };
    if (req.format === 'tfjs') {
      const a = await tfjsArtifacts(model, grids);
      files = [fileOf(folder, 'weights.bin', a.weights), fileOf(folder, 'model.json', a.modelJson)];
      quantized = a.quantized;
      weightMaxDiff = a.extraRoundingMax;
      const f = quantized.length ? await tfjsArtifacts(model) : a;
      float32Bytes = f.weights.length + Buffer.byteLength(f.modelJson);
    } else {
      const o = chainToOnnx(chain, { grids, metadata, name: req.runId, producerVersion: '0.1.0' });
      if (o.offGrid.length) say(`warning: ${o.offGrid.join(', ')} not on their quantization grid (moved since quantizing); stored as float32`);
      files = [fileOf(folder, 'model.onnx', o.bytes)];
      quantized = o.quantized;
      weightMaxDiff = o.dequantMaxDiff;
      float32Bytes = quantized.length ? chainToOnnx(chain, { metadata, name: req.runId }).bytes.length : o.bytes.length;
    }
    const bytes = files.reduce((s, f) => s + f.size, 0);
    const gzipBytes = files.reduce((s, f) => s + gzipSync(readBack(f)).length, 0);

    // Verification: Distillery's predictions against the other runtime's, on the first test images.
    const n = req.images ?? 1000;
    const test = loadDataset(req.dataset, { trainLimit: 1, testLimit: n }).test;
    const shape = chain.inputShape;
    const classes = (model.outputs[0].shape.at(-1) as number) ?? 10;
    const ours = tf.tidy(() => {
      const head = model.layers.some((l) => l.name === LOGITS_LAYER) ? tf.model({ inputs: model.inputs, outputs: model.getLayer(LOGITS_LAYER).output as tf.SymbolicTensor }) : model;
      return (head.predict(tf.tensor(test.pixels, [test.count, ...shape])) as tf.Tensor).dataSync() as Float32Array;
    });
    let theirs: Float32Array | null = null;
    let runtime = '';
    let reason: string | undefined;
    if (req.format === 'tfjs') {
      runtime = `stock TensorFlow.js ${tf.version.tfjs}`;
      say(`verifying: loading it back with ${runtime} and predicting ${test.count} test images`);
      theirs = await stockTfjsLogits(folder, test.pixels, shape);
    } else {
      const { ort, reason: why } = await loadOnnxRuntime();
      if (ort) {
        runtime = `onnxruntime-node ${ort.env.versions?.node ?? ''}`.trim();
        say(`verifying: running it with ${runtime} on ${test.count} test images`);
        theirs = await onnxLogits(ort, files[0].path, test.pixels, shape);
      } else reason = `not verified: ${why} (install the optional onnxruntime-node to verify)`;
    }
    const threshold = thresholdFor(req.format, quantized.length > 0);
    let status: ExportReport['status'] = 'not verified';
    let verification: ExportReport['verification'];
    if (theirs) {
      const ag = agreementOf(ours, theirs, classes);
      verification = { ...ag, runtime, threshold, distilleryAccuracy: accuracyOf(ours, test.labels, classes), exportAccuracy: accuracyOf(theirs, test.labels, classes) };
      status = ag.agreement >= threshold ? 'verified' : 'failed';
      if (status === 'failed') reason = `${runtime} agrees with Distillery on ${(ag.agreement * 100).toFixed(2)}% of ${ag.images} test images, below ${(threshold * 100).toFixed(1)}%; the export was removed`;
    }
    if (status === 'failed') {
      for (const f of files) rmSync(f.path, { force: true });
    }
    // The exported model's own speed in the other runtime, beside Distillery's in the size card.
    let latency: ExportReport['latency'];
    if (status === 'verified') {
      say(`timing it in ${runtime} at batch 1 and 64`);
      if (req.format === 'tfjs') latency = await stockTfjsLatency(folder, shape, `${runtime} (${tf.getBackend()} backend)`);
      else {
        const { ort } = await loadOnnxRuntime();
        if (ort) latency = await onnxLatency(ort, files[0].path, shape, `${runtime} (cpu, 1 thread)`);
      }
    }
    const report: ExportReport = {
      runId: req.runId,
      format: req.format,
      status,
      reason,
      folder,
      files: status === 'failed' ? [] : files,
      bytes,
      gzipBytes,
      float32Bytes,
      sizeRatio: bytes / float32Bytes,
      quantized,
      weightMaxDiff,
      verification,
      latency,
      steps: req.steps,
    };
    const reportFile = fileOf(folder, 'export.json', JSON.stringify(report, null, 2));
    const meta = { format: req.format, status, agreement: verification?.agreement ?? null, maxLogitDiff: verification?.maxLogitDiff ?? null, runtime: runtime || null, bytes, gzipBytes, float32Bytes, latencyB1Ms: latency?.b1Ms ?? null, latencyB64Ms: latency?.b64Ms ?? null, latencyRuntime: latency?.runtime ?? null };
    const events: JobEvent[] = [...report.files, reportFile].map((f) => ({ type: 'artifact', kind: 'export', name: `export-${req.format}/${f.name}`, path: f.path, size: f.size, sha256: f.sha256, meta }));
    events.push({ type: 'log', level: status === 'failed' ? 'warn' : 'info', message: `export ${req.format} to ${folder}: ${status}${verification ? `, agreement ${(verification.agreement * 100).toFixed(2)}% (max logit difference ${verification.maxLogitDiff.toExponential(2)})` : ''}` });
    return { report, events };
  } finally {
    model.dispose();
  }
}

const readBack = (f: ExportedFile) => readFileSync(f.path);

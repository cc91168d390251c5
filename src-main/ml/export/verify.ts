// Loading an exported model back with the *other* runtime, using nothing of
// Distillery's: stock TensorFlow.js reads the layers files as its own
// handlers do (model.json, then every weights file the manifest names, in
// order), onnxruntime-node runs the .onnx file. Both return logits.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Logits of a layers model exported to `dir`, computed by stock tfjs. */
export async function stockTfjsLogits(dir: string, images: Float32Array, shape: number[]): Promise<Float32Array> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const groups = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const buffers = groups.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const all = Buffer.concat(buffers);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: groups.flatMap((g) => g.weights), weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) }),
  );
  try {
    const logits = model.layers.some((l) => l.name === 'logits') ? tf.model({ inputs: model.inputs, outputs: model.getLayer('logits').output as tf.SymbolicTensor }) : model;
    const n = images.length / shape.reduce((a, b) => a * b, 1);
    return tf.tidy(() => (logits.predict(tf.tensor(images, [n, ...shape])) as tf.Tensor).dataSync() as Float32Array);
  } finally {
    model.dispose();
  }
}

type Ort = typeof import('onnxruntime-node');
let ort: Promise<Ort | null> | undefined;

/** onnxruntime-node, or null (with the reason) where the optional package is not installed or does not load. */
export async function loadOnnxRuntime(): Promise<{ ort: Ort | null; reason?: string }> {
  // Lets a check see what a machine without the optional package gets.
  if (process.env.DISTILLERY_NO_ONNXRUNTIME) return { ort: null, reason: 'onnxruntime-node is turned off (DISTILLERY_NO_ONNXRUNTIME is set)' };
  let reason: string | undefined;
  ort ??= import('onnxruntime-node').then(
    (m) => ((m as { default?: Ort }).default?.InferenceSession ? (m as { default: Ort }).default : m),
    (e: Error) => ((reason = e.message.split('\n')[0]), null),
  );
  const m = await ort;
  return { ort: m, reason: m ? undefined : (reason ?? 'onnxruntime-node is not installed') };
}

/** Logits (the `logits` output, else the first) of an .onnx file, computed by onnxruntime-node. */
export async function onnxLogits(ortMod: Ort, file: string, images: Float32Array, shape: number[]): Promise<Float32Array> {
  // onnxruntime's QDQ fusions would turn DequantizeLinear → MatMul into an integer
  // MatMul that also quantizes the activations: faster, but not the same network.
  const session = await ortMod.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, extra: { session: { disable_quant_qdq: '1' } } });
  try {
    const n = images.length / shape.reduce((a, b) => a * b, 1);
    const out = await session.run({ [session.inputNames[0]]: new ortMod.Tensor('float32', images, [n, ...shape]) });
    const name = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
    return Float32Array.from(out[name].data as Float32Array);
  } finally {
    await session.release();
  }
}

export interface Agreement {
  images: number;
  /** Share of images where both predict the same class. */
  agreement: number;
  /** Largest |logit difference| over all images and classes. */
  maxLogitDiff: number;
}

export function agreementOf(a: Float32Array, b: Float32Array, classes: number): Agreement {
  if (a.length !== b.length) throw new Error(`prediction sizes differ: ${a.length} vs ${b.length}`);
  const n = a.length / classes;
  let same = 0;
  let maxLogitDiff = 0;
  for (let i = 0; i < n; i++) {
    let ia = 0;
    let ib = 0;
    for (let c = 0; c < classes; c++) {
      const k = i * classes + c;
      if (a[k] > a[i * classes + ia]) ia = c;
      if (b[k] > b[i * classes + ib]) ib = c;
      maxLogitDiff = Math.max(maxLogitDiff, Math.abs(a[k] - b[k]));
    }
    if (ia === ib) same++;
  }
  return { images: n, agreement: n ? same / n : 1, maxLogitDiff };
}

/** Warm-up runs before timing, and timed runs whose median is kept: enough to steady a CPU runtime's caches. */
const WARMUP = 3;
const REPEATS = 10;

async function medianMs(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
}

export interface RuntimeLatency {
  runtime: string;
  /** Milliseconds per image at batch 1, and at batch 64 (batch time / 64). */
  b1Ms: number;
  b64Ms: number;
}

/** Inference time of an exported .onnx file in onnxruntime-node (one thread, as verified). */
export async function onnxLatency(ortMod: Ort, file: string, shape: number[], runtime: string): Promise<RuntimeLatency> {
  const session = await ortMod.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, extra: { session: { disable_quant_qdq: '1' } } });
  try {
    const per = shape.reduce((a, b) => a * b, 1);
    const run = (n: number) => {
      const x = new ortMod.Tensor('float32', new Float32Array(n * per).fill(0.5), [n, ...shape]);
      return () => session.run({ [session.inputNames[0]]: x });
    };
    return { runtime, b1Ms: await medianMs(run(1)), b64Ms: (await medianMs(run(64))) / 64 };
  } finally {
    await session.release();
  }
}

/** Inference time of an exported layers model in stock tfjs (on the current backend). */
export async function stockTfjsLatency(dir: string, shape: number[], runtime: string): Promise<RuntimeLatency> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const groups = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const all = Buffer.concat(groups.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p)))));
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: groups.flatMap((g) => g.weights), weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) }));
  try {
    const run = (n: number) => {
      const x = tf.fill([n, ...shape], 0.5);
      return async () => {
        const y = model.predict(x) as tf.Tensor;
        await y.data();
        y.dispose();
      };
    };
    const [r1, r64] = [run(1), run(64)];
    return { runtime, b1Ms: await medianMs(r1), b64Ms: (await medianMs(r64)) / 64 };
  } finally {
    model.dispose();
  }
}

// The size card: how big and how fast a run's model is, computed the same
// way for every run so that comparisons line up — parameter counts, bytes as
// stored on disk (the quantized .dqm file where there is one, else the
// smaller of dense and sparse float32), MicroNet storage/ops and score
// against the seed teacher at 32 bits, and inference latency.
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SizeCard } from '../contract/api.js';
import type { Store } from '../db/store.js';
import type { CompressionManifest } from '../jobs/compress-jobs.js';
import { toChain, type Chain } from '../ml/compress/chain.js';
import { micronetCost, micronetScore, type Cost } from '../ml/compress/micronet.js';
import { buildTeacher } from '../ml/models/classifiers.js';
import { loadModel } from '../ml/models/model-io.js';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
}

/** Parameter and nonzero counts of a saved tfjs-layers model, read from model.json and its weight files (no backend needed). */
export function countSavedWeights(modelDir: string): { params: number; nonzeros: number } {
  const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest?: { paths: string[]; weights: WeightSpec[] }[] };
  if (!json.weightsManifest) throw new Error(`${modelDir}/model.json: weightsManifest is missing`);
  let params = 0;
  let nonzeros = 0;
  for (const group of json.weightsManifest) {
    const bin = Buffer.concat(group.paths.map((p) => readFileSync(join(modelDir, p))));
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype && w.dtype !== 'float32') throw new Error(`${modelDir}: weight ${w.name} is ${w.dtype}; only float32 weights are counted`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      const v = new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + 4 * n));
      for (let i = 0; i < n; i++) if (v[i] !== 0) nonzeros++;
      params += n;
      offset += 4 * n;
    }
  }
  return { params, nonzeros };
}

/** Bytes of float32 weights stored sparse: the nonzero values plus a one-bit-per-weight mask. */
export const sparseFloat32Bytes = (params: number, nonzeros: number) => nonzeros * 4 + Math.ceil(params / 8);

let teacherCost: Cost | undefined;
/** MicroNet cost of the seed teacher, all weights 32-bit: the score's baseline (weights are random but nonzero, so the cost is fixed). */
export function teacherBaseline(): Cost {
  if (!teacherCost) {
    const m = buildTeacher();
    teacherCost = micronetCost(toChain(m), {}, 'fp32');
    m.dispose();
  }
  return teacherCost;
}

const NO_LATENCY = { latencyB1Ms: null, latencyB64Ms: null, latencyBackend: null, latencyMeasuredAt: null, latencyLater: false } as const;

/**
 * The size card of a model saved in `modelDirs` (one folder, or several for
 * a model in parts such as a VAE's encoder and decoder, summed). MicroNet
 * figures need one Dense/Conv2D chain and a tfjs backend; they are null for
 * anything else. Latency is left empty (see measureLatency).
 */
export async function computeSizeCard(input: { modelDirs: string[]; compression?: CompressionManifest; quantizedFile?: string; baseline?: Cost }): Promise<SizeCard> {
  let params = 0;
  let nonzeros = 0;
  for (const d of input.modelDirs) {
    const c = countSavedWeights(d);
    params += c.params;
    nonzeros += c.nonzeros;
  }
  const float32Bytes = params * 4;
  const storedBytes = input.quantizedFile && existsSync(input.quantizedFile) ? statSync(input.quantizedFile).size : Math.min(float32Bytes, sparseFloat32Bytes(params, nonzeros));
  let micro: Pick<SizeCard, 'micronetStorageFp32' | 'micronetStorageFp16' | 'micronetOpsMult' | 'micronetOpsAdd' | 'micronetScore'> = {
    micronetStorageFp32: null,
    micronetStorageFp16: null,
    micronetOpsMult: null,
    micronetOpsAdd: null,
    micronetScore: null,
  };
  if (input.modelDirs.length === 1) {
    let chain: Chain | undefined;
    const model = await loadModel(input.modelDirs[0]);
    try {
      chain = toChain(model);
    } catch {
      chain = undefined; // not a compressible chain (e.g. an autoencoder): no MicroNet figures
    } finally {
      model.dispose();
    }
    if (chain) {
      const bits = Object.fromEntries(Object.entries(input.compression?.weights ?? {}).map(([k, v]) => [k, v.bits]));
      const fp32 = micronetCost(chain, bits, 'fp32');
      const fp16 = micronetCost(chain, bits, 'fp16');
      micro = {
        micronetStorageFp32: fp32.storage,
        micronetStorageFp16: fp16.storage,
        micronetOpsMult: fp32.multiplies,
        micronetOpsAdd: fp32.additions,
        micronetScore: micronetScore(fp32, input.baseline ?? teacherBaseline()).score,
      };
    }
  }
  return { params, nonzeroParams: nonzeros, float32Bytes, storedBytes, ...micro, ...NO_LATENCY };
}

/** The model folders, compression manifest and quantized file a job left in its run folder; null when it saved no model. */
export function runModelFiles(runDir: string): { modelDirs: string[]; compression?: CompressionManifest; quantizedFile?: string } | null {
  const has = (d: string) => existsSync(join(runDir, d, 'model.json'));
  const modelDirs = has('model') ? [join(runDir, 'model')] : ['encoder', 'decoder'].filter(has).map((d) => join(runDir, d));
  if (modelDirs.length === 0) return null;
  const manifestPath = join(runDir, 'compression.json');
  const dqm = join(runDir, 'model.dqm');
  return {
    modelDirs,
    compression: existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as CompressionManifest) : undefined,
    quantizedFile: existsSync(dqm) ? dqm : undefined,
  };
}

/** computeSizeCard for a run folder (data-dir.ts runDir); null when the run saved no model. */
export async function sizeCardForRunDir(runDir: string): Promise<SizeCard | null> {
  const files = runModelFiles(runDir);
  return files ? computeSizeCard(files) : null;
}

export interface Latency {
  /** Milliseconds per image at batch 1. */
  b1Ms: number;
  /** Milliseconds per image at batch 64 (median batch time / 64). */
  b64Ms: number;
  backend: string;
  measuredAt: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median wall time in ms of `repeats` calls after `warmup` discarded ones. */
export async function timeMedian(fn: () => Promise<void> | void, warmup: number, repeats: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * Inference time per image of `model` (or the model saved in a folder) on
 * the current tfjs backend, at batch 1 and batch 64: a few warm-up runs
 * (kernel compilation, memory pools), then the median of `repeats` timed
 * runs, each waiting for the output data so asynchronous backends are timed
 * to completion.
 */
export async function measureLatency(modelOrDir: tf.LayersModel | string, opts: { warmup?: number; repeats?: number } = {}): Promise<Latency> {
  const model = typeof modelOrDir === 'string' ? await loadModel(modelOrDir) : modelOrDir;
  const warmup = opts.warmup ?? 3;
  const repeats = opts.repeats ?? 10;
  try {
    const shape = model.inputs[0].shape.slice(1) as number[];
    const at = async (batch: number) => {
      const x = tf.randomUniform([batch, ...shape], 0, 1, 'float32', 1);
      try {
        return await timeMedian(async () => {
          const y = model.predict(x) as tf.Tensor | tf.Tensor[];
          const ys = Array.isArray(y) ? y : [y];
          await Promise.all(ys.map((t) => t.data()));
          tf.dispose(ys);
        }, warmup, repeats);
      } finally {
        x.dispose();
      }
    };
    const b1Ms = await at(1);
    const b64Ms = (await at(64)) / 64;
    return { b1Ms, b64Ms, backend: tf.getBackend(), measuredAt: new Date().toISOString() };
  } finally {
    if (typeof modelOrDir === 'string') model.dispose();
  }
}

/** The card with a latency measurement filled in. */
export function withLatency(card: SizeCard, l: Latency, later: boolean): SizeCard {
  return { ...card, latencyB1Ms: l.b1Ms, latencyB64Ms: l.b64Ms, latencyBackend: l.backend, latencyMeasuredAt: l.measuredAt, latencyLater: later };
}

/**
 * Computes a run's size card from its folder and stores it; with `latency`,
 * also times the main model (on the current tfjs backend; the caller
 * initializes it). `later` marks a measurement taken after the run (e.g. when
 * a finished run is first opened) rather than by its job. Returns the card,
 * or null when the run saved no model.
 */
export async function refreshSizeCard(store: Pick<Store, 'setSizeCard'>, runId: string, runDir: string, opts: { latency?: boolean; later?: boolean; repeats?: number } = {}): Promise<SizeCard | null> {
  const files = runModelFiles(runDir);
  if (!files) return null;
  let card = await computeSizeCard(files);
  // A model in parts is timed end to end by its job, if at all; here only single models.
  if (opts.latency && files.modelDirs.length === 1) card = withLatency(card, await measureLatency(files.modelDirs[0], { repeats: opts.repeats }), opts.later ?? true);
  store.setSizeCard(runId, card);
  return card;
}

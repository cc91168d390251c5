// Worker thread of the data-parallel trainer (data-parallel.ts): holds a
// copy of the model in its own TensorFlow.js, and for each step computes the
// gradients of its half batch into shared memory.
import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { initBackend, type BackendName } from '../engine/backend.js';
import { logitsModel } from '../models/classifiers.js';
import { BatchFiller, batchLossAndHits, evaluateRange, type Softening } from './classifier-trainer.js';
import { readFlat, writeFlatGrads, type EvalResult, type HalfResult, type ParallelInit } from './data-parallel.js';
import { globalRandomState, seedGlobalRandom, setGlobalRandomState } from './rng.js';
import type { Split } from '../data/datasets.js';

let state: {
  vars: tf.Variable[];
  student: tf.LayersModel;
  soft?: Softening;
  filler: BatchFiller;
  test: Split;
  init: ParallelInit;
} | null = null;

async function init(m: ParallelInit): Promise<void> {
  // A different stream from the main thread's, so the two halves get different dropout masks.
  seedGlobalRandom(m.seed + 7919);
  await initBackend(m.backend as BackendName | undefined);
  const model = await tf.models.modelFromJSON({ modelTopology: m.modelTopology } as tf.io.ModelJSON);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const split = { pixels: m.pixels, labels: m.labels, rows: m.rows, cols: m.cols, count: m.labels.length, images: new Uint8Array(0) } as Split;
  const soft = m.teacher && { temperature: m.teacher.temperature, alpha: m.teacher.alpha };
  const test = { ...m.test, count: m.test.labels.length, images: new Uint8Array(0) } as Split;
  state = { vars, student: logitsModel(model), soft, filler: new BatchFiller(split, 4096, m.teacher?.logits ?? null, m.augment ?? null), test, init: m };
}

function evaluate(from: number, to: number): EvalResult {
  const s = state!;
  readFlat(s.vars, s.init.weights);
  return evaluateRange(s.student, s.test, from, to);
}

function step(indices: Uint32Array, epoch: number): HalfResult {
  const s = state!;
  readFlat(s.vars, s.init.weights);
  s.filler.fill(indices, 0, indices.length, epoch);
  let hits = 0;
  const loss = tf.tidy(() => {
    const batch = s.filler.tensors(indices.length);
    const { value, grads } = tf.variableGrads(() => {
      const r = batchLossAndHits(s.student, batch, s.soft);
      hits = r.hits.dataSync()[0];
      return r.loss;
    }, s.vars);
    writeFlatGrads(s.vars, grads, s.init.grads);
    return value.dataSync()[0];
  });
  return { loss, hits };
}

parentPort!.on('message', async (m: { type: string } & Record<string, unknown>) => {
  try {
    if (m.type === 'init') {
      await init(m as unknown as ParallelInit);
      parentPort!.postMessage({ type: 'ready' });
    } else if (m.type === 'step') {
      parentPort!.postMessage({ type: 'result', result: step(Uint32Array.from(m.indices as number[]), (m.epoch as number) ?? 0) });
    } else if (m.type === 'rng') {
      // Checkpoints save this thread's Math.random state (its dropout masks); a resumed run restores it.
      if (typeof m.state === 'number') setGlobalRandomState(m.state);
      parentPort!.postMessage({ type: 'result', result: globalRandomState() });
    } else if (m.type === 'evaluate') {
      parentPort!.postMessage({ type: 'result', result: evaluate(m.from as number, m.to as number) });
    }
  } catch (e) {
    parentPort!.postMessage({ type: 'error', error: (e as Error)?.stack ?? String(e) });
  }
});

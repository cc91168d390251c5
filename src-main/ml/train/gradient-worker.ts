// Worker thread of the data-parallel trainers (data-parallel.ts): holds a
// copy of the model in its own TensorFlow.js, and for each step computes the
// gradients of its half batch into shared memory: a classifier's loss, or an
// autoencoder's reconstruction loss (`task`).
import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { initBackend, type BackendName } from '../engine/backend.js';
import { logitsModel } from '../models/classifiers.js';
import { BatchFiller, batchLossAndHits, evaluateRange, type Softening } from './classifier-trainer.js';
import { readFlat, writeFlatGrads, type AutoencoderTask, type EvalResult, type HalfResult, type ParallelInit } from './data-parallel.js';
import { batchOf, reconLoss } from './latent-trainer.js';
import { globalRandomState, seedGlobalRandom, setGlobalRandomState } from './rng.js';
import type { Split } from '../data/datasets.js';

interface Common {
  vars: tf.Variable[];
  init: ParallelInit;
}

let state:
  | (Common & { kind: 'classifier'; student: tf.LayersModel; soft?: Softening; filler: BatchFiller; test: Split | null })
  | (Common & { kind: 'autoencoder'; logits: tf.LayersModel; task: AutoencoderTask; train: Split })
  | null = null;

async function init(m: ParallelInit): Promise<void> {
  // A different stream from the main thread's, so the two halves get different dropout masks.
  seedGlobalRandom(m.seed + 7919);
  await initBackend(m.backend as BackendName | undefined);
  const model = await tf.models.modelFromJSON({ modelTopology: m.modelTopology } as tf.io.ModelJSON);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const split = { pixels: m.pixels, labels: m.labels, rows: m.rows, cols: m.cols, count: m.labels.length, images: new Uint8Array(0) } as Split;
  if (m.task?.kind === 'autoencoder') {
    // The trainer's `ae.logits`: the model up to its linear layer 'logits' (autoencoders.ts).
    const logits = tf.model({ inputs: model.inputs, outputs: model.getLayer('logits').output as tf.SymbolicTensor });
    state = { kind: 'autoencoder', vars, init: m, logits, task: m.task, train: split };
    return;
  }
  const soft = m.teacher && { temperature: m.teacher.temperature, alpha: m.teacher.alpha };
  const test = m.test ? ({ ...m.test, count: m.test.labels.length, images: new Uint8Array(0) } as Split) : null;
  state = { kind: 'classifier', vars, init: m, student: logitsModel(model), soft, filler: new BatchFiller(split, 4096, m.teacher?.logits ?? null, m.augment ?? null), test };
}

function evaluate(from: number, to: number): EvalResult {
  const s = state!;
  if (s.kind !== 'classifier' || !s.test) throw new Error('this worker was started without a test set to evaluate');
  readFlat(s.vars, s.init.weights);
  return evaluateRange(s.student, s.test, from, to);
}

function step(indices: Uint32Array, epoch: number): HalfResult {
  const s = state!;
  readFlat(s.vars, s.init.weights);
  if (s.kind === 'autoencoder') {
    // latent-trainer.ts's aeLearner without a guide: the mean per-pixel loss of this half.
    const loss = tf.tidy(() => {
      const x = batchOf(s.train, indices, s.task.inputShape);
      const { value, grads } = tf.variableGrads(() => reconLoss(s.task.loss, s.logits.apply(x) as tf.Tensor, x), s.vars);
      writeFlatGrads(s.vars, grads, s.init.grads);
      return value.dataSync()[0];
    });
    return { loss, hits: 0 };
  }
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

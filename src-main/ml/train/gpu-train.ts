// The classifier training loop for the webgpu backend. Same contract as
// trainClassifier (which hands over to it on webgpu), different hot path:
//
// - the training and test sets are uploaded once (DeviceSplit) and each
//   batch is gathered on the device from the epoch's shuffled order, itself
//   uploaded once per epoch;
// - tf.train.adam updates the variables in place on the device (FlatAdam and
//   the data-parallel worker live in wasm/host memory: not used here);
// - no step waits for the device: each step's loss and hit count stay on it,
//   and every `readEvery` steps they are read in one transfer and reported
//   (so onStep calls arrive in bursts, each with its own step's values);
// - a non-finite loss is therefore noticed up to `readEvery` steps late: the
//   variables go back to the last weights whose steps all had finite losses,
//   and DivergedError names the step range and the metric. Cancelling flushes
//   the pending reports the same way, then stops;
// - end-of-epoch checkpoints as trainClassifier's (weights and tf.train.adam's
//   moments read asynchronously, adam-state.ts), so a run resumes on webgpu.
import * as tf from '@tensorflow/tfjs';
import { logitsModel } from '../models/classifiers.js';
import { batchLossAndHits, restoreWeights, type TrainOptions, type TrainResult } from './classifier-trainer.js';
import { softCrossEntropy } from './distill-loss.js';
import { DeviceSplit, mapOnDevice } from './gpu-data.js';
import { readAdam, restoreAdam } from './adam-state.js';
import type { TrainCheckpoint } from './checkpoint.js';
import { mulberry32, seededStateOrNull, setGlobalRandomState, shuffle } from './rng.js';

/** Steps between two reads of the losses: long enough to keep the GPU queue full, short enough for a live chart. */
export const READ_EVERY = 25;

/** Training stopped on a non-finite metric; the model holds the last good weights. */
export class DivergedError extends Error {
  constructor(
    message: string,
    readonly firstStep: number,
    readonly lastStep: number,
    readonly metric: string,
  ) {
    super(message);
    this.name = 'DivergedError';
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Pending {
  epoch: number;
  batch: number;
  step: number;
  n: number;
  loss: tf.Scalar;
  hits: tf.Scalar;
}

/** Test accuracy and mean cross-entropy, summed on the device and read once. */
export async function evaluateOnDevice(model: tf.LayersModel, data: DeviceSplit, batchSize = 1000): Promise<{ accuracy: number; loss: number }> {
  const logits = logitsModel(model);
  const sums = tf.tidy(() => {
    let hits: tf.Tensor = tf.scalar(0);
    let loss: tf.Tensor = tf.scalar(0);
    for (let from = 0; from < data.count; from += batchSize) {
      const n = Math.min(batchSize, data.count - from);
      const { x, y } = data.range(from, n);
      const z = logits.predict(x) as tf.Tensor2D;
      hits = tf.add(hits, tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(y, 1)), 'float32')));
      loss = tf.add(loss, tf.mul(softCrossEntropy(y, z), n));
    }
    return tf.stack([hits, loss]);
  });
  const [hits, loss] = await sums.data();
  sums.dispose();
  return { accuracy: hits / data.count, loss: loss / data.count };
}

export async function trainClassifierOnDevice(o: TrainOptions & { readEvery?: number }): Promise<TrainResult> {
  const readEvery = Math.max(1, o.readEvery ?? READ_EVERY);
  const random = mulberry32(o.seed);
  const soft = o.teacher && { temperature: o.teacher.temperature, alpha: o.teacher.alpha };
  const train = new DeviceSplit(o.train);
  const test = new DeviceSplit(o.test);
  const teacherModel = o.teacher ? logitsModel(o.teacher.model) : null;
  // The teacher is in inference mode: its logits are computed once, and stay on the device.
  const teacherLogits = teacherModel ? mapOnDevice(train, 500, (x) => teacherModel.predict(x) as tf.Tensor) : null;
  const order = new Uint32Array(o.train.count).map((_, i) => i);
  const batches = Math.ceil(o.train.count / o.batchSize);
  const vars = o.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const student = logitsModel(o.model);
  const optimizer = tf.train.adam(o.learningRate);
  const resume = o.checkpoint?.resume;
  if (resume) {
    if (resume.order.length !== o.train.count) throw new Error(`checkpoint of epoch ${resume.epoch} was made on ${resume.order.length} training images, this run has ${o.train.count}`);
    if (!resume.adam) throw new Error(`checkpoint of epoch ${resume.epoch} was made with sgd; the GPU trainer runs Adam (resume with the run's own options)`);
    restoreWeights(o.model, resume);
    order.set(resume.order);
    random.state = resume.shuffleRng;
    restoreAdam(optimizer, vars, resume.adam);
    // Last, after everything that may draw from Math.random while setting up.
    if (resume.globalRng !== null) setGlobalRandomState(resume.globalRng);
  }
  let lastGood: tf.Tensor[] = vars.map((v) => tf.clone(v));
  const pending: Pending[] = [];
  const started = performance.now() - (resume?.elapsed ?? 0) * 1000;
  let step = resume?.step ?? 0;
  let stopped = false;
  let epochsDone = resume?.epoch ?? 0;
  let last: { accuracy: number; loss: number } | null = resume?.lastTest ?? null;
  let epochLoss = 0;
  let epochHits = 0;
  let epochSeen = 0;

  /** Reads every pending step's loss and hits in one transfer, reports them, and checks they are finite. */
  const flush = async () => {
    if (!pending.length) return;
    // The weights after the last pending step become the last good ones once the range reads finite
    // (at every read: the end of an epoch and a cancel too, or a later NaN would restore older weights than it says).
    const candidate = vars.map((v) => tf.clone(v));
    const packed = tf.tidy(() => tf.stack(pending.flatMap((p) => [p.loss, p.hits])));
    const values = await packed.data();
    packed.dispose();
    const done = pending.splice(0);
    tf.dispose(done.flatMap((p) => [p.loss, p.hits]));
    const bad = done.findIndex((_, i) => !Number.isFinite(values[2 * i]));
    if (bad >= 0) {
      // Back to the weights before this range; the range's steps are not reported.
      vars.forEach((v, i) => v.assign(lastGood[i]));
      tf.dispose(candidate);
      throw new DivergedError(
        `loss became ${values[2 * bad]} between steps ${done[0].step} and ${done[done.length - 1].step} (epoch ${done[bad].epoch}; losses are read every ${readEvery} steps on the GPU); ` +
          `the model keeps the weights from before step ${done[0].step}; lower the learning rate (now ${o.learningRate})`,
        done[0].step,
        done[done.length - 1].step,
        'loss',
      );
    }
    tf.dispose(lastGood);
    lastGood = candidate;
    const elapsed = (performance.now() - started) / 1000;
    done.forEach((p, i) => {
      const loss = values[2 * i];
      const hits = values[2 * i + 1];
      epochLoss += loss * p.n;
      epochHits += hits;
      epochSeen += p.n;
      o.onStep?.({ epoch: p.epoch, epochs: o.epochs, batch: p.batch, batches, step: p.step, loss, accuracy: hits / p.n, elapsed, images: p.n });
    });
  };

  try {
    for (let epoch = epochsDone + 1; epoch <= o.epochs && !stopped; epoch++) {
      shuffle(order, random);
      const perm = tf.tensor1d(Int32Array.from(order), 'int32');
      epochLoss = epochHits = epochSeen = 0;
      try {
        for (let b = 0; b < batches; b++) {
          const from = b * o.batchSize;
          const n = Math.min(o.batchSize, o.train.count - from);
          const [loss, hits] = tf.tidy(() => {
            const idx = tf.slice(perm, [from], [n]) as tf.Tensor1D;
            const batch: { x: tf.Tensor; y: tf.Tensor; t?: tf.Tensor } = train.gather(idx);
            if (teacherLogits) batch.t = tf.gather(teacherLogits, idx);
            let h: tf.Scalar | null = null;
            const { value, grads } = tf.variableGrads(() => {
              const r = batchLossAndHits(student, batch, soft);
              h = tf.keep(r.hits);
              return r.loss;
            }, vars);
            optimizer.applyGradients(grads as tf.NamedTensorMap as Parameters<typeof optimizer.applyGradients>[0]);
            return [value, h!] as [tf.Scalar, tf.Scalar];
          });
          o.afterStep?.();
          step++;
          pending.push({ epoch, batch: b + 1, step, n, loss, hits });
          if (pending.length >= readEvery) {
            await flush();
          } else {
            await yieldToEventLoop();
          }
          if (o.shouldStop?.()) {
            stopped = true;
            break;
          }
        }
        await flush();
      } finally {
        perm.dispose();
      }
      if (stopped) break;
      last = await evaluateOnDevice(o.model, test);
      epochsDone = epoch;
      o.onEpoch?.({
        epoch,
        step,
        trainLoss: epochLoss / epochSeen,
        trainAccuracy: epochHits / epochSeen,
        testLoss: last.loss,
        testAccuracy: last.accuracy,
        elapsed: (performance.now() - started) / 1000,
      });
      if (o.checkpoint?.save) {
        // Read asynchronously: webgpu has no synchronous read under Node.
        const weights: TrainCheckpoint['weights'] = [];
        for (const w of o.model.weights) weights.push({ name: w.originalName, shape: w.shape as number[], values: (await w.read().data()) as Float32Array });
        await o.checkpoint.save({
          epoch,
          step,
          elapsed: (performance.now() - started) / 1000,
          shuffleRng: random.state,
          globalRng: seededStateOrNull(),
          workerRng: null,
          order: order.slice(),
          weights,
          adam: await readAdam(optimizer, vars),
          schedule: { epoch, learningRate: o.learningRate },
          lastTest: last,
        });
      }
    }
  } finally {
    tf.dispose(pending.flatMap((p) => [p.loss, p.hits]));
    tf.dispose(lastGood);
    optimizer.dispose();
    train.dispose();
    test.dispose();
    teacherLogits?.dispose();
  }
  return { stopped, epochsDone, testAccuracy: last?.accuracy ?? null, testLoss: last?.loss ?? null };
}

// Training and evaluation of autoencoders, Gaussian VAEs and Dirichlet VAEs.
import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/datasets.js';
import {
  dirichletKl,
  gaussianKl,
  icdfLogGammaApprox,
  logDirichletFromLog,
  logNormal,
  logNormalizeToSimplex,
  multiGammaKl,
  normal,
  sampleLogGamma,
} from '../latent/distributions.js';
import type { Autoencoder, Vae } from '../models/autoencoders.js';
import { readAdam, restoreAdam } from './adam-state.js';
import type { TrainCheckpoint } from './checkpoint.js';
import { FlatAdam, type FlatAdamMoments } from './flat-adam.js';
import { flatSize, GradientWorker, readFlat, shareSplit, writeFlat, writeFlatGrads } from './data-parallel.js';
import { DivergedError, READ_EVERY } from './gpu-train.js';
import { mulberry32, seededStateOrNull, setGlobalRandomState, shuffle, type Rng } from './rng.js';
import { leaveWebgpu } from '../engine/host.js';
import type { TrainingData } from './types.js';

export type ReconLoss = 'bce' | 'mse';

/** Per-pixel binary cross-entropy from logits (stable form), shape of x. */
export function bceFromLogits(logits: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/** Mean per-pixel reconstruction loss (Keras-style), a scalar. */
export function reconLoss(kind: ReconLoss, logits: tf.Tensor, x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => (kind === 'bce' ? tf.mean(bceFromLogits(logits, x)) : tf.mean(tf.square(tf.sub(tf.sigmoid(logits), x)))) as tf.Scalar);
}

/** Images of `split` at `indices` as a tensor of `shape` per image ([784] or [28, 28, 1]). */
export function batchOf(split: Split, indices: ArrayLike<number>, shape: number[]): tf.Tensor {
  const size = split.rows * split.cols;
  const buf = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) buf.set(split.pixels.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
  return tf.tensor(buf, [indices.length, ...shape]);
}

const range = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface LoopHooks {
  /** After every step, in bursts of `readEvery` (see loop); a returned promise is awaited. */
  onStep?: (r: { epoch: number; epochs: number; batch: number; batches: number; step: number; metrics: Record<string, number>; elapsed: number; images: number }) => void | Promise<void>;
  onEpoch?: (r: { epoch: number; metrics: Record<string, number>; elapsed: number }) => void;
  shouldStop?: () => boolean;
  /** End-of-epoch checkpoints (checkpoint.ts): `save` gets each epoch's state, `resume` continues from one. */
  checkpoint?: { save?: (c: TrainCheckpoint) => void | Promise<void>; resume?: TrainCheckpoint };
  /** Steps between two reads of the losses; READ_EVERY (gpu-train.ts) unless a test needs a short range. */
  readEvery?: number;
  /** tf.train.adam on every backend, for tests and benchmarks that compare it with FlatAdam (see loop). */
  tfAdam?: boolean;
}

/** One model the loop trains: its variables, its batch loss, its test metrics. */
interface Learner {
  vars: tf.Variable[];
  /** Builds the loss for one batch of indices; extra scalars are reported as metrics. */
  step: (indices: Uint32Array) => { loss: tf.Scalar; extra: Record<string, tf.Scalar> };
  /** Test metrics, read asynchronously (so they run on the job's backend, webgpu included). */
  evaluate: () => Promise<Record<string, number>>;
  /** Metrics of a learner trained silently (ae-distill's baseline) are only checked, under this name prefix; '' = reported. */
  silent?: string;
  /**
   * What the worker thread of a two-core run needs to compute this learner's
   * loss on half a batch (data-parallel.ts); absent = one core only. Only a
   * learner whose loss is a mean over the batch's images, with no random
   * draws and no extra scalars, can have it: the plain autoencoder.
   */
  parallel?: { model: tf.LayersModel; loss: ReconLoss; inputShape: number[] };
}

/** One learner's Adam: a step on a batch, and its moments for checkpoints (FlatAdamMoments' layout either way). */
interface LearnerAdam {
  /** The batch's loss and extra scalars, not yet read; the caller disposes them. */
  step: (indices: Uint32Array) => Promise<{ loss: tf.Scalar; extra: Record<string, tf.Scalar> }>;
  moments: () => Promise<FlatAdamMoments>;
  restore: (s: FlatAdamMoments) => void;
  /** Frees the optimizer, and ends the worker thread of a two-core run. */
  dispose: () => Promise<void>;
}

/** The learner's extra scalars, kept past the tidy of the gradient function that made them. */
const keepExtra = (extra: Record<string, tf.Scalar>) => Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, tf.keep(v)]));

/** tf.train.adam: the update stays on the device, so webgpu's queue never waits for a read. */
function tfAdam(learner: Learner, learningRate: number): LearnerAdam {
  const opt = tf.train.adam(learningRate);
  return {
    step: async (idx) => {
      let extra: Record<string, tf.Scalar> = {};
      const loss = opt.minimize(() => {
        const r = learner.step(idx);
        extra = keepExtra(r.extra);
        return r.loss;
      }, true, learner.vars) as tf.Scalar;
      return { loss, extra };
    },
    moments: () => readAdam(opt, learner.vars),
    restore: (s) => restoreAdam(opt, learner.vars, s),
    dispose: async () => opt.dispose(),
  };
}

/**
 * FlatAdam (flat-adam.ts), as the classifier trainer steps: the gradients are
 * read into its memory, one SIMD pass updates the flat weights, which are
 * assigned back to the variables. tf.train.adam's ~12 tensor ops per variable
 * were a large share of a host step. The update is tf.train.adam's in float32
 * (a step may differ in its last bit) and the moments are laid out alike, so
 * checkpoints move between this and tfAdam (webgpu) unchanged.
 *
 * With `train` (and a learner that has `parallel`), two cores as the
 * classifier trainer does it (data-parallel.ts): the first half of each batch
 * here, the second on a worker thread reading the same flat weights, and one
 * FlatAdam pass on the halves' gradients weighted by their image counts,
 * which is the gradient of the whole batch's mean loss. A batch of one stays here.
 */
async function flatAdam(learner: Learner, learningRate: number, train?: Split, seed = 0): Promise<LearnerAdam> {
  const { vars } = learner;
  const adam = new FlatAdam(flatSize(vars), learningRate);
  const worker = train && learner.parallel ? await startAeWorker(learner.parallel, adam, train, seed) : null;
  // The tensors the flat weights were last copied from or to: anything else that
  // assigns a variable (a resume, a test poisoning weights) replaces its dataId.
  let synced: object[] = [];
  return {
    step: async (idx) => {
      // Before the worker starts: it reads these weights.
      if (vars.some((v, i) => v.dataId !== synced[i])) writeFlat(vars, adam.weights);
      const n1 = worker && idx.length >= 2 ? Math.ceil(idx.length / 2) : idx.length;
      const n2 = idx.length - n1;
      const other = worker && n2 > 0 ? worker.step(idx.subarray(n1)) : null;
      // Awaited below; if this half throws first, the loop's finally ends the worker.
      other?.catch(() => {});
      let extra: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const r = learner.step(n2 > 0 ? idx.subarray(0, n1) : idx);
        extra = keepExtra(r.extra);
        return r.loss;
      }, vars);
      writeFlatGrads(vars, grads, adam.ownGrads);
      tf.dispose(Object.values(grads));
      // The worker's gradients are in adam.otherGrads once its promise resolves.
      const theirs = other ? await other : null;
      adam.step(n1 / idx.length, n2 / idx.length);
      readFlat(vars, adam.weights);
      synced = vars.map((v) => v.dataId);
      if (!theirs) return { loss: value as tf.Scalar, extra };
      // The batch's mean loss, still unread: the halves' means weighted by their sizes.
      const loss = tf.tidy(() => tf.div(tf.add(tf.mul(value, n1), theirs.loss * n2), idx.length) as tf.Scalar);
      value.dispose();
      return { loss, extra };
    },
    moments: async () => adam.moments(),
    restore: (s) => adam.restoreMoments(s),
    dispose: async () => {
      await worker?.close();
    },
  };
}

/** The worker thread of a two-core autoencoder run: the training images shared, the gradients into FlatAdam's memory. */
async function startAeWorker(p: NonNullable<Learner['parallel']>, adam: FlatAdam, train: Split, seed: number): Promise<GradientWorker> {
  return GradientWorker.start({
    modelTopology: p.model.toJSON(null, false),
    task: { kind: 'autoencoder', loss: p.loss, inputShape: p.inputShape },
    ...shareSplit(train),
    rows: train.rows,
    cols: train.cols,
    weights: adam.weights,
    grads: adam.otherGrads,
    seed,
    backend: tf.getBackend(),
  });
}

interface LoopOptions extends LoopHooks, Omit<TrainingData, 'test'> {
  learners: Learner[];
  /** Every model whose weights (trainable or not) a checkpoint holds, in a fixed order. */
  models: tf.LayersModel[];
  /** The training sampler's generator (VAEs), saved and restored with the checkpoint. */
  sampler?: Rng;
  /**
   * Two cores (data-parallel.ts) for a single learner that has `parallel`, on
   * the host backends with FlatAdam; ignored otherwise. Only trainAutoencoder
   * asks for it; see there for why the other trainers stay on one core.
   */
  dataParallel?: boolean;
}

export interface LoopResult {
  stopped: boolean;
  epochsDone: number;
  last: Record<string, number> | null;
}

interface Pending {
  epoch: number;
  batch: number;
  step: number;
  n: number;
  names: string[];
  values: tf.Scalar[];
}

/**
 * The shared minibatch loop: shuffle once per epoch, step every learner on
 * each batch, evaluate and checkpoint each epoch, stop when asked.
 *
 * No step waits for the device (webgpu's queue stays full; on wasm/cpu it
 * saves a read per metric per step): each step's scalars stay where they are
 * computed and every `readEvery` steps, at the end of an epoch and when
 * stopping, they are read in one transfer and reported. A non-finite value is
 * therefore noticed late: the variables go back to the last weights whose
 * steps all read finite, and DivergedError names the step range and the metric.
 *
 * Adam is FlatAdam on the host backends (wasm, cpu), where reading a gradient
 * costs a copy; on webgpu it is tf.train.adam, which needs no read at all.
 * One optimizer per learner: ae-distill's two students step on their own losses.
 * With `dataParallel`, a lone learner's batches are split across two cores
 * (flatAdam); checkpoints are the same either way (the worker draws nothing).
 */
async function loop(o: LoopOptions): Promise<LoopResult> {
  const readEvery = Math.max(1, o.readEvery ?? READ_EVERY);
  const random = mulberry32(o.seed);
  const onHost = ['wasm', 'cpu'].includes(tf.getBackend()) && !o.tfAdam;
  const twoCores = onHost && o.dataParallel === true && o.learners.length === 1 && o.learners[0].parallel !== undefined;
  const optimizers: LearnerAdam[] = [];
  try {
    for (const l of o.learners) optimizers.push(onHost ? await flatAdam(l, o.learningRate, twoCores ? o.train : undefined, o.seed) : tfAdam(l, o.learningRate));
  } catch (e) {
    for (const opt of optimizers) await opt.dispose();
    throw e;
  }
  const allVars = o.learners.flatMap((l) => l.vars);
  const order = range(o.train.count);
  const batches = Math.ceil(o.train.count / o.batchSize);
  const resume = o.checkpoint?.resume;
  if (resume) {
    try {
      if (resume.order.length !== o.train.count) throw new Error(`checkpoint of epoch ${resume.epoch} was made on ${resume.order.length} training images, this run has ${o.train.count}`);
      restoreModelsWeights(o.models, resume);
      order.set(resume.order);
      random.state = resume.shuffleRng;
      restoreLearnersAdam(optimizers, o.learners, resume);
    } catch (e) {
      // A worker thread left running would keep the process alive.
      for (const opt of optimizers) await opt.dispose();
      throw e;
    }
    if (o.sampler && resume.samplerRng != null) o.sampler.state = resume.samplerRng;
    // Last, after everything that may draw from Math.random while setting up (the models were built before).
    if (resume.globalRng !== null) setGlobalRandomState(resume.globalRng);
  }
  const started = performance.now() - (resume?.elapsed ?? 0) * 1000;
  let step = resume?.step ?? 0;
  let epochsDone = resume?.epoch ?? 0;
  let last: Record<string, number> | null = resume?.lastMetrics ?? null;
  let lastGood: tf.Tensor[] = allVars.map((v) => tf.clone(v));
  const pending: Pending[] = [];

  /** Reads every pending step's scalars in one transfer, checks them, reports the reported learners' ones. */
  const flush = async () => {
    if (!pending.length) return;
    const packed = tf.tidy(() => tf.stack(pending.flatMap((p) => p.values)));
    const values = await packed.data();
    packed.dispose();
    const done = pending.splice(0);
    tf.dispose(done.flatMap((p) => p.values));
    let at = 0;
    const rows = done.map((p) => {
      const row = Object.fromEntries(p.names.map((name, i) => [name, values[at + i]]));
      at += p.names.length;
      return row;
    });
    for (const [i, row] of rows.entries()) {
      const bad = Object.entries(row).find(([, v]) => !Number.isFinite(v));
      if (!bad) continue;
      // Back to the weights before this range; its steps are not reported.
      allVars.forEach((v, j) => v.assign(lastGood[j]));
      const [first, lastStep] = [done[0].step, done[done.length - 1].step];
      throw new DivergedError(
        `${bad[0].replace(':', ' ')} became ${bad[1]} between steps ${first} and ${lastStep} (epoch ${done[i].epoch}; values are read every ${readEvery} steps); ` +
          `the model keeps the weights from before step ${first}; lower the learning rate (now ${o.learningRate})`,
        first,
        lastStep,
        bad[0].replace(':', ' '),
      );
    }
    // These weights (after the last pending step) are the last good ones now.
    tf.dispose(lastGood);
    lastGood = allVars.map((v) => tf.clone(v));
    const elapsed = (performance.now() - started) / 1000;
    for (const [i, p] of done.entries()) {
      const metrics = Object.fromEntries(Object.entries(rows[i]).filter(([name]) => !name.includes(':')));
      await o.onStep?.({ epoch: p.epoch, epochs: o.epochs, batch: p.batch, batches, step: p.step, metrics, elapsed, images: p.n });
    }
  };

  try {
    for (let epoch = epochsDone + 1; epoch <= o.epochs; epoch++) {
      shuffle(order, random);
      for (let b = 0; b < batches; b++) {
        const idx = order.subarray(b * o.batchSize, Math.min(o.train.count, (b + 1) * o.batchSize));
        const names: string[] = [];
        const values: tf.Scalar[] = [];
        for (const [li, learner] of o.learners.entries()) {
          const prefix = learner.silent ? `${learner.silent}:` : '';
          const { loss, extra } = await optimizers[li].step(idx);
          names.push(`${prefix}loss`, ...Object.keys(extra).map((k) => `${prefix}${k}`));
          values.push(loss, ...Object.values(extra));
        }
        step++;
        pending.push({ epoch, batch: b + 1, step, n: idx.length, names, values });
        if (pending.length >= readEvery) await flush();
        else await yieldToEventLoop();
        if (o.shouldStop?.()) {
          await flush();
          return { stopped: true, epochsDone, last };
        }
      }
      await flush();
      const metrics: Record<string, number> = {};
      for (const l of o.learners) Object.assign(metrics, await l.evaluate());
      last = metrics;
      epochsDone = epoch;
      o.onEpoch?.({ epoch, metrics, elapsed: (performance.now() - started) / 1000 });
      if (o.checkpoint?.save) {
        await o.checkpoint.save({
          epoch,
          step,
          elapsed: (performance.now() - started) / 1000,
          shuffleRng: random.state,
          globalRng: seededStateOrNull(),
          workerRng: null,
          order: order.slice(),
          weights: await modelsWeights(o.models),
          adam: await learnersAdam(optimizers),
          lastTest: null,
          samplerRng: o.sampler?.state ?? null,
          lastMetrics: metrics,
        });
      }
    }
  } finally {
    tf.dispose(pending.flatMap((p) => p.values));
    tf.dispose(lastGood);
    for (const opt of optimizers) await opt.dispose();
    // What follows training (samples, pictures, likelihoods) reads synchronously: on webgpu, continue on the host backend.
    await leaveWebgpu();
  }
  return { stopped: false, epochsDone, last };
}

/** Every weight of `models`, in order, read asynchronously (webgpu has no synchronous read under Node). */
async function modelsWeights(models: tf.LayersModel[]): Promise<TrainCheckpoint['weights']> {
  const out: TrainCheckpoint['weights'] = [];
  for (const m of models) for (const w of m.weights) out.push({ name: w.originalName, shape: w.shape as number[], values: (await w.read().data()) as Float32Array });
  return out;
}

function restoreModelsWeights(models: tf.LayersModel[], c: TrainCheckpoint): void {
  const ws = models.flatMap((m) => m.weights);
  if (ws.length !== c.weights.length || ws.some((w, i) => w.shape.join('x') !== c.weights[i].shape.join('x'))) {
    throw new Error(`checkpoint of epoch ${c.epoch} does not fit this model (${c.weights.length} weights saved, ${ws.length} in the model)`);
  }
  tf.tidy(() => ws.forEach((w, i) => w.write(tf.tensor(c.weights[i].values, c.weights[i].shape))));
}

/**
 * All learners' optimizer moments, one after the other in the checkpoint's flat
 * arrays. Every learner steps on every batch, so their β-products are the same.
 */
async function learnersAdam(optimizers: LearnerAdam[]): Promise<FlatAdamMoments> {
  const parts: FlatAdamMoments[] = [];
  for (const opt of optimizers) parts.push(await opt.moments());
  const join = (k: 'm' | 'v') => {
    const out = new Float32Array(parts.reduce((n, p) => n + p[k].length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p[k], off);
      off += p[k].length;
    }
    return out;
  };
  return { m: join('m'), v: join('v'), accBeta1: parts[0].accBeta1, accBeta2: parts[0].accBeta2 };
}

function restoreLearnersAdam(optimizers: LearnerAdam[], learners: Learner[], c: TrainCheckpoint): void {
  const total = flatSize(learners.flatMap((l) => l.vars));
  // The latent models train with Adam only: a checkpoint without its moments was not written by this loop.
  if (!c.adam) throw new Error(`checkpoint of epoch ${c.epoch}: it holds no Adam state, so it was not written by this job`);
  const adam = c.adam;
  if (adam.m.length !== total) throw new Error(`checkpoint of epoch ${c.epoch}: optimizer state has ${adam.m.length} values, the models ${total}`);
  let off = 0;
  learners.forEach((l, i) => {
    const size = flatSize(l.vars);
    optimizers[i].restore({ m: adam.m.subarray(off, off + size), v: adam.v.subarray(off, off + size), accBeta1: adam.accBeta1, accBeta2: adam.accBeta2 });
    off += size;
  });
}

const trainableOf = (...models: tf.LayersModel[]) => models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));

/** Mean test reconstruction loss of an autoencoder, summed in batches and read once (asynchronously: any backend). */
export async function evaluateAutoencoder(ae: Autoencoder, test: Split, loss: ReconLoss, batchSize = 500): Promise<number> {
  const [sum] = await sumOnDevice(test, batchSize, (from, n) => {
    const x = batchOf(test, range(n).map((i) => i + from), ae.inputShape);
    return [tf.mul(reconLoss(loss, ae.logits.predict(x) as tf.Tensor, x), n)];
  });
  return sum / test.count;
}

/**
 * Sums `f`'s scalars over `split` in batches on the backend that holds the
 * model, then reads the totals once: no synchronous read, so evaluation runs
 * on webgpu too (and stalls it once per evaluation, not once per batch).
 */
async function sumOnDevice(split: Split, batchSize: number, f: (from: number, n: number) => tf.Tensor[]): Promise<Float32Array> {
  let sums: tf.Tensor | null = null;
  for (let from = 0; from < split.count; from += batchSize) {
    const n = Math.min(batchSize, split.count - from);
    const next: tf.Tensor = tf.tidy(() => {
      const batch = tf.stack(f(from, n).map((t) => tf.sum(t)));
      return sums ? tf.add(sums, batch) : batch;
    });
    sums?.dispose();
    sums = next;
  }
  if (!sums) return new Float32Array(0);
  const values = (await sums.data()) as Float32Array;
  sums.dispose();
  return values;
}

export interface AeTrainOptions extends LoopHooks, TrainingData {
  ae: Autoencoder;
  loss: ReconLoss;
  /**
   * The seed's AE-guided distillation: Loss = recon + alpha · MSE(code_S − code_T) · T².
   * The teacher's code (conv AE, 4×4×8) and the student's (dense AE, 128) have the same size.
   */
  guide?: { teacher: Autoencoder; temperature: number; alpha: number };
  /**
   * Split each batch across two cores (data-parallel.ts), without a guide on
   * the host backends; the caller decides whether it pays (worthParallel).
   */
  dataParallel?: boolean;
}

/** One autoencoder's learner: reconstruction loss, plus the code-matching term when guided. */
function aeLearner(o: TrainingData & { loss: ReconLoss }, ae: Autoencoder, guide: AeTrainOptions['guide'], metric: string, silent?: string): Learner {
  return {
    vars: trainableOf(ae.model),
    silent,
    // The reconstruction loss alone is a mean over the batch's images, and draws nothing: a worker can take half.
    parallel: guide ? undefined : { model: ae.model, loss: o.loss, inputShape: ae.inputShape },
    step: (idx): { loss: tf.Scalar; extra: Record<string, tf.Scalar> } => {
      const x = batchOf(o.train, idx, ae.inputShape);
      const recon = reconLoss(o.loss, ae.logits.apply(x) as tf.Tensor, x);
      if (!guide) return { loss: recon, extra: {} };
      const xt = batchOf(o.train, idx, guide.teacher.inputShape);
      const codeT = guide.teacher.encoder.predict(xt) as tf.Tensor;
      const codeS = ae.encoder.apply(x) as tf.Tensor;
      const match = tf.mean(tf.square(tf.sub(codeS, codeT))) as tf.Scalar;
      const loss = tf.add(recon, tf.mul(guide.alpha * guide.temperature * guide.temperature, match)) as tf.Scalar;
      return { loss, extra: { recon, code_mse: match } };
    },
    evaluate: async () => ({ [metric]: await evaluateAutoencoder(ae, o.test, o.loss) }),
  };
}

export async function trainAutoencoder(o: AeTrainOptions): Promise<LoopResult> {
  return loop({ ...o, models: [o.ae.model], learners: [aeLearner(o, o.ae, o.guide, 'test_recon_loss')] });
}

// Two cores are for the plain autoencoder only (trainAutoencoder's `dataParallel`).
// ae-distill trains two learners on each batch (and a guided one, whose code
// term needs the teacher in the worker too); the VAEs draw their latent
// samples from `sampler`, so a worker would need a second sampler stream,
// saved and restored with the checkpoint for an exact resume. Both stay on
// one core: the loop splits a batch only for a lone learner with `parallel`.

/**
 * AE-guided distillation with its baseline: the student alone and the guided
 * student train side by side, on the same batches (one shuffle: same seed, same
 * data, the comparison the job is for), one optimizer each. Epoch metrics are
 * `alone_test_recon_loss` and the guided student's; steps report the guided one.
 * Side by side rather than one after the other so one checkpoint per epoch
 * holds both, and the two curves grow together.
 */
export async function trainAeDistill(o: Omit<AeTrainOptions, 'ae' | 'guide' | 'dataParallel'> & { alone: Autoencoder; guided: Autoencoder; guide: NonNullable<AeTrainOptions['guide']> }): Promise<LoopResult> {
  return loop({
    ...o,
    dataParallel: false, // one core: see above
    models: [o.alone.model, o.guided.model],
    learners: [aeLearner(o, o.alone, undefined, 'alone_test_recon_loss', 'alone'), aeLearner(o, o.guided, o.guide, 'test_recon_loss')],
  });
}

// ---------------------------------------------------------------- VAEs

export type VaeKind = 'gaussian' | 'dirichlet';
export type GammaSampler = 'exact' | 'icdf';
/** The DirVAE's KL term: the closed-form Dirichlet KL (exact, tighter) or the paper's multi-Gamma KL. */
export type DirichletKlKind = 'dirichlet' | 'multigamma';

export interface VaeSpec {
  vae: Vae;
  kind: VaeKind;
  /** Dirichlet prior concentration per dimension. */
  priorAlpha: number;
  sampler: GammaSampler;
  /** DirVAE only (the Gaussian VAE's KL is exact and ignores it). */
  kl: DirichletKlKind;
}

/** The name of the bound a DirVAE's reported ELBO is, for summaries and logs. */
export const elboBound = (kl: DirichletKlKind) => (kl === 'dirichlet' ? 'dirichlet-kl' : 'multigamma-kl');

/** Per-example reconstruction term −log p(x|z): BCE summed over the 784 pixels. */
const reconPerExample = (logits: tf.Tensor, x: tf.Tensor) => tf.sum(bceFromLogits(logits, x), 1) as tf.Tensor1D;

/** One stochastic pass: z from q(z|x), per-example recon and KL. */
function vaeTerms(s: VaeSpec, x: tf.Tensor2D, random: () => number, training: boolean): { z: tf.Tensor2D; recon: tf.Tensor1D; kl: tf.Tensor1D } {
  if (s.kind === 'gaussian') {
    const [mu, logvar] = s.vae.encoder.apply(x, { training }) as tf.Tensor2D[];
    const eps = tf.tensor2d(Float32Array.from({ length: mu.size }, () => normal(random)), mu.shape);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps)) as tf.Tensor2D; // z = mu + sigma·eps
    return { z, recon: reconPerExample(s.vae.decoder.apply(z) as tf.Tensor, x), kl: gaussianKl(mu, logvar) };
  }
  // Small floor: a concentration that reaches 0 has no finite lgamma.
  const alphaHat = tf.add(s.vae.encoder.apply(x, { training }) as tf.Tensor2D, 1e-4) as tf.Tensor2D;
  // Sampled in log space: small α̂ would underflow the Gamma samples themselves (see sampleLogGamma).
  const logv =
    s.sampler === 'exact'
      ? sampleLogGamma(alphaHat, random)
      : icdfLogGammaApprox(alphaHat, tf.tensor2d(Float32Array.from({ length: alphaHat.size }, () => Math.max(random(), 1e-12)), alphaHat.shape));
  const z = tf.exp(logNormalizeToSimplex(logv)) as tf.Tensor2D;
  const kl = s.kl === 'multigamma' ? multiGammaKl(alphaHat, s.priorAlpha) : dirichletKl(alphaHat, s.priorAlpha);
  return { z, recon: reconPerExample(s.vae.decoder.apply(z) as tf.Tensor, x), kl };
}

export interface VaeTrainOptions extends LoopHooks, VaeSpec, TrainingData {}

export async function trainVae(o: VaeTrainOptions): Promise<LoopResult> {
  // The sampler's own generator (not the shuffle's): its state goes into the checkpoint.
  const random = mulberry32(o.seed ^ 0x9e3779b9);
  return loop({
    ...o,
    models: [o.vae.encoder, o.vae.decoder],
    sampler: random,
    // One core: no `parallel` (the worker would need its own sampler stream; see above trainAeDistill).
    learners: [
      {
        vars: trainableOf(o.vae.encoder, o.vae.decoder),
        step: (idx) => {
          const x = batchOf(o.train, idx, [784]) as tf.Tensor2D;
          const t = vaeTerms(o, x, random, true);
          const recon = tf.mean(t.recon) as tf.Scalar;
          const kl = tf.mean(t.kl) as tf.Scalar;
          const loss = tf.add(recon, kl) as tf.Scalar; // −ELBO
          return { loss, extra: { elbo: tf.neg(loss) as tf.Scalar, recon, kl } };
        },
        // A fresh generator each epoch: evaluation draws the same noise every time, and keeps no state across epochs.
        evaluate: () => evaluateVae(o, o.test, mulberry32(o.seed)),
      },
    ],
  });
}

/** Test ELBO and its two terms (one sample per image), summed in batches and read once (any backend). */
export async function evaluateVae(s: VaeSpec, test: Split, random: () => number, batchSize = 500): Promise<Record<string, number>> {
  const [r, k] = await sumOnDevice(test, batchSize, (from, n) => {
    const t = vaeTerms(s, batchOf(test, range(n).map((i) => i + from), [784]) as tf.Tensor2D, random, false);
    return [t.recon, t.kl];
  });
  const recon = r / test.count;
  const kl = k / test.count;
  return { test_elbo: -(recon + kl), test_recon: recon, test_kl: kl };
}

/**
 * Importance-sampled negative log-likelihood (Burda et al.):
 *   log p(x) ≈ logsumexp_s [log p(x|z_s) + log p(z_s) − log q(z_s|x)] − log S,  z_s ~ q(z|x).
 * For the DirVAE, q and p are the Dirichlet densities of the normalized Gammas
 * (exact with the 'exact' sampler; with 'icdf' the proposal is only approximately q),
 * evaluated from log z so that coordinates below float32's range keep their density.
 */
export function importanceSampledNll(s: VaeSpec, test: Split, samples: number, random: () => number): number {
  let total = 0;
  for (let i = 0; i < test.count; i++) {
    total += tf.tidy(() => {
      const x = tf.tile(batchOf(test, [i], [784]), [samples, 1]) as tf.Tensor2D;
      let logw: tf.Tensor1D;
      if (s.kind === 'gaussian') {
        const [mu, logvar] = s.vae.encoder.predict(x) as tf.Tensor2D[];
        const eps = tf.tensor2d(Float32Array.from({ length: mu.size }, () => normal(random)), mu.shape);
        const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps)) as tf.Tensor2D;
        const logPz = logNormal(z, tf.zerosLike(z) as tf.Tensor2D, tf.zerosLike(z) as tf.Tensor2D);
        logw = tf.sub(tf.sub(logPz, logNormal(z, mu, logvar)), reconPerExample(s.vae.decoder.predict(z) as tf.Tensor, x)) as tf.Tensor1D;
      } else {
        const alphaHat = tf.add(s.vae.encoder.predict(x) as tf.Tensor2D, 1e-4) as tf.Tensor2D;
        const logz = logNormalizeToSimplex(sampleLogGamma(alphaHat, random));
        const logPz = logDirichletFromLog(logz, tf.fill(logz.shape, s.priorAlpha) as tf.Tensor2D);
        const recon = reconPerExample(s.vae.decoder.predict(tf.exp(logz)) as tf.Tensor, x);
        logw = tf.sub(tf.sub(logPz, logDirichletFromLog(logz, alphaHat)), recon) as tf.Tensor1D;
      }
      return -(tf.logSumExp(logw).dataSync()[0] - Math.log(samples));
    });
  }
  return total / test.count;
}

/** Posterior means E_q[z|x] of the test images (rows of `dims` values): mu, or α̂ / Σα̂. */
export function latentMeans(s: VaeSpec, test: Split, batchSize = 500): { means: Float32Array; dims: number } {
  const dims = s.vae.latentDim;
  const means = new Float32Array(test.count * dims);
  for (let from = 0; from < test.count; from += batchSize) {
    const n = Math.min(batchSize, test.count - from);
    const m = tf.tidy(() => {
      const x = batchOf(test, range(n).map((i) => i + from), [784]);
      if (s.kind === 'gaussian') return (s.vae.encoder.predict(x) as tf.Tensor[])[0].dataSync();
      const a = tf.add(s.vae.encoder.predict(x) as tf.Tensor, 1e-4);
      return tf.div(a, tf.sum(a, 1, true)).dataSync();
    });
    means.set(m, from * dims);
  }
  return { means, dims };
}

/**
 * Variance of one latent coordinate under the prior: 1 for N(0, I); for a
 * symmetric Dirichlet(α0, …, α0) with A = Kα0, a(A − a)/(A²(A + 1)) with a = α0.
 */
export function priorCoordinateVariance(s: Pick<VaeSpec, 'kind' | 'priorAlpha'>, dims: number): number {
  if (s.kind === 'gaussian') return 1;
  const a = s.priorAlpha;
  const A = dims * a;
  return (a * (A - a)) / (A * A * (A + 1));
}

/** What activeDimensions measures, for logs and artifacts. */
export const ACTIVE_MEASURE = 'Var_x(E[z_k|x]) / prior variance of z_k > threshold';
/**
 * Burda et al. use 0.01 on the raw variance with a N(0, I) prior; relative to the
 * prior's variance the same 0.01 applies to any prior, so Gaussian and Dirichlet
 * latents are counted alike (a raw 0.01 is unreachable for a simplex coordinate,
 * whose whole variance is below 1/K).
 */
export const ACTIVE_THRESHOLD = 0.01;

/**
 * Which latent dimensions are active (Burda et al.'s "active units"): the variance
 * over test images of E[z_k|x], relative to the prior variance of z_k, above
 * `threshold`. Collapsed dimensions (E[z|x] the same for every x) carry no information.
 */
export function activeDimensions(means: Float32Array, dims: number, priorVariance: number, threshold = ACTIVE_THRESHOLD): { variances: number[]; relative: number[]; active: number } {
  const n = means.length / dims;
  const variances = Array.from({ length: dims }, (_, d) => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = means[i * dims + d];
      s += v;
      s2 += v * v;
    }
    return s2 / n - (s / n) ** 2;
  });
  const relative = variances.map((v) => v / priorVariance);
  return { variances, relative, active: relative.filter((v) => v > threshold).length };
}

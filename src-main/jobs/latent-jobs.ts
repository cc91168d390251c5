// Autoencoder, AE-guided distillation, Gaussian VAE and Dirichlet VAE jobs,
// as run inside a job process: train, log curves, save the pictures.
import * as tf from '@tensorflow/tfjs';
import type { AeDistillConfig, AutoencoderConfig, DirVaeConfig, StartMessage, Summary, VaeConfig } from '../contract/jobs.js';
import type { Dataset } from '../ml/data/datasets.js';
import { imageGrid, scatter } from '../ml/images/png.js';
import { autoencoderViews, buildAutoencoder, buildDirichletVae, buildGaussianVae, buildDenseAe, type Autoencoder } from '../ml/models/autoencoders.js';
import { loadModel } from '../ml/models/model-io.js';
import {
  ACTIVE_MEASURE,
  ACTIVE_THRESHOLD,
  activeDimensions,
  batchOf,
  elboBound,
  evaluateAutoencoder,
  importanceSampledNll,
  latentMeans,
  priorCoordinateVariance,
  trainAeDistill,
  trainAutoencoder,
  trainVae,
  type LoopHooks,
  type VaeSpec,
} from '../ml/train/latent-trainer.js';
import { DivergedError, READ_EVERY } from '../ml/train/gpu-train.js';
import { worthParallel } from '../ml/train/data-parallel.js';
import { checkpointing, haltHook } from './checkpoints.js';
import { mulberry32 } from '../ml/train/rng.js';
import { log, saveArtifact, stepReporter, type JobIO } from './job-io.js';
import { prepareJob, saveModelArtifacts } from './job-setup.js';
import { saveReconData } from './recon-data.js';

type LatentConfig = AutoencoderConfig | AeDistillConfig | VaeConfig | DirVaeConfig;

/** The fixed test images every reconstruction grid shows, so runs compare digit for digit. */
const GRID_IMAGES = 10;

async function setUp(c: LatentConfig, io: JobIO): Promise<Dataset> {
  return (await prepareJob(c, io)).ds;
}

const gridIndices = (ds: Dataset) => Uint32Array.from({ length: Math.min(GRID_IMAGES, ds.test.count) }, (_, i) => i);

/** Reconstructions of the grid images, optionally sharpened: sigmoid(logits / T). */
function reconstruct(ae: Autoencoder, ds: Dataset, temperature = 1): Float32Array[] {
  return tf.tidy(() => {
    const idx = gridIndices(ds);
    const out = tf.sigmoid(tf.div(ae.logits.predict(batchOf(ds.test, idx, ae.inputShape)) as tf.Tensor, temperature)).dataSync() as Float32Array;
    return Array.from(idx, (_, i) => out.slice(i * 784, (i + 1) * 784));
  });
}

const originals = (ds: Dataset) => Array.from(gridIndices(ds), (i) => ds.test.pixels.slice(i * 784, (i + 1) * 784));

/**
 * What every latent job gives the training loop: step and epoch reports, the
 * cancel flag, end-of-epoch checkpoints (resumed from with `msg.resume`) and
 * the test hook that halts at a given step.
 */
function loopHooks(msg: StartMessage, io: JobIO, report: ReturnType<typeof stepReporter>): LoopHooks {
  const halt = haltHook();
  return {
    shouldStop: io.isCancelled,
    checkpoint: checkpointing(msg, io),
    onStep: (s) => {
      report.step(s);
      return halt(s);
    },
    onEpoch: (e) => report.epoch(e.epoch, e.elapsed, e.metrics),
  };
}

/** On a non-finite loss the models were put back to the last good weights (see the loop): keep them as a partial model, then fail. */
async function keepLastGood(io: JobIO, runDir: string, e: unknown, models: [tf.LayersModel, string?][]): Promise<never> {
  if (e instanceof DivergedError) {
    for (const [model, sub] of models) await saveModelArtifacts(io, runDir, model, true, sub);
    log(io, 'warn', `saved the last good weights (before step ${e.firstStep}) as a partial model`);
  }
  throw e;
}

const readCadence = (io: JobIO) => log(io, 'info', `losses are read every ${READ_EVERY} steps, not after each (a NaN is noticed up to ${READ_EVERY} steps late; the last good weights are kept)`);

export async function runAutoencoderJob(msg: StartMessage & { config: AutoencoderConfig }, io: JobIO): Promise<void> {
  const c = msg.config;
  const { info, ds } = await prepareJob(c, io);
  const ae = buildAutoencoder(c.model);
  const report = stepReporter(io);
  readCadence(io);
  // As the classifiers: the conv AE on wasm splits each batch with a worker thread (data-parallel.ts), the dense AE does not pay.
  const dataParallel = c.dataParallel && worthParallel(ae.model, info.backend);
  if (dataParallel) log(io, 'info', 'training on two cores: each batch is split with a worker thread');
  const result = await trainAutoencoder({
    ae, train: ds.train, test: ds.test, epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate, seed: c.seed, loss: c.loss, dataParallel,
    ...loopHooks(msg, io, report),
  }).catch((e: unknown) => keepLastGood(io, msg.runDir, e, [[ae.model]]));
  await saveModelArtifacts(io, msg.runDir, ae.model, result.stopped);
  const rows = [originals(ds), reconstruct(ae, ds), reconstruct(ae, ds, c.sharpenTemperature)];
  saveReconData(io, msg.runDir, rows[0], rows[1]);
  saveArtifact(io, msg.runDir, 'images/reconstructions.png', 'image', imageGrid(rows.flat(), 28, 28, GRID_IMAGES), {
    title: `Original / reconstruction / sharpened (logits ÷ ${c.sharpenTemperature})`,
    rows: ['original', 'reconstruction', `sharpened T=${c.sharpenTemperature}`],
  });
  finish(io, result.stopped, {
    params: ae.model.countParams(),
    test_recon_loss: result.last?.test_recon_loss ?? null,
    epochs_done: result.epochsDone,
    images_per_second: report.throughput(),
  });
}

export async function runAeDistillJob(msg: StartMessage & { config: AeDistillConfig }, io: JobIO): Promise<void> {
  const c = msg.config;
  const ds = await setUp(c, io);
  if (!msg.teacherModelDir) throw new Error('ae-distill job started without the teacher model folder');
  const teacher = autoencoderViews(await loadModel(msg.teacherModelDir));
  const teacherLoss = await evaluateAutoencoder(teacher, ds.test, c.loss);
  log(io, 'info', `teacher conv AE from run ${c.teacherRunId}: test reconstruction loss ${teacherLoss.toFixed(4)}`);
  const report = stepReporter(io);
  // The student alone is the baseline the guided student is compared with: same seed, same batches, trained side by side.
  log(io, 'info', `training the dense AE student alone (baseline) and guided by the teacher's code (T=${c.temperature}, alpha=${c.alpha}), side by side`);
  readCadence(io);
  const alone = buildDenseAe();
  const guided = buildDenseAe();
  const result = await trainAeDistill({
    alone, guided, guide: { teacher, temperature: c.temperature, alpha: c.alpha },
    train: ds.train, test: ds.test, epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate, seed: c.seed, loss: c.loss,
    ...loopHooks(msg, io, report),
  }).catch((e: unknown) => keepLastGood(io, msg.runDir, e, [[guided.model]]));
  await saveModelArtifacts(io, msg.runDir, guided.model, result.stopped);
  const rows = [originals(ds), reconstruct(teacher, ds), reconstruct(alone, ds), reconstruct(guided, ds)];
  saveReconData(io, msg.runDir, rows[0], rows[3]);
  saveArtifact(io, msg.runDir, 'images/comparison.png', 'image', imageGrid(rows.flat(), 28, 28, GRID_IMAGES), {
    title: 'Original / teacher (conv AE) / student alone / student with teacher guidance',
    rows: ['original', 'teacher', 'student alone', 'student with teacher'],
  });
  finish(io, result.stopped, {
    params: guided.model.countParams(),
    teacher_test_recon_loss: teacherLoss,
    alone_test_recon_loss: result.last?.alone_test_recon_loss ?? null,
    test_recon_loss: result.last?.test_recon_loss ?? null,
    epochs_done: result.epochsDone,
    images_per_second: report.throughput(),
  });
}

export async function runVaeJob(msg: StartMessage & { config: VaeConfig | DirVaeConfig }, io: JobIO): Promise<void> {
  const c = msg.config;
  const ds = await setUp(c, io);
  const spec: VaeSpec =
    c.kind === 'vae'
      ? { vae: buildGaussianVae(c.latentDim), kind: 'gaussian', priorAlpha: 0, sampler: 'exact', kl: 'dirichlet' }
      : { vae: buildDirichletVae(c.latentDim), kind: 'dirichlet', priorAlpha: c.priorAlpha, sampler: c.sampler, kl: c.kl };
  log(io, 'info', `${spec.kind} VAE, latent size ${c.latentDim}; encoder ${spec.vae.encoder.countParams().toLocaleString('en-US')} parameters`);
  // Which bound the reported ELBO is (the Gaussian VAE's KL is exact).
  const bound = spec.kind === 'gaussian' ? 'gaussian-kl' : elboBound(spec.kl);
  if (spec.kind === 'dirichlet') log(io, 'info', `ELBO bound: ${bound} (${spec.kl === 'dirichlet' ? 'closed-form Dirichlet KL, exact for this model' : "the paper's multi-Gamma KL, a looser bound"})`);
  const report = stepReporter(io);
  readCadence(io);
  const result = await trainVae({
    ...spec, train: ds.train, test: ds.test, epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate, seed: c.seed,
    ...loopHooks(msg, io, report),
  }).catch((e: unknown) => keepLastGood(io, msg.runDir, e, [[spec.vae.encoder, 'encoder'], [spec.vae.decoder, 'decoder']]));
  await saveModelArtifacts(io, msg.runDir, spec.vae.encoder, result.stopped, 'encoder');
  await saveModelArtifacts(io, msg.runDir, spec.vae.decoder, result.stopped, 'decoder');

  // Latent usage: which dimensions carry information about x.
  const { means, dims } = latentMeans(spec, ds.test);
  const priorVariance = priorCoordinateVariance(spec, dims);
  const threshold = ACTIVE_THRESHOLD;
  const usage = activeDimensions(means, dims, priorVariance, threshold);
  log(io, 'info', `active latent dimensions: ${usage.active} of ${dims} (${ACTIVE_MEASURE}, threshold ${threshold}; prior variance ${priorVariance.toPrecision(3)})`);
  saveArtifact(
    io,
    msg.runDir,
    'latent/usage.json',
    'data',
    JSON.stringify({ measure: ACTIVE_MEASURE, variances: usage.variances, prior_variance: priorVariance, relative: usage.relative, threshold, active: usage.active }),
    { title: 'Variance of E[z|x] per latent dimension, raw and relative to the prior' },
  );
  if (dims >= 2) {
    const pts: [number, number][] = Array.from({ length: ds.test.count }, (_, i) => [means[i * dims], means[i * dims + 1]]);
    saveArtifact(io, msg.runDir, 'images/latent-scatter.png', 'image', scatter(pts, ds.test.labels), { title: `Test set latent means (dimensions 1 and 2), coloured by digit` });
  }
  saveReconData(io, msg.runDir, originals(ds), vaeReconstructions(spec, ds));
  saveArtifact(io, msg.runDir, 'images/reconstructions.png', 'image', imageGrid([...originals(ds), ...vaeReconstructions(spec, ds)], 28, 28, GRID_IMAGES), {
    title: 'Original / reconstruction from E[z|x]',
  });
  const decode = (zs: number[][]) => tf.tidy(() => Array.from({ length: zs.length }, (_, i) => (tf.sigmoid(spec.vae.decoder.predict(tf.tensor2d(zs)) as tf.Tensor).dataSync() as Float32Array).slice(i * 784, (i + 1) * 784)));
  if (spec.kind === 'gaussian' && dims >= 2) {
    // The decoded manifold: a grid of z over [−3, 3]² in the first two dimensions (others 0).
    const n = 15;
    const zs: number[][] = [];
    for (let r = 0; r < n; r++) for (let col = 0; col < n; col++) zs.push([-3 + (6 * col) / (n - 1), 3 - (6 * r) / (n - 1), ...new Array(dims - 2).fill(0)]);
    saveArtifact(io, msg.runDir, 'images/manifold.png', 'image', imageGrid(decode(zs), 28, 28, n, 1), { title: 'Decoded latent manifold, z₁, z₂ ∈ [−3, 3]' });
  }
  // Each latent dimension's own image: a simplex vertex (Dirichlet) or +2σ along one axis (Gaussian).
  const perDim = Array.from({ length: dims }, (_, d) => Array.from({ length: dims }, (_, k) => (spec.kind === 'dirichlet' ? (k === d ? 1 : 0) : k === d ? 2 : 0)));
  saveArtifact(io, msg.runDir, 'images/latent-dimensions.png', 'image', imageGrid(decode(perDim.slice(0, 64)), 28, 28, Math.min(dims, 16)), { title: 'Decoded image of each latent dimension' });

  let nll: number | null = null;
  if (!result.stopped) {
    const images = Math.min(c.llImages, ds.test.count);
    log(io, 'info', `estimating test log-likelihood: ${c.llSamples} importance samples on ${images} test images`);
    const sub = { ...ds.test, count: images };
    nll = importanceSampledNll(spec, sub, c.llSamples, mulberry32(c.seed + 1));
    io.emit({ type: 'metric', scope: 'final', step: 0, epoch: result.epochsDone, name: 'test_nll', value: nll, t: 0 });
  }
  finish(io, result.stopped, {
    params: spec.vae.encoder.countParams() + spec.vae.decoder.countParams(),
    encoder_params: spec.vae.encoder.countParams(),
    latent_dim: dims,
    test_elbo: result.last?.test_elbo ?? null,
    elbo_bound: bound,
    test_recon: result.last?.test_recon ?? null,
    test_kl: result.last?.test_kl ?? null,
    test_nll: nll,
    ll_samples: c.llSamples,
    active_dims: usage.active,
    epochs_done: result.epochsDone,
    images_per_second: report.throughput(),
  });
}

function vaeReconstructions(spec: VaeSpec, ds: Dataset): Float32Array[] {
  return tf.tidy(() => {
    const x = batchOf(ds.test, gridIndices(ds), [784]);
    let z: tf.Tensor;
    if (spec.kind === 'gaussian') z = (spec.vae.encoder.predict(x) as tf.Tensor[])[0];
    else {
      const a = spec.vae.encoder.predict(x) as tf.Tensor;
      z = tf.div(a, tf.sum(a, 1, true));
    }
    const out = tf.sigmoid(spec.vae.decoder.predict(z) as tf.Tensor).dataSync() as Float32Array;
    return Array.from(gridIndices(ds), (_, i) => out.slice(i * 784, (i + 1) * 784));
  });
}

function finish(io: JobIO, stopped: boolean, summary: Summary): void {
  io.emit(stopped ? { type: 'cancelled', summary } : { type: 'done', summary });
}

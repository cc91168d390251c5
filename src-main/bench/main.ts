// `npm run bench -- <what>`: speed comparisons measured in one process run,
// printed as ratios. Never part of `npm test` (tests assert no times).
//
//   train    our trainer vs PyTorch (Debian's /usr/bin/python3 + python3-torch) on the same images and batch size:
//            the classifiers and the latent models (conv/dense AE, Gaussian and Dirichlet VAE), with our GFLOP/s (flops.ts)
//   eval     full test-set evaluation time as a share of one training epoch
//   logging  cost of recording metrics (batched SQLite writes) as a share of step time
//   profile  per-kernel time of one training step on one core (a classifier or an autoencoder), stock XNNPACK paths vs our kernels
//   gemm     our SIMD GEMM, separate multiply and add vs fused multiply-add (relaxed SIMD), GFLOP/s per shape (gemm-bench.ts)
//   compare  compare view in Chromium: navigation to drawn curves of 20 runs × 50,000 points (compare-bench.ts)
//   scale    10,000 runs and 10 million metric rows: API calls and the runs filter in Chromium (scale-bench.ts)
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobEvent } from '../contract/jobs.js';
import { loadDataset, resolveDataset } from '../ml/data/datasets.js';
import { initBackend, type BackendName } from '../ml/engine/backend.js';
import { switchBackend } from '../ml/engine/host.js';
import { buildConvAe, buildDenseAe, buildDirichletVae, buildGaussianVae, type Autoencoder, type Vae } from '../ml/models/autoencoders.js';
import { buildClassifier, CLASSIFIER_MODELS, logitsModel, type ClassifierModel } from '../ml/models/classifiers.js';
import { trainClassifier } from '../ml/train/classifier-trainer.js';
import { softCrossEntropy } from '../ml/train/distill-loss.js';
import { READ_EVERY } from '../ml/train/gpu-train.js';
import { reconLoss, trainAutoencoder, trainVae, type LoopHooks, type VaeKind } from '../ml/train/latent-trainer.js';
import { seedGlobalRandom } from '../ml/train/rng.js';
import { flatSize, readFlat, worthParallel, writeFlat, writeFlatGrads } from '../ml/train/data-parallel.js';
import { FlatAdam } from '../ml/train/flat-adam.js';
import type { TrainingData } from '../ml/train/types.js';
import { trainingFlopsPerImage } from './flops.js';
import * as tf from '@tensorflow/tfjs';

// DISTILLERY_ROOT: where bench/pytorch_train.py lies when this runs bundled (scripts/build-gpu-bundle.mjs).
const ROOT = process.env.DISTILLERY_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = process.env.DISTILLERY_BENCH_PYTHON ?? '/usr/bin/python3';
const WARMUP_STEPS = 3;

/** One model as `train` times it: the models its FLOPs are counted on, a note for the log, one epoch of its trainer. */
interface Benched {
  models: tf.LayersModel[];
  note: string;
  train: (d: TrainingData, onStep: (s: { step: number; elapsed: number; images: number }) => void) => Promise<unknown>;
}

const LATENT_MODELS = ['conv-ae', 'dense-ae', 'vae', 'dirvae'] as const;
const BENCH_MODELS = [...CLASSIFIER_MODELS, ...LATENT_MODELS];
type BenchModel = (typeof BENCH_MODELS)[number];

function classifierBench(name: ClassifierModel): Benched {
  const m = buildClassifier(name);
  const dataParallel = !process.env.DISTILLERY_SINGLE_CORE && worthParallel(m, tf.getBackend());
  return {
    models: [m],
    note: tf.getBackend() === 'webgpu' ? 'webgpu, training set on the device' : dataParallel ? 'data-parallel on two cores' : 'one core',
    train: (d, onStep) => trainClassifier({ ...d, model: m, dataParallel, onStep }),
  };
}

/**
 * The latent loop reports steps in bursts of `readEvery`, all with the burst's
 * `elapsed`. On webgpu it keeps the users' cadence (READ_EVERY, what --min-steps
 * 60 is sized for); elsewhere 5, so a short timing still spans several bursts.
 */
const latent = (models: tf.LayersModel[], train: (d: TrainingData, hooks: LoopHooks) => Promise<unknown>, dataParallel = false): Benched => {
  const gpu = tf.getBackend() === 'webgpu';
  return { models, note: gpu ? 'webgpu' : dataParallel ? 'data-parallel on two cores' : 'one core', train: (d, onStep) => train(d, { onStep, readEvery: gpu ? READ_EVERY : 5 }) };
};
/** The autoencoder job's choice of cores (latent-jobs.ts): two for the conv AE on wasm, unless DISTILLERY_SINGLE_CORE. */
const aeBench = (ae: Autoencoder) => {
  const dataParallel = !process.env.DISTILLERY_SINGLE_CORE && worthParallel(ae.model, tf.getBackend());
  return latent([ae.model], (d, hooks) => trainAutoencoder({ ...d, ...hooks, ae, loss: 'bce', dataParallel }), dataParallel);
};
const vaeBench = (vae: Vae, kind: VaeKind) =>
  latent([vae.encoder, vae.decoder], (d, hooks) => trainVae({ ...d, ...hooks, vae, kind, priorAlpha: 0.98, sampler: 'exact', kl: 'dirichlet' }));

/** How each model is built and trained for one timed epoch. */
const BENCHED: Record<BenchModel, () => Benched> = {
  ...(Object.fromEntries(CLASSIFIER_MODELS.map((name) => [name, () => classifierBench(name)])) as Record<ClassifierModel, () => Benched>),
  'conv-ae': () => aeBench(buildConvAe()),
  'dense-ae': () => aeBench(buildDenseAe()),
  vae: () => vaeBench(buildGaussianVae(10), 'gaussian'),
  dirvae: () => vaeBench(buildDirichletVae(10), 'dirichlet'),
};

/**
 * Images per second of our training loop, excluding warm-up steps, and the
 * model's training FLOPs per image (flops.ts). Steps may be reported in bursts
 * (webgpu's classifier loop, every latent loop: losses are read every few
 * steps), all with the burst's `elapsed`: the clock starts at the burst
 * holding the last warm-up step and counts the images of later bursts only.
 * The epoch-end evaluation comes after the last step report, outside the count.
 */
async function ourImagesPerSecond(model: BenchModel, images: number, batchSize: number): Promise<{ imagesPerSecond: number; flopsPerImage: number }> {
  seedGlobalRandom(1);
  const ds = loadDataset('mnist', { trainLimit: images, testLimit: 100 });
  const backend = tf.getBackend();
  const b = BENCHED[model]();
  console.log(`# ${model}: ${b.note}; ${ds.train.count} images at batch ${batchSize}`);
  let t0: number | null = null;
  let counted = 0;
  let last = 0;
  await b.train({ train: ds.train, test: ds.test, epochs: 1, batchSize, learningRate: 0.001, seed: 1 }, (s) => {
    if (s.step === WARMUP_STEPS) t0 = s.elapsed;
    else if (t0 !== null && s.elapsed > t0) counted += s.images;
    last = s.elapsed;
  });
  const flopsPerImage = trainingFlopsPerImage(b.models);
  b.models.forEach((m) => m.dispose());
  // The latent loop ends on the host backend (leaveWebgpu): the next model is timed where this one was.
  await switchBackend(backend);
  if (t0 === null || last <= t0 || counted === 0) throw new Error(`${model}: too few steps at batch ${batchSize} to time past the warm-up (raise --min-steps)`);
  return { imagesPerSecond: counted / (last - t0), flopsPerImage };
}

/** The last lines of a child's stderr, for an error message. */
const lastLines = (stderr: string) => stderr.trim().split('\n').slice(-3).join(' | ');

interface TorchResult {
  imagesPerSecond: number;
  /** "cuda (NVIDIA H100)" or "cpu". */
  device: string;
}

/** PyTorch's images/s; `device` is auto (CUDA when torch has it), cuda or cpu. */
function pytorchImagesPerSecond(models: string[], images: number, batchSize: number, threads: number, device = 'cpu'): Map<string, TorchResult> | string {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return `skipped: ${PYTHON} has no torch (install Debian's python3-torch)`;
  const files = resolveDataset('mnist');
  const r = spawnSync(PYTHON, [join(ROOT, 'bench/pytorch_train.py'), files.trainImages, files.trainLabels, String(images), String(batchSize), String(threads), models.join(','), device], { encoding: 'utf8' });
  if (r.status !== 0) return `failed: ${lastLines(r.stderr)}`;
  return new Map(
    r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((j: { model: string; images_per_second: number; device?: string; device_name?: string }) => [
      j.model,
      { imagesPerSecond: j.images_per_second, device: j.device === 'cuda' ? `cuda (${j.device_name})` : 'cpu' },
    ]),
  );
}

const program = new Command('bench')
  .option('--backend <name>', 'backend for our side (default: best available)')
  .option('--allow-software-gpu', 'let --backend webgpu use a software adapter (SwiftShader: a few images/s)');

/** initBackend with the program's --backend and --allow-software-gpu. */
const benchBackend = () =>
  initBackend(program.opts().backend as BackendName | undefined, (m) => console.log(`# ${m}`), { allowSoftwareGpu: program.opts().allowSoftwareGpu === true });

program
  .command('train')
  .description('training images/s: Distillery vs PyTorch, same data and batch size (on webgpu: batches 64 and 512, PyTorch on CUDA where it has it), and our GFLOP/s')
  .option('--models <list>', `comma-separated, or "all" (${BENCH_MODELS.join(', ')})`, 'teacher,student')
  .option('--batch-size <list>', 'batch sizes, comma-separated (default: 64; 64,512 on webgpu)')
  .option('--teacher-images <n>', 'images timed for the large convolutional models (teacher, lenet5, keras-teacher)', '1280')
  .option('--student-images <n>', 'images timed for the others (the MLPs, the Keras student, the autoencoders and VAEs)', '12800')
  .option('--min-steps <n>', 'at least this many steps per model and batch size (default: 10; 60 on webgpu, whose losses are read every 25 steps)')
  .option('--threads <n>', 'PyTorch threads (the machine has 2 cores)', '2')
  .option('--torch-device <d>', 'PyTorch device: auto (CUDA when available), cuda, cpu (default: auto on webgpu, else cpu)')
  .action(async (o) => {
    const info = await benchBackend();
    const gpu = info.backend === 'webgpu';
    const batches = String(o.batchSize ?? (gpu ? '64,512' : '64')).split(',').map(Number);
    const minSteps = Number(o.minSteps ?? (gpu ? 60 : 10));
    const torchDevice = String(o.torchDevice ?? (gpu ? 'auto' : 'cpu'));
    const models = (o.models === 'all' ? [...BENCH_MODELS] : String(o.models).split(',')) as BenchModel[];
    const unknown = models.filter((m) => !(BENCH_MODELS as readonly string[]).includes(m));
    if (unknown.length) throw new Error(`--models: unknown model(s) ${unknown.join(', ')} (${BENCH_MODELS.join(', ')}, or all)`);
    // The large CNNs cost ~10× more per image: fewer images keep each timing to seconds. The small
    // ones (Keras student, conv AE) train at thousands of images/s: 1,280 would time 20 steps in a
    // fraction of a second, too short to read (their ratios moved by 0.3 between runs).
    const conv = (m: string) => m === 'teacher' || m === 'lenet5' || m === 'keras-teacher';
    const count = (m: string, batch: number) => Math.max(Number(conv(m) ? o.teacherImages : o.studentImages), batch * minSteps);
    const adapter = info.adapter ? (info.adapter.description || info.adapter.device || info.adapter.architecture).replace(/\s+/g, '_') : 'none';
    console.log(`# backend ${info.backend} (${info.device}); batches ${batches.join(', ')}; PyTorch threads ${o.threads}, device ${torchDevice}`);
    for (const batch of batches) {
      for (const m of models) {
        const images = count(m, batch);
        const { imagesPerSecond: d, flopsPerImage } = await ourImagesPerSecond(m, images, batch);
        const r = pytorchImagesPerSecond([m], images, batch, Number(o.threads), torchDevice);
        const p = typeof r === 'string' ? undefined : r.get(m);
        const torchNote = typeof r === 'string' ? ` (${r})` : p ? ` pytorch_device=${p.device.replace(/\s+/g, '_')}` : '';
        console.log(
          `model=${m} batch=${batch} backend=${info.backend} adapter=${adapter} distillery_img_s=${d.toFixed(1)} pytorch_img_s=${p?.imagesPerSecond.toFixed(1) ?? 'n/a'} ratio=${p ? (d / p.imagesPerSecond).toFixed(3) : 'n/a'} distillery_gflop_s=${((d * flopsPerImage) / 1e9).toFixed(2)}${torchNote}`,
        );
      }
    }
  });

program
  .command('eval')
  .description('full 10k test-set evaluation through the teacher (as training does it after each epoch), as a share of one 60k training epoch')
  .option('--train-images <n>', 'images timed for the training rate', '1280')
  .action(async (o) => {
    const info = await benchBackend();
    seedGlobalRandom(1);
    const ds = loadDataset('mnist', { trainLimit: Number(o.trainImages) });
    const m = buildClassifier('teacher');
    const dataParallel = !process.env.DISTILLERY_SINGLE_CORE && worthParallel(m, tf.getBackend());
    // One epoch as a user runs it: the time from the last step to the epoch report is the evaluation.
    let t0 = 0;
    let counted = 0;
    let last = 0;
    let evalSeconds = 0;
    await trainClassifier({
      model: m, train: ds.train, test: ds.test, epochs: 1, batchSize: 64, learningRate: 0.001, seed: 1, dataParallel,
      onStep: (s) => {
        if (s.step === WARMUP_STEPS) t0 = performance.now();
        else if (s.step > WARMUP_STEPS) counted += s.images;
        last = performance.now();
      },
      onEpoch: () => (evalSeconds = (performance.now() - last) / 1000),
    });
    const trainRate = counted / ((last - t0) / 1000);
    const epochSeconds = 60000 / trainRate;
    console.log(`# backend ${info.backend} (${info.device}); ${dataParallel ? 'data-parallel on two cores' : 'one core'}; ${ds.test.count} test images`);
    console.log(`eval_10k_s=${evalSeconds.toFixed(2)} train_epoch_60k_s=${epochSeconds.toFixed(1)} ratio=${(evalSeconds / epochSeconds).toFixed(4)}`);
  });

program
  .command('logging')
  .description('cost of recording one training step (2 metrics + progress) in SQLite, as a share of a student step')
  .action(async () => {
    await benchBackend();
    const studentRate = (await ourImagesPerSecond('student', 6400, 64)).imagesPerSecond;
    const stepMs = (64 / studentRate) * 1000;
    // Imported here: the GPU bundle (train only) carries no better-sqlite3.
    const { Store } = await import('../db/store.js');
    const store = new Store(mkdtempSync(join(tmpdir(), 'distillery-bench-')));
    const run = store.createRun({ config: { kind: 'train', model: 'student', dataset: 'mnist', epochs: 1, batchSize: 64, learningRate: 0.001, seed: 1, dataParallel: false } });
    const steps = 20000;
    const perFlush = 25; // 250 ms of student steps at ~100 steps/s
    const t0 = performance.now();
    for (let s = 0; s < steps; s += perFlush) {
      const events: JobEvent[] = [];
      for (let i = s; i < s + perFlush; i++) {
        events.push({ type: 'metric', scope: 'batch', step: i, epoch: 1, name: 'loss', value: Math.random(), t: i });
        events.push({ type: 'metric', scope: 'batch', step: i, epoch: 1, name: 'accuracy', value: Math.random(), t: i });
      }
      store.applyEvents(run.id, events, store.dataDir);
    }
    const perStepMs = (performance.now() - t0) / steps;
    store.close();
    console.log(`log_ms_per_step=${perStepMs.toFixed(4)} student_step_ms=${stepMs.toFixed(2)} ratio=${(perStepMs / stepMs).toFixed(4)}`);
  });

/** Mean per-kernel milliseconds of one training step (forward, backward, FlatAdam as the trainers use it) of `model` on one core. */
async function kernelProfile(model: ClassifierModel | 'conv-ae' | 'dense-ae', batch: number, rounds: number): Promise<{ stepMs: number; kernels: [string, number][] }> {
  seedGlobalRandom(1);
  // Autoencoders: their logits against the input image (binary cross-entropy, as the autoencoder kind trains).
  const ae = model === 'conv-ae' ? buildConvAe() : model === 'dense-ae' ? buildDenseAe() : null;
  const m = ae ? ae.model : buildClassifier(model as ClassifierModel);
  const logits = ae ? ae.logits : logitsModel(m);
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomUniform(ae ? [batch, ...ae.inputShape] : [batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10).toFloat();
  // Adam as the trainers step on wasm: FlatAdam, one SIMD pass over the flat weights.
  const adam = new FlatAdam(flatSize(vars), 0.001);
  writeFlat(vars, adam.weights);
  const lossOf = () => (ae ? reconLoss('bce', logits.apply(x, { training: true }) as tf.Tensor, x) : softCrossEntropy(y, logits.apply(x, { training: true }) as tf.Tensor2D));
  const step = () => {
    const { value, grads } = tf.variableGrads(lossOf, vars);
    writeFlatGrads(vars, grads, adam.ownGrads);
    tf.dispose(Object.values(grads));
    adam.step(1, 0);
    readFlat(vars, adam.weights);
    value.dataSync();
    value.dispose();
  };
  for (let i = 0; i < WARMUP_STEPS; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) step();
  const stepMs = (performance.now() - t0) / rounds;
  const total = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    const p = await tf.profile(step);
    for (const k of p.kernels) total.set(k.name, (total.get(k.name) ?? 0) + (k.kernelTimeMs as number) / rounds);
  }
  return { stepMs, kernels: [...total].sort((a, b) => b[1] - a[1]) };
}

program
  .command('profile')
  .description('per-kernel time of one training step on one core: stock XNNPACK paths (DISTILLERY_WASM_GEMM=0) vs our kernels, each in its own process')
  .option('--model <name>', 'a classifier (teacher, lenet5, keras-student, ...) or conv-ae, dense-ae', 'teacher')
  .option('--batch-size <n>', 'batch size', '64')
  .option('--rounds <n>', 'steps averaged', '5')
  .option('--top <n>', 'kernels listed', '10')
  .option('--child', 'internal: profile this process and print JSON')
  .action(async (o) => {
    if (o.child) {
      await initBackend('wasm');
      console.log(JSON.stringify(await kernelProfile(o.model, Number(o.batchSize), Number(o.rounds))));
      return;
    }
    const runs: [string, Record<string, string>][] = [
      ['stock (XNNPACK + our first kernels)', { DISTILLERY_WASM_GEMM: '0' }],
      ['ours', {}],
    ];
    const results = runs.map(([label, env]) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'profile', '--child', '--model', o.model, '--batch-size', o.batchSize, '--rounds', o.rounds], { encoding: 'utf8', env: { ...process.env, ...env } });
      if (r.status !== 0) throw new Error(`${label}: ${lastLines(r.stderr)}`);
      const line = r.stdout.trim().split('\n').pop()!;
      return { label, ...(JSON.parse(line) as { stepMs: number; kernels: [string, number][] }) };
    });
    console.log(`# ${o.model}, batch ${o.batchSize}, one core, wasm backend; ms per step (tf.profile, mean of ${o.rounds})`);
    for (const r of results) {
      console.log(`${r.label}: step_ms=${r.stepMs.toFixed(1)} img_s=${((Number(o.batchSize) / r.stepMs) * 1000).toFixed(1)}`);
      console.log('  ' + r.kernels.slice(0, Number(o.top)).map(([k, ms]) => `${k} ${ms.toFixed(1)}`).join(', '));
    }
    console.log(`speedup=${(results[0].stepMs / results[1].stepMs).toFixed(2)}`);
  });

program
  .command('gemm')
  .description('our SIMD GEMM on one core: separate f32x4 multiply and add vs fused multiply-add (relaxed SIMD), GFLOP/s per shape')
  .option('--rounds <n>', 'measurements per shape (best shown)', '7')
  .action(async (o) => {
    const { gemmBench } = await import('./gemm-bench.js');
    gemmBench(Number(o.rounds));
  });

program
  .command('compare')
  .description('compare view: navigation to drawn curves in Chromium, many runs of long batch series')
  .option('--runs <n>', 'runs compared', '20')
  .option('--points <n>', 'batch losses per run', '50000')
  .option('--repeats <n>', 'measurements (median shown)', '3')
  .action(async (o) => {
    const { compareBench } = await import('./compare-bench.js');
    await compareBench({ runs: Number(o.runs), points: Number(o.points), repeats: Number(o.repeats), chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  });

program
  .command('scale')
  .description('a workspace of 10,000 runs and 10 million metric rows: list, filter, open, compare through the API; filter and open in Chromium')
  .option('--runs <n>', 'runs', '10000')
  .option('--metric-rows <n>', 'metric rows in all', '10000000')
  .option('--long-run <n>', 'points of the one long run opened', '100000')
  .action(async (o) => {
    const { scaleBench } = await import('./scale-bench.js');
    await scaleBench({ runs: Number(o.runs), metricRows: Number(o.metricRows), longRun: Number(o.longRun), chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  });

await program.parseAsync(process.argv);

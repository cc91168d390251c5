// The `cluster` job (Han et al.'s weight sharing): k-means per layer, then
// centroid fine-tuning, run inside a job process. The arithmetic is in
// ml/compress/cluster.ts; this file only moves tensors.
import * as tf from '@tensorflow/tfjs';
import type { ClusterConfig, StartMessage } from '../contract/jobs.js';
import { fromChain, isWeighted } from '../ml/compress/chain.js';
import { CentroidAdam, CentroidMomentum, centroidGradients, indexBits, kmeans1d, sharedWeights, type Clustering } from '../ml/compress/cluster.js';
import { evaluate } from '../ml/train/classifier-trainer.js';
import { batchOf } from '../ml/train/latent-trainer.js';
import { augmentImage, augments, describeTrainer, isPlainTrainer, learningRateAt, resolveTrainer, type Augment } from '../ml/train/trainer-options.js';
import type { Split } from '../ml/data/datasets.js';
import { finish, setUp } from './compress-jobs.js';
import { log, stepReporter, type JobIO } from './job-io.js';

interface Shared extends Clustering {
  layer: string;
  bits: number;
  shape: number[];
}

/** A seeded permutation (mulberry32 + Fisher–Yates): same seed, same order. */
function permutation(n: number, seed: number): Uint32Array {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export async function runClusterJob(msg: StartMessage & { config: ClusterConfig }, io: JobIO): Promise<void> {
  const ctx = await setUp(msg, io);
  const c = msg.config;
  const weighted = ctx.chain.layers.filter(isWeighted).map((l) => l.name);
  const targets = c.layers ?? weighted;
  for (const name of [...targets, ...Object.keys(c.layerBits ?? {})]) {
    if (!weighted.includes(name)) throw new Error(`cluster: no Dense/Conv2D layer "${name}" (layers: ${weighted.join(', ')})`);
  }
  const shared: Shared[] = [];
  for (const name of targets) {
    const kernel = ctx.chain.layers.find((l) => l.name === name)!.weights[0];
    const bits = c.layerBits?.[name] ?? c.bits;
    const cl = kmeans1d(kernel.values, 2 ** bits, { skipZeros: true });
    kernel.values.set(sharedWeights(cl));
    shared.push({ ...cl, layer: name, bits, shape: kernel.shape });
    const stored = cl.index.reduce((a, j) => a + (j >= 0 ? 1 : 0), 0);
    log(io, 'info', `${name}/kernel: ${stored.toLocaleString('en-US')} stored weights → ${2 ** bits} shared values (${indexBits(2 ** bits)}-bit indices), k-means converged in ${cl.iterations} iteration(s)`);
  }
  const model = fromChain(ctx.chain);
  const afterClustering = evaluate(model, ctx.ds.test).accuracy;
  io.emit({ type: 'metric', scope: 'final', step: 0, epoch: 0, name: 'accuracy_after_clustering', value: afterClustering, t: 0 });
  log(io, 'info', `test accuracy after clustering, before fine-tuning: ${afterClustering.toFixed(4)}`);
  const stopped = await finetuneCentroids(model, shared, ctx, c, io);
  for (const s of shared) {
    ctx.manifest.weights[`${s.layer}/kernel`] = { bits: indexBits(s.centroids.length), perChannel: false, scales: [], zeroPoints: [], codebook: Array.from(s.centroids) };
  }
  const bitsText = [...new Set(shared.map((s) => s.bits))].length === 1 ? `${shared[0]?.bits}-bit` : shared.map((s) => `${s.layer} ${s.bits}-bit`).join(', ');
  ctx.manifest.steps.push(`cluster ${bitsText}`);
  await finish(io, msg.runDir, model, ctx, stopped, {
    accuracy_after_clustering: afterClustering,
    ...Object.fromEntries(shared.map((s) => [`bits_${s.layer}`, s.bits])),
  });
}

/**
 * Fine-tunes the shared values: each step's gradient of every clustered
 * weight is summed into its centroid (Adam on the centroids), then every
 * weight is set to its centroid again; single weights never move on their
 * own and pruned zeros (index -1) stay zero. Other weights (biases,
 * unclustered layers) train as usual with Adam.
 */
async function finetuneCentroids(model: tf.LayersModel, shared: Shared[], ctx: Awaited<ReturnType<typeof setUp>>, c: ClusterConfig, io: JobIO): Promise<boolean> {
  if (c.finetuneEpochs <= 0 || shared.length === 0) return false;
  const kernelOf = new Map(shared.map((s) => [s, model.getLayer(s.layer).trainableWeights[0].read() as tf.Variable]));
  const clusteredNames = new Set([...kernelOf.values()].map((v) => v.name));
  const all = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const others = all.filter((v) => !clusteredNames.has(v.name));
  const t = resolveTrainer(c);
  if (!isPlainTrainer(t)) log(io, 'info', describeTrainer(t, c.learningRate));
  // Adam (the default) or SGD with momentum, on the centroids and on the other weights alike.
  const sgd = t.optimizer === 'sgd';
  const opt = sgd ? tf.train.momentum(c.learningRate, t.momentum, t.nesterov) : tf.train.adam(c.learningRate);
  const adams = new Map(shared.map((s) => [s, sgd ? new CentroidMomentum(s.centroids.length, c.learningRate, t.momentum, t.nesterov) : new CentroidAdam(s.centroids.length, c.learningRate)]));
  const augment: Augment | null = augments(t) ? { seed: c.seed, jitter: t.jitter, inputDropout: t.inputDropout } : null;
  const report = stepReporter(io);
  const train = ctx.ds.train;
  const batches = Math.ceil(train.count / c.batchSize);
  const started = performance.now();
  let step = 0;
  log(io, 'info', `fine-tuning the shared values of ${shared.length} layer(s) for ${c.finetuneEpochs} epoch(s)`);
  for (let epoch = 1; epoch <= c.finetuneEpochs; epoch++) {
    const order = permutation(train.count, c.seed + epoch);
    if (t.lrSchedule !== 'constant') {
      const lr = learningRateAt(c.learningRate, t, epoch, c.finetuneEpochs);
      for (const a of adams.values()) a.setLearningRate(lr);
      setOptimizerRate(opt, lr);
    }
    let lossSum = 0;
    for (let b = 0; b < batches; b++) {
      if (io.isCancelled()) return true;
      const idx = order.subarray(b * c.batchSize, Math.min(train.count, (b + 1) * c.batchSize));
      const { loss, grads } = tf.tidy(() => {
        const x = augment ? augmentedBatch(train, idx, ctx.chain.inputShape, augment, epoch) : batchOf(train, idx, ctx.chain.inputShape);
        const y = tf.oneHot(tf.tensor1d(Array.from(idx, (i) => train.labels[i]), 'int32'), 10);
        const r = tf.variableGrads(() => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, all);
        return { loss: r.value, grads: r.grads };
      });
      for (const [s, v] of kernelOf) {
        const g = grads[v.name].dataSync();
        // Weight decay: d/dw of decay/2·w² is decay·w for each weight; summed per centroid like the loss's gradient.
        if (t.weightDecay > 0) {
          const w = sharedWeights(s);
          for (let i = 0; i < g.length; i++) g[i] += t.weightDecay * w[i];
        }
        adams.get(s)!.step(s.centroids, centroidGradients(g, s.index, s.centroids.length));
        const w = sharedWeights(s);
        tf.tidy(() => v.assign(tf.tensor(w, s.shape)));
      }
      if (others.length) {
        const decayed = t.weightDecay > 0 ? others.map((v) => tf.tidy(() => tf.add(grads[v.name], tf.mul(v, t.weightDecay)))) : null;
        opt.applyGradients(others.map((v, i) => ({ name: v.name, tensor: decayed ? decayed[i] : grads[v.name] })));
        tf.dispose(decayed ?? []);
      }
      const lossValue = (await loss.data())[0];
      tf.dispose([loss, ...Object.values(grads)]);
      lossSum += lossValue;
      step++;
      report.step({ epoch, epochs: c.finetuneEpochs, batch: b + 1, batches, step, metrics: { loss: lossValue }, elapsed: (performance.now() - started) / 1000, images: idx.length });
      if (b % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    const acc = evaluate(model, ctx.ds.test).accuracy;
    report.epoch(epoch, (performance.now() - started) / 1000, { train_loss: lossSum / batches, test_accuracy: acc });
    log(io, 'info', `epoch ${epoch}: test accuracy ${acc.toFixed(4)}`);
  }
  opt.dispose();
  return false;
}

/** A training batch with each image augmented (jitter, input dropout) as the classifier trainer does. */
function augmentedBatch(split: Split, indices: Uint32Array, shape: number[], a: Augment, epoch: number): tf.Tensor {
  const size = split.rows * split.cols;
  const buf = new Float32Array(indices.length * size);
  const tmp = new Float32Array(size);
  for (let i = 0; i < indices.length; i++) {
    const img = buf.subarray(i * size, (i + 1) * size);
    img.set(split.pixels.subarray(indices[i] * size, (indices[i] + 1) * size));
    augmentImage(img, split.rows, split.cols, a, epoch, indices[i], tmp);
  }
  return tf.tensor(buf, [indices.length, ...shape]);
}

/** Sets a tfjs optimizer's step size: SGD/momentum have a setter, Adam reads its field at each step. */
function setOptimizerRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (o.setLearningRate) o.setLearningRate(lr);
  else o.learningRate = lr;
}

// Compression jobs, as run inside a job process: each takes the source run's
// model, writes a new model (with its compression manifest), and reports
// test accuracy and cost.
import * as tf from '@tensorflow/tfjs';
import type { FactorizeConfig, FinetuneConfig, PruneConfig, QuantizeConfig, ScoreConfig, SensitivityConfig, StartMessage, Summary, CompressionConfig } from '../contract/jobs.js';
import type { Dataset } from '../ml/data/datasets.js';
import { cloneChain, fromChain, isWeighted, toChain, type Chain } from '../ml/compress/chain.js';
import { deepCompressionBytes } from '../ml/compress/huffman.js';
import { micronetCost, micronetScore } from '../ml/compress/micronet.js';
import { masksOf, prunableLayers, pruneUnstructured, rankUnits, removeUnits, sparsityOf } from '../ml/compress/prune.js';
import { quantError, quantizeTensor, writeQuantFile, type QuantizedTensor } from '../ml/compress/quantize.js';
import { factorizeLayer } from '../ml/compress/svd.js';
import { buildTeacher } from '../ml/models/classifiers.js';
import { loadModel } from '../ml/models/model-io.js';
import { evaluate, trainClassifier } from '../ml/train/classifier-trainer.js';
import { worthParallel } from '../ml/train/data-parallel.js';
import { batchOf } from '../ml/train/latent-trainer.js';
import { checkpointing, haltHook, type Checkpointing } from './checkpoints.js';
import type { TrainCheckpoint } from '../ml/train/checkpoint.js';
import { log, saveArtifact, stepReporter, type JobIO } from './job-io.js';
import { prepareJob, saveModelArtifacts } from './job-setup.js';
import { leaveWebgpu, runOn } from '../ml/engine/host.js';
import type { TrainerOptions } from '../contract/kinds/common.js';

/**
 * What a compressed model carries besides its weights: the bit width and
 * quantization grid of each quantized weight ("FC1/kernel"), so later steps
 * (scoring, Huffman coding) know its real storage.
 */
export interface CompressionManifest {
  /**
   * Quantized weights: an affine grid (scales, zero points), or, for a
   * clustered (weight-shared) weight, its `codebook` of shared values: the
   * weight stores a `bits`-bit index per element into it (scales empty).
   */
  weights: Record<string, { bits: number; perChannel: boolean; scales: number[]; zeroPoints: number[]; codebook?: number[] }>;
  steps: string[];
}

const emptyManifest = (): CompressionManifest => ({ weights: {}, steps: [] });

interface Context {
  c: CompressionConfig;
  ds: Dataset;
  chain: Chain;
  manifest: CompressionManifest;
  sourceAccuracy: number;
  /** The backend the job was given; on webgpu only fine-tuning runs there (see setUp). */
  device: string;
}

export async function setUp(msg: StartMessage & { config: CompressionConfig }, io: JobIO): Promise<Context> {
  const c = msg.config;
  const { ds, info } = await prepareJob(c, io);
  if (info.backend === 'webgpu') {
    await leaveWebgpu();
    log(io, 'info', `webgpu: fine-tuning runs on the GPU; evaluation, calibration and pruning scores (synchronous reads, which webgpu lacks under Node) on ${tf.getBackend()}`);
  }
  if (!msg.sourceModelDir) throw new Error('compression job started without the source model folder');
  const source = await loadModel(msg.sourceModelDir);
  const sourceAccuracy = evaluate(source, ds.test).accuracy;
  const chain = toChain(source);
  source.dispose();
  const manifest = (msg.sourceCompression as CompressionManifest | undefined) ?? emptyManifest();
  log(io, 'info', `source run ${c.sourceRunId}: test accuracy ${sourceAccuracy.toFixed(4)}${manifest.steps.length ? `, after ${manifest.steps.join(' → ')}` : ''}`);
  return { c, ds, chain, manifest: { weights: { ...manifest.weights }, steps: [...manifest.steps] }, sourceAccuracy, device: info.backend };
}

/**
 * Where one fine-tuning sits in a job that fine-tunes several times (pruning
 * in steps): the epochs and optimizer steps before it and the epochs in all,
 * so its curves, progress and checkpoints continue those of the earlier steps.
 */
interface Stage {
  epochsBefore: number;
  stepsBefore: number;
  epochs: number;
}

/** Fine-tunes a model while keeping pruned weights at zero. */
async function finetune(model: tf.LayersModel, chain: Chain, ctx: Context, epochs: number, io: JobIO, report: ReturnType<typeof stepReporter>, label: string, checkpoint?: Checkpointing, stage?: Stage) {
  if (epochs <= 0) return { stopped: false };
  const at = stage ?? { epochsBefore: 0, stepsBefore: 0, epochs };
  const masks = [...masksOf(chain)].map(([name, m]) => ({ v: model.getLayer(name).trainableWeights[0].read() as tf.Variable, m: tf.tensor(m, model.getLayer(name).getWeights()[0].shape) }));
  // Convolutional models fine-tune on two cores like training does; the masks are re-applied after each step and re-shared.
  const dataParallel = worthParallel(model, ctx.device);
  const halt = haltHook();
  log(io, 'info', `${label}: fine-tuning ${epochs} epoch(s)${masks.length ? `, keeping ${masks.length} layer mask(s)` : ''}${dataParallel ? ', on two cores' : ''}`);
  try {
    return await runOn(ctx.device, () => trainClassifier({
      dataParallel,
      model, train: ctx.ds.train, test: ctx.ds.test, epochs, batchSize: ctx.c.batchSize, learningRate: ctx.c.learningRate, seed: ctx.c.seed,
      trainer: ctx.c as Partial<TrainerOptions>, // quantize, score and sensitivity have none: the defaults
      log: (level, message) => log(io, level, message),
      shouldStop: io.isCancelled,
      checkpoint,
      afterStep: () => tf.tidy(() => masks.forEach(({ v, m }) => v.assign(tf.mul(v, m)))),
      onStep: (s) => {
        const epoch = at.epochsBefore + s.epoch;
        report.step({ ...s, epoch, epochs: at.epochs, step: at.stepsBefore + s.step, metrics: { loss: s.loss, accuracy: s.accuracy } });
        return halt({ epoch, batch: s.batch });
      },
      onEpoch: (e) => report.epoch(at.epochsBefore + e.epoch, e.elapsed, { train_loss: e.trainLoss, test_accuracy: e.testAccuracy }),
    }));
  } finally {
    tf.dispose(masks.map((x) => x.m));
  }
}

export async function finish(io: JobIO, runDir: string, model: tf.LayersModel, ctx: Context, stopped: boolean, extra: Summary): Promise<void> {
  await saveModelArtifacts(io, runDir, model, stopped);
  saveArtifact(io, runDir, 'compression.json', 'data', JSON.stringify(ctx.manifest), { title: 'Compression manifest (bit widths and quantization grids)' });
  const chain = toChain(model);
  const cost = micronetCost(chain, bitsOf(ctx.manifest), 'fp32', codebooksOf(ctx.manifest));
  const acc = evaluate(model, ctx.ds.test).accuracy;
  const summary: Summary = {
    params: model.countParams(),
    nonzero_params: cost.layers.reduce((a, l) => a + l.nonzeros, 0),
    test_accuracy: acc,
    source_test_accuracy: ctx.sourceAccuracy,
    storage_params_32bit: cost.storage,
    math_ops: cost.ops,
    ...extra,
  };
  io.emit(stopped ? { type: 'cancelled', summary } : { type: 'done', summary });
}

export const bitsOf = (m: CompressionManifest) => Object.fromEntries(Object.entries(m.weights).map(([k, v]) => [k, v.bits]));
/** Clustered weights and their codebook sizes. */
export const codebooksOf = (m: CompressionManifest) => Object.fromEntries(Object.entries(m.weights).filter(([, v]) => v.codebook).map(([k, v]) => [k, v.codebook!.length]));

export async function runPruneJob(msg: StartMessage & { config: PruneConfig }, io: JobIO): Promise<void> {
  const ctx = await setUp(msg, io);
  const c = msg.config;
  const structured = c.method === 'structured';
  const targets = c.layers ?? prunableLayers(ctx.chain, structured);
  const report = stepReporter(io);
  let chain = ctx.chain;
  let model = fromChain(chain);
  let stopped = false;
  let perLayer: Record<string, number> = {};
  const accuracyAfterStep: number[] = [];
  const validation = structured && (c.criterion === 'activation' || c.criterion === 'apoz') ? { x: batchOf(ctx.ds.train, Uint32Array.from({ length: Math.min(c.validationImages, ctx.ds.train.count) }, (_, i) => i), ctx.chain.inputShape) } : undefined;
  // Each step's fine-tuning continues the epochs (and curves) of the steps before; its checkpoints say which step they are in.
  const batches = Math.ceil(ctx.ds.train.count / c.batchSize);
  const stageOf = (step: number): Stage => ({ epochsBefore: (step - 1) * c.finetuneEpochs, stepsBefore: (step - 1) * c.finetuneEpochs * batches, epochs: c.steps * c.finetuneEpochs });
  const checkpoint = checkpointing(msg, io);
  const resume = checkpoint.resume;
  let first = 1;
  // Checkpoints written before they said their step are of one-step pruning: the source is pruned again, as it was then.
  const legacy = resume && !resume.prune ? resume : undefined;
  if (resume?.prune) {
    const at = resume.prune;
    if (at.step > c.steps) throw new Error(`cannot resume: the checkpoint is of pruning step ${at.step}, this run has ${c.steps}`);
    // The pruned model of that step, from the checkpoint: its shapes (units removed) and its zeros (the masks: pruned
    // weights are re-zeroed after every optimizer step; a fine-tuned weight landing on exactly 0.0 is not a concern).
    chain = chainWithWeights(ctx.chain, resume.weights);
    model.dispose();
    model = fromChain(chain);
    perLayer = { ...at.perLayer };
    accuracyAfterStep.push(...at.accuracyAfterStep);
    // Final-scope metrics were dropped with the resume: the finished steps' ones again.
    accuracyAfterStep.forEach((value, i) => io.emit({ type: 'metric', scope: 'final', step: i + 1, epoch: 0, name: 'accuracy_after_prune_step', value, t: 0 }));
    log(io, 'info', `resuming pruning step ${at.step}/${c.steps} after ${at.stepEpoch} of its ${c.finetuneEpochs} fine-tuning epoch(s)`);
    stopped = (await finetune(model, chain, ctx, c.finetuneEpochs, io, report, `step ${at.step}/${c.steps}`, stepCheckpoint(at.step, { ...resume, epoch: at.stepEpoch }), stageOf(at.step))).stopped;
    first = at.step + 1;
  }
  for (let step = first; step <= c.steps && !stopped; step++) {
    chain = toChain(model); // fine-tuned weights of the previous step
    const target = (name: string) => ((c.layerSparsity?.[name] ?? c.sparsity) * step) / c.steps;
    if (structured) {
      for (const name of targets) {
        // Remove the share of units that brings the layer from its original size to the target.
        const layer = chain.layers.find((l) => l.name === name)!;
        const original = ctx.chain.layers.find((l) => l.name === name)!.weights[0].shape.at(-1)!;
        const now = layer.weights[0].shape.at(-1)!;
        const wantKeep = Math.max(1, Math.round(original * (1 - target(name))));
        if (wantKeep >= now) continue;
        const r = removeUnits(chain, name, rankUnits(chain, name, c.criterion, validation), 1 - wantKeep / now + 1e-9);
        perLayer[name] = 1 - r.after / original;
        log(io, 'info', `step ${step}: ${name} ${r.before} → ${r.after} ${layer.className === 'Dense' ? 'units' : 'filters'} (ranked by ${c.criterion})`);
      }
    } else if (c.scope === 'global') {
      for (const [name, s] of pruneUnstructured(chain, targets, (c.sparsity * step) / c.steps, 'global')) perLayer[name] = s;
    } else {
      for (const name of targets) for (const [n, s] of pruneUnstructured(chain, [name], target(name), 'layer')) perLayer[n] = s;
    }
    model.dispose();
    model = fromChain(chain);
    const accuracy = evaluate(model, ctx.ds.test).accuracy;
    accuracyAfterStep.push(accuracy);
    io.emit({ type: 'metric', scope: 'final', step, epoch: 0, name: 'accuracy_after_prune_step', value: accuracy, t: 0 });
    stopped = (await finetune(model, chain, ctx, c.finetuneEpochs, io, report, `step ${step}/${c.steps}`, stepCheckpoint(step, step === 1 ? legacy : undefined), stageOf(step))).stopped;
  }
  validation?.x.dispose();
  ctx.manifest.steps.push(`${c.method} prune ${Math.round(c.sparsity * 100)}%`);
  for (const [name, s] of Object.entries(perLayer)) io.emit({ type: 'metric', scope: 'final', step: 0, epoch: 0, name: `sparsity/${name}`, value: s, t: 0 });
  await finish(io, msg.runDir, model, ctx, stopped, { sparsity_target: c.sparsity, ...Object.fromEntries(Object.entries(perLayer).map(([k, v]) => [`sparsity_${k}`, v])) });

  /**
   * Pruning step `step`'s view of the job's checkpoints: trainClassifier counts
   * this step's epochs (and resumes from `resume`, in those), the files count
   * the epochs of all steps and carry which step they are in.
   */
  function stepCheckpoint(step: number, resumeHere?: TrainCheckpoint): Checkpointing {
    const before = stageOf(step).epochsBefore;
    return {
      resume: resumeHere,
      save: (ck) => checkpoint.save({ ...ck, epoch: before + ck.epoch, prune: { step, stepEpoch: ck.epoch, perLayer: { ...perLayer }, accuracyAfterStep: [...accuracyAfterStep] } }),
    };
  }
}

/**
 * `source` with the weights of a checkpoint, layer by layer in order, and
 * the unit counts their shapes give (structured pruning removes units).
 */
function chainWithWeights(source: Chain, weights: TrainCheckpoint['weights']): Chain {
  const chain = cloneChain(source);
  let i = 0;
  for (const l of chain.layers) {
    if (!l.weights.length) continue;
    l.weights = l.weights.map(() => {
      const w = weights[i++];
      if (!w) throw new Error(`cannot resume: the checkpoint has ${weights.length} weights, fewer than the model's layers need`);
      return { values: w.values, shape: w.shape };
    });
    if (isWeighted(l)) l.config = { ...l.config, [l.className === 'Dense' ? 'units' : 'filters']: l.weights[0].shape.at(-1)! };
  }
  if (i !== weights.length) throw new Error(`cannot resume: the checkpoint has ${weights.length} weights, the model ${i}`);
  return chain;
}

export async function runSensitivityJob(msg: StartMessage & { config: SensitivityConfig }, io: JobIO): Promise<void> {
  const ctx = await setUp(msg, io);
  const c = msg.config;
  const layers = c.layers ?? prunableLayers(ctx.chain, false);
  const curves: Record<string, { sparsity: number; accuracy: number }[]> = {};
  const total = layers.length * c.sparsities.length;
  let done = 0;
  const started = performance.now();
  for (const name of layers) {
    curves[name] = [];
    for (const s of c.sparsities) {
      if (io.isCancelled()) break;
      const trial = cloneChain(ctx.chain);
      pruneUnstructured(trial, [name], s, 'layer');
      const m = fromChain(trial);
      const accuracy = evaluate(m, ctx.ds.test).accuracy;
      m.dispose();
      curves[name].push({ sparsity: s, accuracy });
      io.emit({ type: 'metric', scope: 'final', step: Math.round(s * 100), epoch: 0, name: `sensitivity/${name}`, value: accuracy, t: (performance.now() - started) / 1000 });
      done++;
      const elapsed = (performance.now() - started) / 1000;
      io.emit({ type: 'progress', epoch: 1, epochs: 1, batch: done, batches: total, loss: 0, accuracy, eta: (elapsed / done) * (total - done), imagesPerSecond: (done * ctx.ds.test.count) / elapsed });
      await new Promise((r) => setImmediate(r));
    }
  }
  saveArtifact(io, msg.runDir, 'sensitivity.json', 'data', JSON.stringify(curves), { title: 'Test accuracy per layer at each sparsity' });
  const summary: Summary = { source_test_accuracy: ctx.sourceAccuracy, layers: layers.length };
  for (const [name, pts] of Object.entries(curves)) {
    // The highest sparsity that costs at most one point of accuracy: a quick per-layer budget.
    const ok = pts.filter((p) => p.accuracy >= ctx.sourceAccuracy - 0.01).map((p) => p.sparsity);
    summary[`safe_sparsity_${name}`] = ok.length ? Math.max(...ok) : 0;
  }
  io.emit(io.isCancelled() ? { type: 'cancelled', summary } : { type: 'done', summary });
}

export async function runQuantizeJob(msg: StartMessage & { config: QuantizeConfig }, io: JobIO): Promise<void> {
  const ctx = await setUp(msg, io);
  const c = msg.config;
  const entries: Parameters<typeof writeQuantFile>[0] = [];
  for (const l of ctx.chain.layers.filter(isWeighted)) {
    const [kernel, bias] = l.weights;
    const weight = `${l.name}/kernel`;
    const q: QuantizedTensor = quantizeTensor(kernel.values, kernel.shape, c.bits, c.perChannel);
    const err = quantError(kernel.values, q);
    io.emit({ type: 'metric', scope: 'final', step: 0, epoch: 0, name: `quant_rmse/${l.name}`, value: err.rmse, t: 0 });
    log(io, 'info', `${weight}: ${c.bits}-bit ${c.perChannel ? 'per-channel' : 'per-tensor'}, rmse ${err.rmse.toExponential(2)}, max error ${err.maxAbs.toExponential(2)}`);
    const before = sparsityOf(kernel.values);
    kernel.values.set(dequantizeInto(q));
    if (before > 0 && sparsityOf(kernel.values) < before) throw new Error(`${weight}: quantization moved pruned zeros (zero point not exact)`);
    ctx.manifest.weights[weight] = { bits: c.bits, perChannel: c.perChannel, scales: q.params.map((p) => p.scale), zeroPoints: q.params.map((p) => p.zeroPoint) };
    entries.push({ layer: l.name, weight, shape: kernel.shape, quantized: q });
    if (bias) entries.push({ layer: l.name, weight: `${l.name}/bias`, shape: bias.shape, float: bias.values });
  }
  // Calibration: activation ranges of each weighted layer on N training images.
  const model = fromChain(ctx.chain);
  const n = Math.min(c.calibrationImages, ctx.ds.train.count);
  const ranges = tf.tidy(() => {
    const x = batchOf(ctx.ds.train, Uint32Array.from({ length: n }, (_, i) => i), ctx.chain.inputShape);
    const names = ctx.chain.layers.filter(isWeighted).map((l) => l.name);
    const probe = tf.model({ inputs: model.inputs, outputs: names.map((nm) => model.getLayer(nm).output as tf.SymbolicTensor) });
    const outs = probe.predict(x) as tf.Tensor[];
    return names.map((nm, i) => ({ layer: nm, min: tf.min(outs[i]).dataSync()[0], max: tf.max(outs[i]).dataSync()[0] }));
  });
  const file = writeQuantFile(entries);
  saveArtifact(io, msg.runDir, 'model.dqm', 'quantized-model', file, { bits: c.bits, perChannel: c.perChannel, format: 'DQM1 (see src-main/ml/compress/quantize.ts)' });
  saveArtifact(io, msg.runDir, 'calibration.json', 'data', JSON.stringify({ images: n, activationRanges: ranges }), { title: `Activation ranges on ${n} training images` });
  ctx.manifest.steps.push(`quantize ${c.bits}-bit`);
  await finish(io, msg.runDir, model, ctx, false, { bits: c.bits, quantized_file_bytes: file.length, calibration_images: n });
}

/** Index of the codebook entry equal (or nearest) to v. */
function nearestIndex(cb: Float32Array, v: number): number {
  let best = 0;
  for (let j = 1; j < cb.length; j++) if (Math.abs(cb[j] - v) < Math.abs(cb[best] - v)) best = j;
  return best;
}

function dequantizeInto(q: QuantizedTensor): Float32Array {
  const out = new Float32Array(q.q.length);
  const ch = q.params.length;
  for (let i = 0; i < out.length; i++) out[i] = q.params[i % ch].scale * (q.q[i] - q.params[i % ch].zeroPoint);
  return out;
}

export async function runFactorizeJob(msg: StartMessage & { config: FactorizeConfig }, io: JobIO): Promise<void> {
  const ctx = await setUp(msg, io);
  const c = msg.config;
  const dense = ctx.chain.layers.filter((l) => l.className === 'Dense').map((l) => l.name);
  const targets = c.layers ?? dense.slice(0, -1);
  const summary: Summary = {};
  for (const name of targets) {
    const f = factorizeLayer(ctx.chain, name, { rank: c.ranks?.[name] ?? c.rank, energy: c.energy });
    log(io, 'info', `${name}: ${f.m}×${f.n} → rank ${f.k}: ${(f.m * f.n).toLocaleString('en-US')} → ${((f.m + f.n) * f.k).toLocaleString('en-US')} weights, energy kept ${(f.energy * 100).toFixed(1)}%, ‖A − A_k‖ ${f.error.toFixed(4)}`);
    f.singularValues.forEach((sv, i) => io.emit({ type: 'metric', scope: 'final', step: i + 1, epoch: 0, name: `singular_value/${name}`, value: sv, t: 0 }));
    summary[`rank_${name}`] = f.k;
    summary[`weights_before_${name}`] = f.m * f.n;
    summary[`weights_after_${name}`] = (f.m + f.n) * f.k;
    saveArtifact(io, msg.runDir, `spectrum-${name}.json`, 'data', JSON.stringify(f), { title: `Singular values of ${name}` });
  }
  const model = fromChain(ctx.chain);
  io.emit({ type: 'metric', scope: 'final', step: 0, epoch: 0, name: 'accuracy_before_finetune', value: evaluate(model, ctx.ds.test).accuracy, t: 0 });
  const r = await finetune(model, ctx.chain, ctx, c.finetuneEpochs, io, stepReporter(io), 'factorized model', checkpointing(msg, io));
  ctx.manifest.steps.push(`SVD ${targets.join(', ')}`);
  await finish(io, msg.runDir, model, ctx, r.stopped, summary);
}

export async function runFinetuneJob(msg: StartMessage & { config: FinetuneConfig }, io: JobIO): Promise<void> {
  const ctx = await setUp(msg, io);
  const model = fromChain(ctx.chain);
  const r = await finetune(model, ctx.chain, ctx, msg.config.epochs, io, stepReporter(io), 'model', checkpointing(msg, io));
  // Quantized weights are no longer on their grid after training.
  if (Object.keys(ctx.manifest.weights).length) log(io, 'warn', 'fine-tuning moved quantized weights off their grid: quantize again before scoring');
  ctx.manifest.weights = {};
  ctx.manifest.steps.push(`fine-tune ${msg.config.epochs}`);
  await finish(io, msg.runDir, model, ctx, r.stopped, {});
}

export async function runScoreJob(msg: StartMessage & { config: ScoreConfig }, io: JobIO): Promise<void> {
  const ctx = await setUp(msg, io);
  const c = msg.config;
  const bits = bitsOf(ctx.manifest);
  const cost = micronetCost(ctx.chain, bits, c.convention, codebooksOf(ctx.manifest));
  const baselineChain = msg.baselineModelDir ? toChain(await loadModel(msg.baselineModelDir)) : toChain(buildTeacher());
  const baseline = micronetCost(baselineChain, {}, c.convention);
  const score = micronetScore(cost, baseline);
  for (const l of cost.layers) {
    for (const k of ['storage', 'multiplies', 'additions'] as const) io.emit({ type: 'metric', scope: 'final', step: 0, epoch: 0, name: `${k}/${l.layer}`, value: l[k], t: 0 });
  }
  saveArtifact(io, msg.runDir, 'micronet.json', 'data', JSON.stringify({ cost, baseline, score }), { title: `MicroNet cost (${c.convention} convention)` });

  // Deep Compression size: Huffman-coded quantized values and index gaps of each kernel, float32 biases.
  const originalChain = msg.originalModelDir ? toChain(await loadModel(msg.originalModelDir)) : ctx.chain;
  const originalBytes = originalChain.layers.filter(isWeighted).reduce((a, l) => a + l.weights.reduce((b, w) => b + 4 * w.values.length, 0), 0);
  let compressedBytes = 0;
  // The same layout without Huffman coding: each entry a fixed-width value plus a 5-bit gap (Han et al.'s "without Huffman" column).
  let fixedWidthBytes = 0;
  const GAP_BITS = 5;
  for (const l of ctx.chain.layers.filter(isWeighted)) {
    const [kernel, bias] = l.weights;
    const grid = ctx.manifest.weights[`${l.name}/kernel`];
    if (grid?.codebook) {
      // Clustered: indices into the codebook (k marks a pruned zero), Huffman-coded with the gaps, plus the 32-bit codebook.
      const cb = Float32Array.from(grid.codebook);
      const k = cb.length;
      const q = new Uint32Array(kernel.values.length);
      for (let i = 0; i < q.length; i++) q[i] = kernel.values[i] === 0 ? k : nearestIndex(cb, kernel.values[i]);
      const dc = deepCompressionBytes(q, k, GAP_BITS);
      compressedBytes += dc.bytes + 4 * k;
      fixedWidthBytes += Math.ceil((dc.entries * (grid.bits + GAP_BITS)) / 8) + 4 * k;
    } else if (grid) {
      const ch = grid.scales.length;
      // Per-channel grids have one zero point per channel; code each channel's indices separately.
      for (let cidx = 0; cidx < ch; cidx++) {
        const q = new Uint32Array(Math.ceil(kernel.values.length / ch));
        let n = 0;
        for (let i = cidx; i < kernel.values.length; i += ch) q[n++] = Math.round(kernel.values[i] / grid.scales[cidx]) + grid.zeroPoints[cidx];
        const dc = deepCompressionBytes(q.subarray(0, n), grid.zeroPoints[cidx], GAP_BITS);
        compressedBytes += dc.bytes + 8; // + scale and zero point
        fixedWidthBytes += Math.ceil((dc.entries * (grid.bits + GAP_BITS)) / 8) + 8;
      }
    } else {
      compressedBytes += 4 * kernel.values.length;
      fixedWidthBytes += 4 * kernel.values.length;
    }
    if (bias) {
      compressedBytes += 4 * bias.values.length;
      fixedWidthBytes += 4 * bias.values.length;
    }
  }
  const acc = evaluate(fromChain(ctx.chain), ctx.ds.test).accuracy;
  const summary: Summary = {
    params: cost.params,
    nonzero_params: cost.layers.reduce((a, l) => a + l.nonzeros, 0),
    test_accuracy: acc,
    convention: c.convention,
    storage_params: cost.storage,
    multiplies: cost.multiplies,
    additions: cost.additions,
    math_ops: cost.ops,
    baseline_storage_params: baseline.storage,
    baseline_math_ops: baseline.ops,
    micronet_score: score.score,
    storage_ratio: score.storageRatio,
    ops_ratio: score.opsRatio,
    original_bytes: originalBytes,
    compressed_bytes: compressedBytes,
    compression_ratio: originalBytes / compressedBytes,
    compressed_bytes_no_huffman: fixedWidthBytes,
    compression_ratio_no_huffman: originalBytes / fixedWidthBytes,
  };
  log(io, 'info', `MicroNet (${c.convention}): storage ${cost.storage.toFixed(0)} / ${baseline.storage.toFixed(0)} + ops ${cost.ops} / ${baseline.ops} = ${score.score.toFixed(4)}`);
  log(io, 'info', `Deep Compression size: ${compressedBytes.toLocaleString('en-US')} bytes, ${(originalBytes / compressedBytes).toFixed(1)}× smaller than ${originalBytes.toLocaleString('en-US')}`);
  io.emit({ type: 'done', summary });
}

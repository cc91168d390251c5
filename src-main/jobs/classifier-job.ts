// The train and distill jobs, as run inside a job process.
import * as tf from '@tensorflow/tfjs';
import type { DistillConfig, StartMessage, Summary, TrainConfig } from '../contract/jobs.js';
import { DEFAULT_BIAS_HOLDOUT } from '../contract/kinds/distill.js';
import { omitClasses } from '../ml/data/transfer-set.js';
import { buildClassifier } from '../ml/models/classifiers.js';
import { loadModel } from '../ml/models/model-io.js';
import { teacherLogitsOf, trainClassifier } from '../ml/train/classifier-trainer.js';
import { worthParallel } from '../ml/train/data-parallel.js';
import { checkpointing, haltHook } from './checkpoints.js';
import { DivergedError, READ_EVERY } from '../ml/train/gpu-train.js';
import { stepReporter, type JobIO } from './job-io.js';
import { prepareJob, saveModelArtifacts } from './job-setup.js';
import { correctOmittedBias } from './bias-correction.js';
import { savePredictions } from './predictions.js';

export type { JobIO };

export async function runClassifierJob(msg: StartMessage & { config: TrainConfig | DistillConfig }, io: JobIO): Promise<void> {
  const c = msg.config;
  const log = (level: 'info' | 'warn', message: string) => io.emit({ type: 'log', level, message });
  // Classes left out of the transfer set (distill only); the end of the training set is then held out to choose their bias offset.
  const omit = c.kind === 'distill' ? [...new Set(c.omitClasses ?? [])].sort((a, b) => a - b) : [];
  const { info, ds } = await prepareJob(c, io, omit.length > 0 ? { holdout: (c.kind === 'distill' && c.biasHoldout) || DEFAULT_BIAS_HOLDOUT } : {});
  let train = ds.train;
  let omittedImages = 0;
  if (omit.length > 0) {
    const r = omitClasses(ds.train, omit);
    const missing = omit.filter((k) => r.perClass[k] === 0);
    if (missing.length > 0) throw new Error(`omitClasses: class ${missing.join(', ')} has no image among the ${ds.train.count} training images of ${ds.name}: nothing to omit (the dataset's classes are the labels its images carry)`);
    if (r.split.count === 0) throw new Error(`omitClasses: removing classes ${omit.join(', ')} leaves no training image`);
    train = r.split;
    omittedImages = r.removed;
    log('info', `omitClasses ${omit.join(', ')}: removed ${r.removed} of ${ds.train.count} training images (${omit.map((k) => `class ${k}: ${r.perClass[k]}`).join(', ')}); the student trains on the other ${train.count} and never sees them, neither their soft nor their hard targets`);
  }

  const model = buildClassifier(c.model);
  let teacher: { model: tf.LayersModel; temperature: number; alpha: number } | undefined;
  if (c.kind === 'distill') {
    if (!msg.teacherModelDir) throw new Error('distill job started without the teacher model folder');
    teacher = { model: await loadModel(msg.teacherModelDir), temperature: c.temperature, alpha: c.alpha };
    log('info', `teacher loaded from run ${c.teacherRunId} (${teacher.model.countParams().toLocaleString('en-US')} parameters), T=${c.temperature}, alpha=${c.alpha}`);
  }

  const report = stepReporter(io);
  const checkpoint = checkpointing(msg, io);
  const halt = haltHook();
  const dataParallel = c.dataParallel && worthParallel(model, info.backend);
  if (dataParallel) log('info', 'training on two cores: each batch is split with a worker thread');
  if (info.backend === 'webgpu') log('info', `training on the GPU: images uploaded once, batches gathered there; losses read every ${READ_EVERY} steps (a NaN is noticed up to ${READ_EVERY} steps late)`);
  const result = await trainClassifier({
    dataParallel,
    model,
    train,
    test: ds.test,
    epochs: c.epochs,
    batchSize: c.batchSize,
    learningRate: c.learningRate,
    seed: c.seed,
    trainer: c,
    log,
    teacher,
    shouldStop: io.isCancelled,
    checkpoint,
    onStep: (s) => {
      report.step({ ...s, metrics: { loss: s.loss, accuracy: s.accuracy } });
      return halt(s);
    },
    onEpoch: (e) =>
      report.epoch(e.epoch, e.elapsed, { train_loss: e.trainLoss, train_accuracy: e.trainAccuracy, test_loss: e.testLoss, test_accuracy: e.testAccuracy }),
  }).catch(async (e: unknown) => {
    // On the GPU a NaN is noticed a few steps late; the model was put back to the last good weights: keep them.
    if (e instanceof DivergedError) {
      await saveModelArtifacts(io, msg.runDir, model, true);
      log('warn', `saved the last good weights (before step ${e.firstStep}) as a partial model`);
    }
    throw e;
  });

  // Weights are saved even when cancelled: what was trained is not thrown away.
  await saveModelArtifacts(io, msg.runDir, model, result.stopped);
  const testLogits = result.stopped ? null : teacherLogitsOf(model, ds.test);
  if (testLogits) savePredictions(io, msg.runDir, model, ds.test, testLogits);
  const summary: Summary = {
    params: model.countParams(),
    test_accuracy: result.testAccuracy,
    test_loss: result.testLoss,
    epochs_done: result.epochsDone,
    train_images: train.count,
    test_images: ds.test.count,
    images_per_second: report.throughput(),
  };
  if (omit.length > 0 && ds.holdout) {
    summary.omitted_train_images = omittedImages;
    if (testLogits) Object.assign(summary, await correctOmittedBias({ io, runDir: msg.runDir, model, omit, holdout: ds.holdout, test: ds.test, testLogits, compareOffset: c.kind === 'distill' ? c.compareBiasOffset : undefined, log }));
  }
  io.emit(result.stopped ? { type: 'cancelled', summary } : { type: 'done', summary });
}

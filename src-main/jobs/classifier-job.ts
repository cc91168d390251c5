// The train and distill jobs, as run inside a job process.
import * as tf from '@tensorflow/tfjs';
import type { DistillConfig, StartMessage, Summary, TrainConfig } from '../contract/jobs.js';
import { buildClassifier } from '../ml/models/classifiers.js';
import { loadModel } from '../ml/models/model-io.js';
import { trainClassifier } from '../ml/train/classifier-trainer.js';
import { worthParallel } from '../ml/train/data-parallel.js';
import { checkpointing, haltHook } from './checkpoints.js';
import { DivergedError, READ_EVERY } from '../ml/train/gpu-train.js';
import { stepReporter, type JobIO } from './job-io.js';
import { prepareJob, saveModelArtifacts } from './job-setup.js';
import { savePredictions } from './predictions.js';

export type { JobIO };

export async function runClassifierJob(msg: StartMessage & { config: TrainConfig | DistillConfig }, io: JobIO): Promise<void> {
  const c = msg.config;
  const log = (level: 'info' | 'warn', message: string) => io.emit({ type: 'log', level, message });
  const { info, ds } = await prepareJob(c, io);

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
    train: ds.train,
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
  if (!result.stopped) savePredictions(io, msg.runDir, model, ds.test);
  const summary: Summary = {
    params: model.countParams(),
    test_accuracy: result.testAccuracy,
    test_loss: result.testLoss,
    epochs_done: result.epochsDone,
    train_images: ds.train.count,
    test_images: ds.test.count,
    images_per_second: report.throughput(),
  };
  io.emit(result.stopped ? { type: 'cancelled', summary } : { type: 'done', summary });
}

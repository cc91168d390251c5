// After a student is distilled on a transfer set without some classes
// (Hinton et al. 2015 §3, "omit the 3s"): raise the output bias of each
// omitted class by the offset that is most accurate on held-out TRAINING
// images (never the test set), report test errors before and after, and save
// the corrected model as a second model of the run (`corrected/`).
import * as tf from '@tensorflow/tfjs';
import type { Summary } from '../contract/jobs.js';
import type { Split } from '../ml/data/datasets.js';
import { LOGITS_LAYER } from '../ml/models/classifiers.js';
import { BIAS_OFFSET_GRID, bestBiasOffsets, errorsWithOffsets } from '../ml/train/bias-offset.js';
import { teacherLogitsOf } from '../ml/train/classifier-trainer.js';
import type { JobIO } from './job-io.js';
import { saveModelArtifacts } from './job-setup.js';

const NUM_CLASSES = 10;

export interface BiasCorrectionInput {
  io: JobIO;
  runDir: string;
  model: tf.LayersModel;
  omit: number[];
  holdout: Split;
  test: Split;
  /** The model's logits on `test` (already computed for the predictions). */
  testLogits: Float32Array;
  /** A fixed offset to report beside the chosen one (the paper's +3.5), for comparison only. */
  compareOffset?: number;
  log: (level: 'info' | 'warn', message: string) => void;
}

/** Chooses the offsets, saves the corrected model under `corrected/`, and returns the summary fields. */
export async function correctOmittedBias(o: BiasCorrectionInput): Promise<Summary> {
  const { omit, holdout, test, testLogits } = o;
  const holdLogits = teacherLogitsOf(o.model, holdout);
  const offsets = bestBiasOffsets(holdLogits, holdout.labels, NUM_CLASSES, omit);
  const none = new Map<number, number>();
  const holdBefore = errorsWithOffsets(holdLogits, holdout.labels, NUM_CLASSES, none, omit);
  const holdAfter = errorsWithOffsets(holdLogits, holdout.labels, NUM_CLASSES, offsets, omit);
  const before = errorsWithOffsets(testLogits, test.labels, NUM_CLASSES, none, omit);
  const after = errorsWithOffsets(testLogits, test.labels, NUM_CLASSES, offsets, omit);
  const list = omit.map((k) => `class ${k} +${offsets.get(k)}`).join(', ');
  o.log('info', `bias correction: ${list}, chosen on the ${holdout.count} held-out training images (${holdBefore.countAmong} of the omitted classes) over offsets ${BIAS_OFFSET_GRID[0]}…${BIAS_OFFSET_GRID.at(-1)} in steps of ${BIAS_OFFSET_GRID[1] - BIAS_OFFSET_GRID[0]}: held-out errors ${holdBefore.errors} → ${holdAfter.errors}`);
  o.log('info', `test errors ${before.errors} → ${after.errors} of ${test.count}; on the ${before.countAmong} test images of the omitted classes ${before.errorsAmong} → ${after.errorsAmong}`);
  const summary: Summary = {
    holdout_images: holdout.count,
    holdout_errors: holdBefore.errors,
    holdout_errors_corrected: holdAfter.errors,
    ...Object.fromEntries(omit.map((k) => [`bias_offset_${k}`, offsets.get(k)!])),
    ...(omit.length === 1 ? { bias_offset: offsets.get(omit[0])! } : {}),
    test_errors: before.errors,
    test_images_omitted: before.countAmong,
    test_errors_omitted: before.errorsAmong,
    test_errors_corrected: after.errors,
    test_errors_omitted_corrected: after.errorsAmong,
    test_accuracy_corrected: test.count > 0 ? 1 - after.errors / test.count : null,
  };
  if (o.compareOffset !== undefined) {
    const fixed = errorsWithOffsets(testLogits, test.labels, NUM_CLASSES, new Map(omit.map((k) => [k, o.compareOffset!])), omit);
    o.log('info', `for comparison, a fixed +${o.compareOffset} (not chosen here; the paper chose its +3.5 on the test set): test errors ${fixed.errors}, on the omitted classes ${fixed.errorsAmong}`);
    Object.assign(summary, { fixed_bias_offset: o.compareOffset, test_errors_fixed_offset: fixed.errors, test_errors_omitted_fixed_offset: fixed.errorsAmong });
  }
  // The run's model stays as trained; the corrected one is the same weights with the offsets on the logits layer's bias.
  const layer = o.model.getLayer(LOGITS_LAYER);
  const bias = layer.weights.at(-1)!;
  if (bias.shape.length !== 1 || bias.shape[0] !== NUM_CLASSES) throw new Error(`bias correction: layer ${LOGITS_LAYER} has no ${NUM_CLASSES}-element bias`);
  const b = Float32Array.from(await bias.read().data());
  const corrected = Float32Array.from(b);
  for (const [k, off] of offsets) corrected[k] += off;
  bias.write(tf.tensor1d(corrected));
  await saveModelArtifacts(o.io, o.runDir, o.model, false, 'corrected');
  bias.write(tf.tensor1d(b));
  o.log('info', `saved the bias-corrected model as corrected/ beside the run's model (which stays as trained)`);
  return summary;
}

// The test-set predictions of a classifier run as data: the top class of
// every test image followed by its label (uint8 [2, n]), so the compare view
// can show per-class accuracy, confusion matrices and the agreement of a
// student with its teacher on the whole test set.
import type * as tf from '@tensorflow/tfjs';
import type { Split } from '../ml/data/datasets.js';
import { teacherLogitsOf } from '../ml/train/classifier-trainer.js';
import { saveArtifact, type JobIO } from './job-io.js';

export const PREDICTIONS_NAME = 'predictions.u8';
const NUM_CLASSES = 10;

/** uint8 [2, n]: argmax of each row of `logits` ([n, classes]), then the labels. */
export function encodePredictions(logits: Float32Array, labels: ArrayLike<number>, classes = NUM_CLASSES): Buffer {
  const n = labels.length;
  const out = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k] > logits[i * classes + best]) best = k;
    out[i] = best;
    out[n + i] = labels[i];
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Saves the predictions of `model` (a classifier ending in softmax) on `test` as a 'data' artifact with meta { n, classes } (`logits`: its logits on `test`, if already computed). */
export function savePredictions(io: JobIO, runDir: string, model: tf.LayersModel, test: Split, logits = teacherLogitsOf(model, test)): void {
  saveArtifact(io, runDir, PREDICTIONS_NAME, 'data', encodePredictions(logits, test.labels), {
    title: 'Test-set predictions (uint8 [2, n]: top class per test image, then the labels)',
    n: test.count,
    classes: NUM_CLASSES,
    layout: 'predictions,labels',
  });
}

// The seed's "softened probabilities" slide for one test image: a model's
// probabilities at T = 1 and at temperature T, and the class each predicts.
import * as tf from '@tensorflow/tfjs';
import type { SoftenResult } from '../../contract/api.js';
import { loadDataset, type Split } from '../data/datasets.js';
import { logitsModel } from '../models/classifiers.js';
import { loadModel } from '../models/model-io.js';
import { softenedProbabilities } from '../train/distill-loss.js';

export type { SoftenResult };

const argmax = (v: number[]) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

export function softenWith(model: tf.LayersModel, test: Split, image: number, temperature: number): SoftenResult {
  if (!(temperature > 0)) throw new RangeError(`temperature: must be greater than 0, got ${temperature}`);
  if (!Number.isInteger(image) || image < 0 || image >= test.count) {
    throw new RangeError(`image: must be an index in 0..${test.count - 1}, got ${image}`);
  }
  const size = test.rows * test.cols;
  const pixels = test.pixels.subarray(image * size, (image + 1) * size);
  const [logits, probabilities, softened] = tf.tidy(() => {
    const z = logitsModel(model).predict(tf.tensor4d(pixels, [1, test.rows, test.cols, 1])) as tf.Tensor;
    return [z, softenedProbabilities(z, 1), softenedProbabilities(z, temperature)].map((t) => Array.from(t.dataSync()));
  });
  return {
    image,
    label: test.labels[image],
    temperature,
    logits,
    probabilities,
    softened,
    predicted: argmax(probabilities),
    predictedSoftened: argmax(softened),
    pixels: Array.from(test.images.subarray(image * size, (image + 1) * size)),
    rows: test.rows,
    cols: test.cols,
  };
}

export async function softenExample(modelDir: string, dataset: string, image: number, temperature: number): Promise<SoftenResult> {
  const ds = loadDataset(dataset);
  const model = await loadModel(modelDir);
  try {
    return softenWith(model, ds.test, image, temperature);
  } finally {
    model.dispose();
  }
}

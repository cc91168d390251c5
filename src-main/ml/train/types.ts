import type { Split } from '../data/datasets.js';

/** What every training loop is given besides its model. */
export interface TrainingData {
  train: Split;
  test: Split;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

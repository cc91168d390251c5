// Fields several kinds share, each default stated once beside its reason.
import { z } from 'zod';

export const BackendSchema = z.enum(['tensorflow', 'webgpu', 'wasm', 'cpu']);
const positiveImages = z.number().int().positive('must be a positive number of images');

/** Fields every training job shares (also the kd recipe's options). */
export const trainingFields = {
  dataset: z.string().min(1).meta({ title: 'Dataset', description: 'mnist, fashion-mnist, or a folder of IDX files' }).default('mnist'),
  // The seed trains 10 epochs at batch 64 with Adam's default step.
  epochs: z.number().int().min(1, 'must be at least 1').max(1000).meta({ title: 'Epochs', description: 'Passes over the training set. The seed uses 10.' }).default(10),
  batchSize: z.number().int().min(1, 'must be at least 1').max(65536).meta({ title: 'Batch size', description: 'Images per step. The seed uses 64.' }).default(64),
  learningRate: z.number().positive('must be greater than 0').max(10).meta({ title: 'Learning rate', description: 'Adam step size.' }).default(0.001),
  trainLimit: positiveImages.meta({ title: 'Training images', placeholder: 'all', description: 'Use only the first n training images (empty = all). Fewer is faster.' }).optional(),
  testLimit: positiveImages.meta({ title: 'Test images', placeholder: 'all', description: 'Use only the first n test images (empty = all).' }).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).meta({ title: 'Seed', description: 'Seeds init, shuffling and dropout: same seed, same backend, same run.' }).default(42),
  backend: BackendSchema.meta({ title: 'Backend', description: 'Force a backend (default: the best available: CUDA, a WebGPU GPU, wasm, cpu).', advanced: true }).optional(),
  // SwiftShader trains at a few images/s: only for tests, never picked on its own.
  allowSoftwareGpu: z.boolean().meta({ title: 'Software GPU', description: 'Let the webgpu backend use a software adapter (SwiftShader); slow, for tests.', advanced: true }).optional(),
};

/** The training fields of any options object (CLI flags, recipe options), nothing else. */
export function pickTrainingFields(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(trainingFields).map((k) => [k, o[k]]));
}

/** Distillation's own knobs, with the seed's defaults (T = 4, α = 0.5). */
export const distillFields = {
  temperature: z.number().positive('must be greater than 0 (T = 1 is plain softmax)').max(1000).meta({ title: 'Temperature T', description: "Softens the teacher's outputs; the seed uses 4." }).default(4),
  alpha: z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').meta({ title: 'Alpha', description: 'Weight of the soft targets, 0..1; the seed uses 0.5.' }).default(0.5),
};

/** Split batches of convolutional models across two cores on the wasm backend (equal results, about 1.4× faster). */
export const dataParallel = z.boolean().meta({ title: 'Two cores', description: 'Split each batch of a convolutional model across two cores (wasm backend).', advanced: true }).default(true);

/** Data and optimizer fields of a compression job (fine-tuning, calibration, evaluation): no epochs of its own. */
const { epochs: _epochs, ...dataFields } = trainingFields;
export const sourceFields = {
  sourceRunId: z.string().min(1, 'is required').meta({ title: 'Source run', description: 'Completed classifier run (or earlier compression step) to compress; the new run links back to it.' }),
  model: z.string().meta({ internal: true, description: 'Filled in from the source run, for tables.' }).optional(),
  ...dataFields,
};

export const sparsity = z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');
export const layerList = z.array(z.string()).min(1, 'name at least one layer');

export const vaeFields = {
  // 100 samples on 500 images: the estimate's spread is well under a nat, at samples × images decoder passes.
  llSamples: z.number().int().min(1, 'must be at least 1').max(5000).meta({ title: 'Importance samples', description: 'For the test log-likelihood estimate.' }).default(100),
  llImages: z.number().int().min(1, 'must be at least 1').max(10000).meta({ title: 'Log-likelihood images', description: 'Test images used for it (cost: samples × images).' }).default(500),
};

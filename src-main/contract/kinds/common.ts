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
  learningRate: z.number().positive('must be greater than 0').max(10).meta({ title: 'Learning rate', description: "The optimizer's step size (with a schedule: its value in the first epoch)." }).default(0.001),
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

/**
 * Trainer options of every kind that trains a classifier (train, distill,
 * finetune, and the fine-tuning of prune, factorize, cluster): what papers
 * set beyond epochs, batch and step size. The defaults are the trainer as it
 * always was (Adam, a constant step, no regularization beyond the model's own
 * dropout), so a config without them trains bit for bit as before. The
 * trainer (ml/train/trainer-options.ts) reads them with these defaults.
 * `.default(…).optional()`: parsing fills the default in, while configs built
 * in code (tests, stored configs of older runs) may leave the field out.
 */
export const trainerFields = {
  // Adam with tfjs's defaults (β1 0.9, β2 0.999, ε 1e-7): the seed's optimizer.
  optimizer: z.enum(['adam', 'sgd']).meta({ title: 'Optimizer', description: 'adam, or sgd with momentum (the papers\' choice: Hinton et al., Caffe).', advanced: true }).default('adam').optional(),
  // 0.9: Caffe's LeNet solvers and most SGD papers use it.
  momentum: z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').meta({ title: 'Momentum', description: 'sgd only: v ← momentum·v + g, w ← w − lr·v (0 = plain SGD).', advanced: true }).default(0.9).optional(),
  nesterov: z.boolean().meta({ title: 'Nesterov', description: 'sgd only: Nesterov momentum, w ← w − lr·(g + momentum·v).', advanced: true }).default(false).optional(),
  lrSchedule: z.enum(['constant', 'step', 'cosine', 'exponential']).meta({ title: 'Learning-rate schedule', description: 'Per epoch: constant; step (× gamma every k epochs); cosine (from lr down towards 0 over the epochs); exponential (× decay each epoch).', advanced: true }).default('constant').optional(),
  // ×0.1 every 10 epochs: the classic step schedule (ResNet's, Caffe's "step" policy examples).
  lrStepGamma: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').meta({ title: 'Step gamma', description: 'step schedule: the factor applied every k epochs.', advanced: true }).default(0.1).optional(),
  lrStepEpochs: z.number().int('must be an integer').min(1, 'must be at least 1').max(1000).meta({ title: 'Step every (epochs)', description: 'step schedule: k, the epochs between two reductions.', advanced: true }).default(10).optional(),
  // 0.998 per epoch: Hinton et al. 2012's dropout nets, the regularization Hinton et al. 2015 used for its MNIST teacher.
  lrDecay: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').meta({ title: 'Decay per epoch', description: 'exponential schedule: lr × decay^(epoch − 1).', advanced: true }).default(0.998).optional(),
  // 0: no penalty beyond the model's dropout, as the seed trains.
  weightDecay: z.number().min(0, 'must be 0 or more').max(1, 'must be at most 1').meta({ title: 'Weight decay (L2)', description: 'Adds decay·w to every trainable weight\'s gradient (loss + decay/2·Σw², as Caffe\'s weight_decay); 0 = none.', advanced: true }).default(0).optional(),
  maxNorm: z.number().positive('must be greater than 0').max(1000).meta({ title: 'Max-norm', placeholder: 'off', description: 'After each step, scales every unit\'s incoming weight vector (a kernel column; a conv filter) down to at most this L2 norm (Hinton et al.\'s dropout nets); empty = off.', advanced: true }).optional(),
  // 0: the images as they are; hidden dropout is part of the models that have it.
  inputDropout: z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').meta({ title: 'Input dropout', description: 'Share of input pixels zeroed in training (the rest scaled by 1/(1 − rate)); Hinton et al. use 0.2.', advanced: true }).default(0).optional(),
  // 0: no translation; Hinton et al. 2015 jitter MNIST by up to 2 pixels.
  jitter: z.number().int('must be an integer').min(0, 'must be 0 or more').max(8, 'must be at most 8').meta({ title: 'Jitter (pixels)', description: 'Shifts each training image by up to this many pixels in x and in y (uniform, zero fill); 0 = none.', advanced: true }).default(0).optional(),
};

export type TrainerOptions = z.output<z.ZodObject<typeof trainerFields>>;

const TRAINER_DEFAULTS: Record<string, unknown> = z.object(trainerFields).parse({});

/**
 * A stored config with the trainer options' defaults filled in where it has
 * none (runs recorded before these options, configs built in code), so that
 * comparing it with a newer run's config shows no difference that is not one.
 * Only for configs of kinds that take the options (`takesTrainer`).
 */
export function withTrainerDefaults<T>(config: T, takesTrainer: boolean): T {
  if (!takesTrainer || config === null || typeof config !== 'object') return config;
  return { ...TRAINER_DEFAULTS, ...(config as object) } as T;
}

/** Cross-field checks of the trainer fields, as a schema refinement (each problem names its field). */
export function checkTrainerFields(o: Partial<TrainerOptions>, ctx: z.core.$RefinementCtx): void {
  if (o.nesterov && o.optimizer !== 'sgd') ctx.addIssue({ code: 'custom', path: ['nesterov'], message: 'needs optimizer sgd (Nesterov momentum is an SGD variant)' });
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

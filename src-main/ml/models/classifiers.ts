// The seed deck's two MNIST classifiers, layer for layer (names, shapes and
// parameter counts match its Keras tables: 1,199,882 and 118,282).
import * as tf from '@tensorflow/tfjs';
import type { LayersModel } from '@tensorflow/tfjs';

export const CLASSIFIER_MODELS = ['teacher', 'student', 'lenet300', 'lenet5', 'hinton-teacher', 'hinton-student', 'keras-teacher', 'keras-student'] as const;
export type ClassifierModel = (typeof CLASSIFIER_MODELS)[number];

/** Name of the layer whose output is the pre-softmax logits in every classifier. */
export const LOGITS_LAYER = 'logits';

export function buildTeacher(): LayersModel {
  const input = tf.input({ shape: [28, 28, 1], name: 'input' });
  let x = tf.layers.conv2d({ name: 'Conv1', filters: 32, kernelSize: 3, activation: 'relu' }).apply(input);
  x = tf.layers.conv2d({ name: 'Conv2', filters: 64, kernelSize: 3, activation: 'relu' }).apply(x);
  x = tf.layers.maxPooling2d({ name: 'MaxPool', poolSize: 2 }).apply(x);
  x = tf.layers.dropout({ name: 'Dropout1', rate: 0.25 }).apply(x);
  x = tf.layers.flatten({ name: 'Flat' }).apply(x);
  x = tf.layers.dense({ name: 'FC1', units: 128, activation: 'relu' }).apply(x);
  x = tf.layers.dropout({ name: 'Dropout2', rate: 0.5 }).apply(x);
  x = tf.layers.dense({ name: LOGITS_LAYER, units: 10 }).apply(x);
  const out = tf.layers.activation({ name: 'Softmax', activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'teacher' });
}

export function buildStudent(): LayersModel {
  const input = tf.input({ shape: [28, 28, 1], name: 'input' });
  let x = tf.layers.flatten({ name: 'flatten' }).apply(input);
  x = tf.layers.dense({ name: 'FC1', units: 128, activation: 'relu' }).apply(x);
  x = tf.layers.dense({ name: 'FC2', units: 128, activation: 'relu' }).apply(x);
  x = tf.layers.dense({ name: LOGITS_LAYER, units: 10 }).apply(x);
  const out = tf.layers.activation({ name: 'Softmax', activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'student' });
}

/** LeNet-300-100 (266,610 parameters), the network Han et al. report Deep Compression on. */
export function buildLenet300(): LayersModel {
  const input = tf.input({ shape: [28, 28, 1], name: 'input' });
  let x = tf.layers.flatten({ name: 'flatten' }).apply(input);
  x = tf.layers.dense({ name: 'FC1', units: 300, activation: 'relu' }).apply(x);
  x = tf.layers.dense({ name: 'FC2', units: 100, activation: 'relu' }).apply(x);
  x = tf.layers.dense({ name: LOGITS_LAYER, units: 10 }).apply(x);
  const out = tf.layers.activation({ name: 'Softmax', activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'lenet300' });
}

/**
 * LeNet-5 as Han et al. compress it: Caffe's MNIST LeNet
 * (examples/mnist/lenet_train_test.prototxt): conv 20 5×5, max-pool 2, conv 50
 * 5×5, max-pool 2, fc 500 + ReLU, fc 10; 431,080 parameters. As in Caffe, the
 * convolutions have no nonlinearity of their own (only fc1 has a ReLU).
 */
export function buildLenet5(): LayersModel {
  const input = tf.input({ shape: [28, 28, 1], name: 'input' });
  let x = tf.layers.conv2d({ name: 'Conv1', filters: 20, kernelSize: 5 }).apply(input);
  x = tf.layers.maxPooling2d({ name: 'Pool1', poolSize: 2 }).apply(x);
  x = tf.layers.conv2d({ name: 'Conv2', filters: 50, kernelSize: 5 }).apply(x);
  x = tf.layers.maxPooling2d({ name: 'Pool2', poolSize: 2 }).apply(x);
  x = tf.layers.flatten({ name: 'Flat' }).apply(x);
  x = tf.layers.dense({ name: 'FC1', units: 500, activation: 'relu' }).apply(x);
  x = tf.layers.dense({ name: LOGITS_LAYER, units: 10 }).apply(x);
  const out = tf.layers.activation({ name: 'Softmax', activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'lenet5' });
}

/**
 * Hinton, Vinyals, Dean 2015 §3: the teacher 784-1200-1200-10 with dropout
 * (0.5 on the hidden layers; the paper's input dropout, weight constraints and
 * jitter are training options we do not have) and the student 784-800-800-10.
 */
function buildMlp(name: string, hidden: number, dropout: number): LayersModel {
  const input = tf.input({ shape: [28, 28, 1], name: 'input' });
  let x = tf.layers.flatten({ name: 'flatten' }).apply(input);
  x = tf.layers.dense({ name: 'FC1', units: hidden, activation: 'relu' }).apply(x);
  if (dropout) x = tf.layers.dropout({ name: 'Dropout1', rate: dropout }).apply(x);
  x = tf.layers.dense({ name: 'FC2', units: hidden, activation: 'relu' }).apply(x);
  if (dropout) x = tf.layers.dropout({ name: 'Dropout2', rate: dropout }).apply(x);
  x = tf.layers.dense({ name: LOGITS_LAYER, units: 10 }).apply(x);
  const out = tf.layers.activation({ name: 'Softmax', activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name });
}

/**
 * The keras.io "Knowledge Distillation" example's CNNs: conv 3×3 stride 2
 * (same), max-pool 2 stride 1 (same), conv 3×3 stride 2 (same), flatten,
 * dense 10. Teacher 256/512 filters (1,433,610 params), student 16/32
 * (20,490). Keras uses LeakyReLU(0.2); tfjs has no leaky activation option
 * our compression chains support, so these use ReLU.
 */
function buildKerasCnn(name: string, f1: number, f2: number): LayersModel {
  const input = tf.input({ shape: [28, 28, 1], name: 'input' });
  let x = tf.layers.conv2d({ name: 'Conv1', filters: f1, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(input);
  x = tf.layers.maxPooling2d({ name: 'MaxPool', poolSize: 2, strides: 1, padding: 'same' }).apply(x);
  x = tf.layers.conv2d({ name: 'Conv2', filters: f2, kernelSize: 3, strides: 2, padding: 'same' }).apply(x);
  x = tf.layers.flatten({ name: 'Flat' }).apply(x);
  x = tf.layers.dense({ name: LOGITS_LAYER, units: 10 }).apply(x);
  const out = tf.layers.activation({ name: 'Softmax', activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name });
}

const BUILDERS: Record<ClassifierModel, () => LayersModel> = {
  teacher: buildTeacher,
  student: buildStudent,
  lenet300: buildLenet300,
  lenet5: buildLenet5,
  'hinton-teacher': () => buildMlp('hinton-teacher', 1200, 0.5),
  'hinton-student': () => buildMlp('hinton-student', 800, 0),
  'keras-teacher': () => buildKerasCnn('keras-teacher', 256, 512),
  'keras-student': () => buildKerasCnn('keras-student', 16, 32),
};

export function buildClassifier(model: ClassifierModel): LayersModel {
  const build = BUILDERS[model];
  if (!build) throw new Error(`unknown classifier model "${model}"`);
  return build();
}

/**
 * A view of `model` that stops at the logits layer. It shares the weights, so
 * training it trains `model`; distillation needs logits, not probabilities.
 */
export function logitsModel(model: LayersModel): LayersModel {
  return tf.model({ inputs: model.inputs, outputs: model.getLayer(LOGITS_LAYER).output as tf.SymbolicTensor });
}

// The seed deck's two MNIST classifiers, layer for layer (names, shapes and
// parameter counts match its Keras tables: 1,199,882 and 118,282).
import * as tf from '@tensorflow/tfjs';
import type { LayersModel } from '@tensorflow/tfjs';

export const CLASSIFIER_MODELS = ['teacher', 'student', 'lenet300'] as const;
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

export function buildClassifier(model: ClassifierModel): LayersModel {
  return model === 'teacher' ? buildTeacher() : model === 'student' ? buildStudent() : buildLenet300();
}

/**
 * A view of `model` that stops at the logits layer. It shares the weights, so
 * training it trains `model`; distillation needs logits, not probabilities.
 */
export function logitsModel(model: LayersModel): LayersModel {
  return tf.model({ inputs: model.inputs, outputs: model.getLayer(LOGITS_LAYER).output as tf.SymbolicTensor });
}

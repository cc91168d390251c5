// Model surgery for layer chains (every model Distillery compresses is one:
// input → layer → layer → …). A chain is a plain list of layer specs with
// their weight values; compression edits the list (fewer units, a layer
// split in two) and rebuilds a LayersModel from it.
import * as tf from '@tensorflow/tfjs';

export interface LayerSpec {
  className: 'Dense' | 'Conv2D' | 'MaxPooling2D' | 'Dropout' | 'Flatten' | 'Activation';
  name: string;
  /** Dense: units, activation, useBias. Conv2D: filters, kernelSize, strides, padding, activation, useBias. Others: their own. */
  config: Record<string, unknown>;
  /** kernel then bias, values copied out of the model. */
  weights: { values: Float32Array; shape: number[] }[];
}

export interface Chain {
  inputShape: number[];
  layers: LayerSpec[];
}

const SUPPORTED = new Set(['Dense', 'Conv2D', 'MaxPooling2D', 'Dropout', 'Flatten', 'Activation']);

export function toChain(model: tf.LayersModel): Chain {
  const layers: LayerSpec[] = [];
  for (const l of model.layers) {
    const cls = l.getClassName();
    if (cls === 'InputLayer') continue;
    if (!SUPPORTED.has(cls)) throw new Error(`layer ${l.name} (${cls}) cannot be compressed: only Dense, Conv2D, pooling, dropout, flatten and activation chains are supported`);
    if (l.inboundNodes.length !== 1 || l.inboundNodes[0].inboundLayers.length > 1) throw new Error(`layer ${l.name}: only single-input chains can be compressed`);
    const c = l.getConfig() as Record<string, unknown>;
    const pick = (...keys: string[]) => Object.fromEntries(keys.filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));
    const config =
      cls === 'Dense' ? pick('units', 'activation', 'useBias')
      : cls === 'Conv2D' ? pick('filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'dilationRate')
      : cls === 'MaxPooling2D' ? pick('poolSize', 'strides', 'padding')
      : cls === 'Dropout' ? pick('rate')
      : cls === 'Activation' ? pick('activation')
      : {};
    layers.push({
      className: cls as LayerSpec['className'],
      name: l.name,
      config,
      weights: l.getWeights().map((w) => ({ values: w.dataSync().slice() as Float32Array, shape: w.shape })),
    });
  }
  return { inputShape: model.inputs[0].shape.slice(1) as number[], layers };
}

function makeLayer(s: LayerSpec): tf.layers.Layer {
  const c = { ...s.config, name: s.name } as never;
  switch (s.className) {
    case 'Dense':
      return tf.layers.dense(c);
    case 'Conv2D':
      return tf.layers.conv2d(c);
    case 'MaxPooling2D':
      return tf.layers.maxPooling2d(c);
    case 'Dropout':
      return tf.layers.dropout(c);
    case 'Flatten':
      return tf.layers.flatten(c);
    case 'Activation':
      return tf.layers.activation(c);
  }
}

export function fromChain(chain: Chain, name = 'compressed'): tf.LayersModel {
  const input = tf.input({ shape: chain.inputShape, name: 'input' });
  let x: tf.SymbolicTensor = input;
  const built: [tf.layers.Layer, LayerSpec][] = [];
  for (const s of chain.layers) {
    const layer = makeLayer(s);
    x = layer.apply(x) as tf.SymbolicTensor;
    built.push([layer, s]);
  }
  const model = tf.model({ inputs: input, outputs: x, name });
  for (const [layer, s] of built) if (s.weights.length) layer.setWeights(s.weights.map((w) => tf.tensor(w.values, w.shape)));
  return model;
}

export const isWeighted = (s: LayerSpec) => s.className === 'Dense' || s.className === 'Conv2D';

/** Deep copy, so experiments (sensitivity scans) never touch the original. */
export function cloneChain(c: Chain): Chain {
  return { inputShape: [...c.inputShape], layers: c.layers.map((l) => ({ ...l, config: { ...l.config }, weights: l.weights.map((w) => ({ values: w.values.slice(), shape: [...w.shape] })) })) };
}

/** Shapes of every layer's output, computed by building the chain once. */
export function outputShapes(chain: Chain): Map<string, number[]> {
  const m = fromChain({ ...chain, layers: chain.layers.map((l) => ({ ...l, weights: [] })) });
  const shapes = new Map(m.layers.map((l) => [l.name, (l.outputShape as number[]).slice(1)]));
  m.dispose();
  return shapes;
}

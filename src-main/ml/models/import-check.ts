// Checks a TensorFlow.js layers model brought from elsewhere before anything
// loads it: the files the manifest names exist and hold the bytes it
// promises, every layer is one Distillery can run and compress, and the input
// fits a 28×28 grey image. Errors name the file or the layer at fault.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const IMPORTABLE_LAYERS = ['InputLayer', 'Dense', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dropout', 'Activation', 'ReLU', 'Softmax'];

/** ReLU and Softmax layers become the Activation layers they equal (the chain's own kind); others stay. */
function asActivation(l: LayerJson): void {
  const c = l.config ?? {};
  const plainRelu = l.class_name === 'ReLU' && (c.max_value ?? null) === null && !c.negative_slope && !c.threshold;
  const lastAxisSoftmax = l.class_name === 'Softmax' && [undefined, null, -1].includes(JSON.stringify(c.axis) === '[-1]' ? -1 : (c.axis as number | undefined));
  if (l.class_name === 'ReLU' && !plainRelu) throw new Error(`layer "${c.name}" (ReLU with a cap, slope or threshold) is not supported`);
  if (l.class_name === 'Softmax' && !lastAxisSoftmax) throw new Error(`layer "${c.name}" (Softmax over axis ${JSON.stringify(c.axis)}) is not supported: only the last axis`);
  if (plainRelu || lastAxisSoftmax) {
    const { max_value: _m, negative_slope: _n, threshold: _t, axis: _a, ...rest } = c;
    l.config = { ...rest, activation: l.class_name === 'ReLU' ? 'relu' : 'softmax' };
    l.class_name = 'Activation';
  }
}

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

interface LayerJson {
  class_name: string;
  config?: Record<string, unknown> & { name?: string };
}

export interface ImportFiles {
  jsonPath: string;
  modelTopology: object;
  weightSpecs: WeightEntry[];
  weightData: ArrayBuffer;
  /** Input shape without the batch axis, as the file states it. */
  inputShape: number[];
  layers: { name: string; className: string }[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Reads and checks the model at `path` (model.json or its folder); throws naming the fault. */
export function readImportFiles(path: string): ImportFiles {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new Error(`${abs}: no such file or folder`);
  const jsonPath = statSync(abs).isDirectory() ? join(abs, 'model.json') : abs;
  if (!existsSync(jsonPath)) throw new Error(`${abs}: no model.json in this folder`);
  let json: { format?: string; modelTopology?: Record<string, unknown>; weightsManifest?: { paths: string[]; weights: WeightEntry[] }[] };
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new Error(`${jsonPath}: not a JSON file (${(e as Error).message})`);
  }
  if (json.format === 'graph-model') throw new Error(`${jsonPath}: a TensorFlow.js graph model; import takes layers models (tf.LayersModel.save)`);
  const topo = (json.modelTopology?.model_config ?? json.modelTopology) as { class_name?: string; config?: unknown } | undefined;
  if (!topo?.class_name) throw new Error(`${jsonPath}: no modelTopology (not a TensorFlow.js layers model)`);
  if (!['Sequential', 'Model', 'Functional'].includes(topo.class_name)) throw new Error(`${jsonPath}: model class ${topo.class_name} is not supported (Sequential or a functional chain)`);
  const cfg = topo.config as { layers?: LayerJson[] } | LayerJson[];
  const layerList: LayerJson[] = Array.isArray(cfg) ? cfg : (cfg?.layers ?? []);
  for (const [i, l] of layerList.entries()) {
    if (!IMPORTABLE_LAYERS.includes(l.class_name)) {
      throw new Error(`layer "${String(l.config?.name ?? `#${i}`)}" (${l.class_name}) is not supported: import takes ${IMPORTABLE_LAYERS.filter((c) => c !== 'InputLayer').join(', ')} layers`);
    }
    asActivation(l);
  }
  const layers = layerList.map((l, i) => ({ name: String(l.config?.name ?? `#${i}`), className: l.class_name, config: l.config ?? {} }));
  for (const l of layers) {
    if (l.className === 'Conv2D' && l.config.data_format === 'channels_first') throw new Error(`layer "${l.name}" (Conv2D) is channels-first; import takes channels-last (NHWC) models`);
  }
  const first = layers[0]?.config as { batch_input_shape?: (number | null)[]; batchInputShape?: (number | null)[] } | undefined;
  const batchShape = first?.batch_input_shape ?? first?.batchInputShape;
  if (!batchShape) throw new Error(`${jsonPath}: the first layer states no input shape`);
  const inputShape = batchShape.slice(1) as number[];
  const fits = JSON.stringify(inputShape) === '[28,28,1]' || JSON.stringify(inputShape) === '[784]';
  if (!fits) throw new Error(`layer "${layers[0].name}": input shape [${inputShape.join(', ')}] does not fit 28×28×1 images (or 784 pixels)`);

  const groups = json.weightsManifest;
  if (!Array.isArray(groups)) throw new Error(`${jsonPath}: no weightsManifest`);
  const dir = dirname(jsonPath);
  const buffers: Buffer[] = [];
  for (const g of groups) {
    const expected = g.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * (BYTES[w.quantization?.dtype ?? w.dtype] ?? NaN), 0);
    if (!Number.isFinite(expected)) throw new Error(`${jsonPath}: a weight of dtype ${g.weights.map((w) => w.quantization?.dtype ?? w.dtype).find((d) => !(d in BYTES))} is not supported`);
    let size = 0;
    for (const p of g.paths) {
      const file = join(dir, p);
      if (!existsSync(file)) throw new Error(`weights file "${p}" named in ${jsonPath} is missing (looked for ${file})`);
      const b = readFileSync(file);
      size += b.length;
      buffers.push(b);
    }
    const named = g.paths.join(', ');
    if (size < expected) throw new Error(`weights file "${named}" is truncated: ${size.toLocaleString('en-US')} bytes, the manifest needs ${expected.toLocaleString('en-US')}`);
    if (size > expected) throw new Error(`weights file "${named}" has ${(size - expected).toLocaleString('en-US')} bytes more than the manifest describes`);
  }
  const all = Buffer.concat(buffers);
  return {
    jsonPath,
    modelTopology: json.modelTopology!,
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    inputShape,
    layers: layers.map(({ name, className }) => ({ name, className })),
  };
}

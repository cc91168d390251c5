// A layer chain as an ONNX model (opset 13) that onnxruntime and other ONNX
// runtimes run. The input keeps Distillery's layout (NHWC, values in [0, 1]);
// Conv and MaxPool are NCHW in ONNX, so Transposes go around them and the
// flatten happens in NHWC order, as in TensorFlow.js. The graph's outputs are
// `logits` and `probabilities` (softmax), when the chain ends in a softmax.
//
// Quantized kernels are stored as their integer codes (uint8, one byte per
// weight) with their scales and zero points, per output channel or per
// tensor, and dequantized by DequantizeLinear: x = (q − zero_point) · scale.
import type { Chain, LayerSpec } from '../compress/chain.js';
import { AttrType, DataType, modelProto } from './onnx-schema.js';

export const ONNX_OPSET = 13;
const IR_VERSION = 7;

/** A quantized kernel's grid, as compression.json records it. */
export interface QuantGrid {
  bits: number;
  perChannel: boolean;
  scales: number[];
  zeroPoints: number[];
}

export interface OnnxExport {
  bytes: Buffer;
  /** Kernels stored as integer codes. */
  quantized: string[];
  /** Kernels of the grid map whose saved values were not on their grid (stored as float32 instead). */
  offGrid: string[];
  /** Largest |DequantizeLinear(q) − saved weight| over the quantized kernels (float32 scale, so 0 or a few ulp). */
  dequantMaxDiff: number;
}

interface Attr {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
}

const ints = (name: string, v: number[]): Attr => ({ name, type: AttrType.INTS, ints: v });
const int = (name: string, v: number): Attr => ({ name, type: AttrType.INT, i: v });
const str = (name: string, v: string): Attr => ({ name, type: AttrType.STRING, s: Buffer.from(v) });

function pair(v: unknown, what: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  throw new Error(`${what}: expected a number or a pair, got ${JSON.stringify(v)}`);
}

/** tfjs kernel [kh, kw, in, out] → ONNX weight [out, in, kh, kw]. */
function convToOihw<T extends Float32Array | Uint8Array>(src: T, shape: number[], out: T): T {
  const [kh, kw, cin, cout] = shape;
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++)
      for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) out[((o * cin + c) * kh + a) * kw + b] = src[((a * kw + b) * cin + c) * cout + o];
  return out;
}

/** The integer codes of saved (dequantized) values on their grid, or null when a value is off it. */
function codesOf(values: Float32Array, grid: QuantGrid): { q: Uint8Array; maxDiff: number } | null {
  const ch = grid.scales.length;
  const qmax = 2 ** grid.bits - 1;
  const q = new Uint8Array(values.length);
  let maxDiff = 0;
  for (let i = 0; i < values.length; i++) {
    const s = grid.scales[i % ch];
    const z = grid.zeroPoints[i % ch];
    const code = Math.round(values[i] / s) + z;
    if (code < 0 || code > qmax) return null;
    // What DequantizeLinear computes: float32 (q − zp) times the float32 scale.
    const back = Math.fround((code - z) * Math.fround(s));
    const d = Math.abs(back - values[i]);
    if (d > Math.abs(s) * 1e-3) return null;
    maxDiff = Math.max(maxDiff, d);
    q[i] = code;
  }
  return { q, maxDiff };
}

const SUPPORTED_ACTIVATIONS: Record<string, string | null> = { linear: null, relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax', elu: 'Elu', selu: 'Selu', softplus: 'Softplus' };

export function chainToOnnx(chain: Chain, opts: { grids?: Record<string, QuantGrid>; metadata?: Record<string, string>; name?: string; producerVersion?: string } = {}): OnnxExport {
  const nodes: object[] = [];
  const initializers: object[] = [];
  const quantized: string[] = [];
  const offGrid: string[] = [];
  let dequantMaxDiff = 0;
  let counter = 0;
  const fresh = (base: string) => `${base}_${counter++}`;
  const node = (op: string, inputs: string[], name: string, attrs: Attr[] = [], output = fresh(name)): string => {
    nodes.push({ op_type: op, input: inputs, output: [output], name: `${name}/${op}`, attribute: attrs });
    return output;
  };
  const floatInit = (name: string, dims: number[], values: Float32Array) => {
    initializers.push({ name, data_type: DataType.FLOAT, dims, raw_data: Buffer.from(values.buffer, values.byteOffset, values.byteLength) });
    return name;
  };
  const uint8Init = (name: string, dims: number[], values: Uint8Array) => {
    initializers.push({ name, data_type: DataType.UINT8, dims, raw_data: Buffer.from(values.buffer, values.byteOffset, values.byteLength) });
    return name;
  };

  /** A kernel as a graph value: a float32 initializer, or uint8 codes through DequantizeLinear. */
  const kernel = (l: LayerSpec, onnxShape: number[], reorder: <T extends Float32Array | Uint8Array>(src: T, out: T) => T, axis: number): string => {
    const w = l.weights[0];
    const key = `${l.name}/kernel`;
    const grid = opts.grids?.[key];
    const codes = grid && (grid.scales.length === 1 || grid.scales.length === w.shape.at(-1)) ? codesOf(w.values, grid) : null;
    if (grid && !codes) offGrid.push(key);
    if (!codes) return floatInit(key, onnxShape, reorder(w.values, new Float32Array(w.values.length)));
    quantized.push(key);
    dequantMaxDiff = Math.max(dequantMaxDiff, codes.maxDiff);
    const perAxis = grid!.scales.length > 1;
    const q = uint8Init(`${key}_quantized`, onnxShape, reorder(codes.q, new Uint8Array(codes.q.length)));
    const scale = floatInit(`${key}_scale`, perAxis ? [grid!.scales.length] : [], Float32Array.from(grid!.scales));
    const zp = uint8Init(`${key}_zero_point`, perAxis ? [grid!.zeroPoints.length] : [], Uint8Array.from(grid!.zeroPoints));
    return node('DequantizeLinear', [q, scale, zp], l.name, perAxis ? [int('axis', axis)] : [], key);
  };

  const activation = (x: string, act: unknown, layer: string): string => {
    const a = String(act ?? 'linear');
    if (!(a in SUPPORTED_ACTIVATIONS)) throw new Error(`layer ${layer}: activation "${a}" has no ONNX export (supported: ${Object.keys(SUPPORTED_ACTIVATIONS).join(', ')})`);
    const op = SUPPORTED_ACTIVATIONS[a];
    return op ? node(op, [x], layer, op === 'Softmax' ? [int('axis', -1)] : []) : x;
  };

  let x = 'input';
  let layout: 'NHWC' | 'NCHW' | 'flat' = chain.inputShape.length === 3 ? 'NHWC' : 'flat';
  const toNchw = (name: string) => {
    if (layout === 'NHWC') x = node('Transpose', [x], `${name}_to_NCHW`, [ints('perm', [0, 3, 1, 2])]);
    layout = 'NCHW';
  };
  const toNhwc = (name: string) => {
    if (layout === 'NCHW') x = node('Transpose', [x], `${name}_to_NHWC`, [ints('perm', [0, 2, 3, 1])]);
    if (layout !== 'flat') layout = 'NHWC';
  };
  let logits: string | undefined;
  let probabilities: string | undefined;

  for (const l of chain.layers) {
    const c = l.config;
    switch (l.className) {
      case 'Dense': {
        toNhwc(l.name);
        const [m, n] = l.weights[0].shape;
        const w = kernel(l, [m, n], (src, out) => (out.set(src), out), 1);
        x = node('MatMul', [x, w], l.name);
        if (l.weights[1]) x = node('Add', [x, floatInit(`${l.name}/bias`, [n], l.weights[1].values)], l.name);
        if (c.activation === 'softmax') logits = x; // the pre-softmax values
        x = activation(x, c.activation, l.name);
        if (c.activation === 'softmax') probabilities = x;
        break;
      }
      case 'Conv2D': {
        if (c.dataFormat && c.dataFormat !== 'channelsLast') throw new Error(`layer ${l.name}: only channels-last Conv2D layers are supported`);
        toNchw(l.name);
        const shape = l.weights[0].shape;
        const [kh, kw, cin, cout] = shape;
        const w = kernel(l, [cout, cin, kh, kw], (src, out) => convToOihw(src, shape, out), 0);
        const inputs = [x, w];
        if (l.weights[1]) inputs.push(floatInit(`${l.name}/bias`, [cout], l.weights[1].values));
        const padding = String(c.padding ?? 'valid');
        x = node('Conv', inputs, l.name, [
          ints('kernel_shape', [kh, kw]),
          ints('strides', pair(c.strides ?? 1, `layer ${l.name} strides`)),
          ints('dilations', pair(c.dilationRate ?? 1, `layer ${l.name} dilation`)),
          str('auto_pad', padding === 'same' ? 'SAME_UPPER' : 'VALID'),
        ]);
        x = activation(x, c.activation, l.name);
        break;
      }
      case 'MaxPooling2D': {
        toNchw(l.name);
        const k = pair(c.poolSize ?? 2, `layer ${l.name} pool size`);
        const padding = String(c.padding ?? 'valid');
        x = node('MaxPool', [x], l.name, [ints('kernel_shape', k), ints('strides', pair(c.strides ?? k, `layer ${l.name} strides`)), str('auto_pad', padding === 'same' ? 'SAME_UPPER' : 'VALID')]);
        break;
      }
      case 'Flatten':
        toNhwc(l.name);
        x = node('Flatten', [x], l.name, [int('axis', 1)]);
        layout = 'flat';
        break;
      case 'Dropout':
        break; // inference: identity
      case 'Activation': {
        if (c.activation === 'softmax') {
          toNhwc(l.name);
          logits = x;
          x = activation(x, c.activation, l.name);
          probabilities = x;
        } else x = activation(x, c.activation, l.name);
        break;
      }
    }
  }
  toNhwc('output');

  // Name the graph's outputs: Identity nodes give them stable names.
  const outputs: { name: string; from: string }[] = [];
  if (logits && probabilities) outputs.push({ name: 'logits', from: logits }, { name: 'probabilities', from: probabilities });
  else outputs.push({ name: 'output', from: x });
  for (const o of outputs) node('Identity', [o.from], o.name, [], o.name);

  const tensorType = (dims: (number | string)[]) => ({
    tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } },
  });
  const classes = chain.layers.filter((l) => l.className === 'Dense').at(-1)?.weights[0].shape[1];
  const model = {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'distillery',
    producer_version: opts.producerVersion ?? '',
    doc_string: 'Exported by Distillery. Input: images as NHWC float32 in [0, 1].',
    graph: {
      name: opts.name ?? 'distillery',
      node: nodes,
      initializer: initializers,
      input: [{ name: 'input', type: tensorType(['N', ...chain.inputShape]) }],
      output: outputs.map((o) => ({ name: o.name, type: tensorType(classes ? ['N', classes] : ['N']) })),
    },
    metadata_props: Object.entries({
      input_layout: chain.inputShape.length === 3 ? 'NHWC' : 'flat',
      input_shape: JSON.stringify(['N', ...chain.inputShape]),
      input_range: '[0, 1]',
      outputs: outputs.map((o) => o.name).join(','),
      ...opts.metadata,
    }).map(([key, value]) => ({ key, value })),
  };
  const type = modelProto();
  const err = type.verify(model);
  if (err) throw new Error(`ONNX model: ${err}`);
  const bytes = Buffer.from(type.encode(type.fromObject(model)).finish());
  return { bytes, quantized, offGrid, dequantMaxDiff };
}

// Affine quantization: x ≈ scale · (q − zero_point), q an unsigned b-bit integer,
//   scale = (max − min) / (qmax − qmin),  zero_point = round(qmin − min / scale).
// Per tensor, or per output channel (the last axis of Dense and Conv2D kernels).

export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

export interface QuantizedTensor {
  bits: number;
  shape: number[];
  /** Per-channel along the last axis, or one entry for the whole tensor. */
  params: QuantParams[];
  perChannel: boolean;
  q: Uint32Array;
}

export function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new RangeError(`bits: must be an integer from 2 to 8, got ${bits}`);
}

export function quantParams(min: number, max: number, bits: number): QuantParams {
  const qmax = 2 ** bits - 1;
  // The range must contain 0, so that zero weights (pruned ones) stay exactly 0.
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = hi > lo ? (hi - lo) / qmax : 1;
  const zeroPoint = Math.min(qmax, Math.max(0, Math.round(-lo / scale)));
  return { scale, zeroPoint };
}

export function quantizeTensor(values: Float32Array, shape: number[], bits: number, perChannel: boolean): QuantizedTensor {
  checkBits(bits);
  const channels = perChannel ? shape[shape.length - 1] : 1;
  const qmax = 2 ** bits - 1;
  const mins = new Array(channels).fill(Infinity);
  const maxs = new Array(channels).fill(-Infinity);
  for (let i = 0; i < values.length; i++) {
    const c = i % channels;
    if (values[i] < mins[c]) mins[c] = values[i];
    if (values[i] > maxs[c]) maxs[c] = values[i];
  }
  const params = mins.map((mn, c) => quantParams(mn, maxs[c], bits));
  const q = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const { scale, zeroPoint } = params[i % channels];
    q[i] = Math.min(qmax, Math.max(0, Math.round(values[i] / scale) + zeroPoint));
  }
  return { bits, shape, params, perChannel, q };
}

export function dequantize(t: QuantizedTensor): Float32Array {
  const channels = t.params.length;
  const out = new Float32Array(t.q.length);
  for (let i = 0; i < out.length; i++) {
    const { scale, zeroPoint } = t.params[i % channels];
    out[i] = scale * (t.q[i] - zeroPoint);
  }
  return out;
}

/** Root-mean-square and max absolute error of a quantized tensor against the original. */
export function quantError(original: Float32Array, t: QuantizedTensor): { rmse: number; maxAbs: number } {
  const d = dequantize(t);
  let se = 0;
  let maxAbs = 0;
  for (let i = 0; i < d.length; i++) {
    const e = Math.abs(d[i] - original[i]);
    se += e * e;
    if (e > maxAbs) maxAbs = e;
  }
  return { rmse: Math.sqrt(se / d.length), maxAbs };
}

/** Packs b-bit integers LSB-first into bytes: the real storage of the weights. */
export function packBits(q: Uint32Array, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((q.length * bits) / 8));
  let bit = 0;
  for (const v of q) {
    for (let b = 0; b < bits; b++, bit++) if ((v >> b) & 1) out[bit >> 3] |= 1 << (bit & 7);
  }
  return out;
}

export function unpackBits(bytes: Uint8Array, bits: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  let bit = 0;
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let b = 0; b < bits; b++, bit++) if (bytes[bit >> 3] & (1 << (bit & 7))) v |= 1 << b;
    out[i] = v;
  }
  return out;
}

export interface QuantFileLayer {
  layer: string;
  weight: string;
  shape: number[];
  bits: number;
  perChannel: boolean;
  scales: number[];
  zeroPoints: number[];
  /** Byte offset and length of the packed integers (or float32 values for unquantized tensors) in the payload. */
  offset: number;
  byteLength: number;
  /** 'uint' for packed integers, 'float32' for tensors kept in full precision (biases). */
  encoding: 'uint' | 'float32';
}

/**
 * The quantized model file (".dqm"), documented here because its size is the
 * storage Distillery reports:
 *
 *   bytes 0..3   ASCII "DQM1"
 *   bytes 4..7   uint32 LE: length H of the JSON header
 *   H bytes      UTF-8 JSON: { version: 1, layers: QuantFileLayer[] }
 *   the rest     payload: each tensor at its offset; 'uint' tensors hold
 *                b-bit integers packed LSB-first (value i at bits i·b…i·b+b−1),
 *                x = scale[c] · (q − zeroPoint[c]) with c = i mod channels;
 *                'float32' tensors hold little-endian float32 values.
 */
export function writeQuantFile(tensors: { layer: string; weight: string; quantized?: QuantizedTensor; float?: Float32Array; shape: number[] }[]): Buffer {
  const layers: QuantFileLayer[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const t of tensors) {
    const data = t.quantized ? Buffer.from(packBits(t.quantized.q, t.quantized.bits)) : Buffer.from(t.float!.buffer, t.float!.byteOffset, t.float!.byteLength);
    layers.push({
      layer: t.layer,
      weight: t.weight,
      shape: t.shape,
      bits: t.quantized?.bits ?? 32,
      perChannel: t.quantized?.perChannel ?? false,
      scales: t.quantized?.params.map((p) => p.scale) ?? [],
      zeroPoints: t.quantized?.params.map((p) => p.zeroPoint) ?? [],
      offset,
      byteLength: data.length,
      encoding: t.quantized ? 'uint' : 'float32',
    });
    chunks.push(data);
    offset += data.length;
  }
  const header = Buffer.from(JSON.stringify({ version: 1, layers }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from('DQM1'), len, header, ...chunks]);
}

export function readQuantFile(buf: Buffer): { layers: QuantFileLayer[]; tensors: Map<string, Float32Array> } {
  if (buf.subarray(0, 4).toString() !== 'DQM1') throw new Error('not a Distillery quantized model file (magic "DQM1" missing)');
  const h = buf.readUInt32LE(4);
  const { layers } = JSON.parse(buf.subarray(8, 8 + h).toString()) as { layers: QuantFileLayer[] };
  const payload = buf.subarray(8 + h);
  const tensors = new Map<string, Float32Array>();
  for (const l of layers) {
    const bytes = payload.subarray(l.offset, l.offset + l.byteLength);
    const count = l.shape.reduce((a, b) => a * b, 1);
    if (l.encoding === 'float32') tensors.set(l.weight, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
    else {
      const q = unpackBits(bytes, l.bits, count);
      tensors.set(l.weight, dequantize({ bits: l.bits, shape: l.shape, perChannel: l.perChannel, q, params: l.scales.map((scale, i) => ({ scale, zeroPoint: l.zeroPoints[i] })) }));
    }
  }
  return { layers, tensors };
}

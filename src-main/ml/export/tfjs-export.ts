// A model in the TensorFlow.js layers format exactly as stock
// `tf.loadLayersModel` reads it (model.json + one weights file). For a
// quantized run, each quantized kernel is written with the format's own
// weight quantization: uint8 per tensor, x = q · scale + min. A per-tensor
// grid of up to 8 bits fits on it exactly; a per-channel grid is rounded once
// more onto one per-tensor 8-bit grid (the export reports by how much).
import * as tf from '@tensorflow/tfjs';
import { quantParams } from '../compress/quantize.js';
import type { QuantGrid } from './onnx.js';

export interface TfjsArtifacts {
  modelJson: string;
  weights: Buffer;
  /** Kernels written as uint8. */
  quantized: string[];
  /** Largest |stored − saved| over the uint8 kernels: the extra rounding of the export. */
  extraRoundingMax: number;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8'; min: number; scale: number };
}

/** The uint8 grid (min, scale) that holds `values`: the run's own grid when it is per tensor, else one 8-bit grid over the tensor's range. */
function uint8Grid(values: Float32Array, grid: QuantGrid): { min: number; scale: number } {
  if (grid.scales.length === 1 && grid.bits <= 8) return { min: -grid.zeroPoints[0] * grid.scales[0], scale: grid.scales[0] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // Zero stays exactly zero (pruned weights): min is a whole number of steps below 0.
  const p = quantParams(lo, hi, 8);
  return { min: -p.zeroPoint * p.scale, scale: p.scale };
}

export async function tfjsArtifacts(model: tf.LayersModel, grids: Record<string, QuantGrid> = {}): Promise<TfjsArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) })));
  const a = saved!;
  const data = Buffer.from(a.weightData as ArrayBuffer);
  const specs: WeightSpec[] = [];
  const chunks: Buffer[] = [];
  const quantized: string[] = [];
  let extraRoundingMax = 0;
  let offset = 0;
  for (const s of a.weightSpecs!) {
    const count = s.shape.reduce((x, y) => x * y, 1);
    if (s.dtype !== 'float32') throw new Error(`weight ${s.name}: dtype ${s.dtype} is not float32`);
    const values = new Float32Array(data.buffer.slice(data.byteOffset + offset, data.byteOffset + offset + 4 * count));
    offset += 4 * count;
    const grid = grids[s.name];
    if (!grid) {
      specs.push({ name: s.name, shape: s.shape, dtype: 'float32' });
      chunks.push(Buffer.from(values.buffer));
      continue;
    }
    const { min, scale } = uint8Grid(values, grid);
    const q = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      q[i] = Math.min(255, Math.max(0, Math.round((values[i] - min) / scale)));
      // What tfjs decodes: q · scale + min, as float32.
      extraRoundingMax = Math.max(extraRoundingMax, Math.abs(Math.fround(q[i] * scale + min) - values[i]));
    }
    specs.push({ name: s.name, shape: s.shape, dtype: 'float32', quantization: { dtype: 'uint8', min, scale } });
    chunks.push(Buffer.from(q.buffer));
    quantized.push(s.name);
  }
  const json = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'Distillery export-model',
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['./weights.bin'], weights: specs }],
  };
  return { modelJson: JSON.stringify(json), weights: Buffer.concat(chunks), quantized, extraRoundingMax };
}

// Keras-style layer table, so the seed's model tables can be compared line by line.
import type { LayersModel } from '@tensorflow/tfjs';

export interface LayerRow {
  name: string;
  type: string;
  outputShape: string;
  params: number;
}

export interface ModelSummary {
  name: string;
  layers: LayerRow[];
  totalParams: number;
  trainableParams: number;
}

function shapeText(shape: unknown): string {
  const one = (s: (number | null)[]) => `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
  if (Array.isArray(shape) && Array.isArray(shape[0])) return `[${(shape as (number | null)[][]).map(one).join(', ')}]`;
  return one(shape as (number | null)[]);
}

export function summarize(model: LayersModel): ModelSummary {
  const layers = model.layers.map((l) => ({
    name: l.name,
    type: l.getClassName(),
    outputShape: shapeText(l.outputShape),
    params: l.countParams(),
  }));
  const trainableParams = model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  return { name: model.name, layers, totalParams: model.countParams(), trainableParams };
}

export function formatSummary(s: ModelSummary): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const w = [32, 28, 12];
  const row = (a: string, b: string, c: string) => a.padEnd(w[0]) + b.padEnd(w[1]) + c;
  const lines = [
    `Model: "${s.name}"`,
    '_'.repeat(w[0] + w[1] + w[2]),
    row('Layer (type)', 'Output Shape', 'Param #'),
    '='.repeat(w[0] + w[1] + w[2]),
    ...s.layers.map((l) => row(`${l.name} (${l.type})`, l.outputShape, String(l.params))),
    '='.repeat(w[0] + w[1] + w[2]),
    `Total params: ${fmt(s.totalParams)}`,
    `Trainable params: ${fmt(s.trainableParams)}`,
    `Non-trainable params: ${fmt(s.totalParams - s.trainableParams)}`,
  ];
  return lines.join('\n');
}

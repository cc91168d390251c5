// The trainer options of the classifier-training kinds (contract/kinds/common.ts,
// `trainerFields`): resolved with the schema's defaults, and the pure
// arithmetic of each: the learning rate of an epoch, the max-norm projection,
// and the per-image augmentation (translation jitter, input dropout).
//
// Augmentation draws from a generator seeded by (seed, epoch, image index),
// not from a stream: an image gets the same shift and mask whichever thread
// fills it and however the batch is split, so one and two cores train alike
// and a resumed run needs no augmentation state beyond its epoch.
import { z } from 'zod';
import { trainerFields, type TrainerOptions } from '../../contract/kinds/common.js';
import { mulberry32 } from './rng.js';

/** Every trainer option, defaults filled in (maxNorm stays undefined when off). */
export type Trainer = Required<Omit<TrainerOptions, 'maxNorm'>> & { maxNorm?: number };

const TRAINER_SCHEMA = z.object(trainerFields);

/** The trainer options of a config (or any object carrying some of them), with the schema's defaults. */
export function resolveTrainer(o: Partial<TrainerOptions> | Record<string, unknown> = {}): Trainer {
  const picked = Object.fromEntries(Object.keys(trainerFields).flatMap((k) => ((o as Record<string, unknown>)[k] === undefined ? [] : [[k, (o as Record<string, unknown>)[k]]])));
  return TRAINER_SCHEMA.parse(picked) as Trainer;
}

export const DEFAULT_TRAINER: Trainer = resolveTrainer();

/** Whether the options change anything about training beyond Adam at a constant rate (today's trainer). */
export function isPlainTrainer(t: Trainer): boolean {
  return t.optimizer === 'adam' && t.lrSchedule === 'constant' && t.weightDecay === 0 && t.maxNorm === undefined && t.inputDropout === 0 && t.jitter === 0;
}

/** Whether training images are augmented (jitter or input dropout). */
export const augments = (t: Trainer) => t.jitter > 0 || t.inputDropout > 0;

/** The learning rate of `epoch` (1-based) of `epochs`, starting from `base`. */
export function learningRateAt(base: number, t: Trainer, epoch: number, epochs: number): number {
  const e = epoch - 1;
  switch (t.lrSchedule) {
    case 'constant':
      return base;
    case 'step':
      return base * t.lrStepGamma ** Math.floor(e / t.lrStepEpochs);
    case 'exponential':
      return base * t.lrDecay ** e;
    case 'cosine':
      return base * 0.5 * (1 + Math.cos((Math.PI * e) / epochs));
  }
}

/** One line for the job's log: what the trainer does beyond the defaults. */
export function describeTrainer(t: Trainer, learningRate: number): string {
  const parts = [t.optimizer === 'sgd' ? `SGD, momentum ${t.momentum}${t.nesterov ? ' (Nesterov)' : ''}` : 'Adam'];
  parts.push(`lr ${learningRate}`);
  if (t.lrSchedule === 'step') parts.push(`× ${t.lrStepGamma} every ${t.lrStepEpochs} epoch(s)`);
  if (t.lrSchedule === 'exponential') parts.push(`× ${t.lrDecay} per epoch`);
  if (t.lrSchedule === 'cosine') parts.push('cosine schedule');
  if (t.weightDecay > 0) parts.push(`weight decay ${t.weightDecay}`);
  if (t.maxNorm !== undefined) parts.push(`max-norm ${t.maxNorm}`);
  if (t.inputDropout > 0) parts.push(`input dropout ${t.inputDropout}`);
  if (t.jitter > 0) parts.push(`jitter ±${t.jitter} px`);
  return `trainer: ${parts.join(', ')}`;
}

/** A kernel inside a flat weight buffer: `units` columns (the last axis), each with `fanIn` incoming weights. */
export interface KernelSegment {
  offset: number;
  fanIn: number;
  units: number;
}

/** The kernels (Dense [in, out], Conv2D [kh, kw, in, out]) among weights laid out in order in a flat buffer. */
export function kernelSegments(weights: { name: string; shape: number[] }[]): KernelSegment[] {
  const out: KernelSegment[] = [];
  let offset = 0;
  for (const w of weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (/kernel$/.test(w.name) && (w.shape.length === 2 || w.shape.length === 4)) {
      const units = w.shape[w.shape.length - 1];
      out.push({ offset, fanIn: size / units, units });
    }
    offset += size;
  }
  return out;
}

/**
 * Max-norm (Hinton et al. 2012; Srivastava et al. 2014): every unit's
 * incoming weight vector whose L2 norm exceeds `c` is scaled down to norm
 * `c`; shorter ones stay as they are. Row-major kernels: unit j's weights
 * are at offset + i·units + j. Returns how many vectors were scaled.
 */
export function maxNormProject(weights: Float32Array, segments: KernelSegment[], c: number): number {
  let scaled = 0;
  for (const { offset, fanIn, units } of segments) {
    const norms = new Float64Array(units);
    for (let i = 0; i < fanIn; i++) {
      const row = offset + i * units;
      for (let j = 0; j < units; j++) norms[j] += weights[row + j] * weights[row + j];
    }
    const scale = new Float64Array(units).fill(1);
    let any = false;
    for (let j = 0; j < units; j++) {
      const n = Math.sqrt(norms[j]);
      if (n > c) {
        scale[j] = c / n;
        any = true;
        scaled++;
      }
    }
    if (!any) continue;
    for (let i = 0; i < fanIn; i++) {
      const row = offset + i * units;
      for (let j = 0; j < units; j++) if (scale[j] !== 1) weights[row + j] *= scale[j];
    }
  }
  return scaled;
}

/** `src` (rows × cols) moved by dx pixels right and dy pixels down into `out`; uncovered pixels are 0. */
export function translateImage(src: ArrayLike<number>, rows: number, cols: number, dx: number, dy: number, out: Float32Array): Float32Array {
  out.fill(0, 0, rows * cols);
  for (let r = Math.max(0, dy); r < Math.min(rows, rows + dy); r++) {
    for (let c = Math.max(0, dx); c < Math.min(cols, cols + dx); c++) out[r * cols + c] = src[(r - dy) * cols + (c - dx)];
  }
  return out;
}

/** The augmentation generator of one image in one epoch (see the top of this file). */
export function imageRng(seed: number, epoch: number, index: number) {
  let h = (seed ^ Math.imul(epoch + 1, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return mulberry32((h ^ (h >>> 16)) >>> 0);
}

/** What augments the training images of a run. */
export interface Augment {
  seed: number;
  jitter: number;
  inputDropout: number;
}

/**
 * Augments one image in place (`img`, rows × cols; `tmp` the same size):
 * a shift of dx, dy each uniform in [−jitter, jitter] with zero fill, then
 * each pixel dropped with probability inputDropout and the kept ones scaled
 * by 1 / (1 − inputDropout) (inverted dropout: test images are left alone).
 */
export function augmentImage(img: Float32Array, rows: number, cols: number, a: Augment, epoch: number, index: number, tmp: Float32Array): void {
  const rng = imageRng(a.seed, epoch, index);
  if (a.jitter > 0) {
    const dx = Math.floor(rng() * (2 * a.jitter + 1)) - a.jitter;
    const dy = Math.floor(rng() * (2 * a.jitter + 1)) - a.jitter;
    if (dx !== 0 || dy !== 0) {
      translateImage(img, rows, cols, dx, dy, tmp);
      img.set(tmp.subarray(0, rows * cols));
    }
  }
  if (a.inputDropout > 0) {
    const keep = 1 / (1 - a.inputDropout);
    for (let i = 0; i < rows * cols; i++) img[i] = rng() < a.inputDropout ? 0 : img[i] * keep;
  }
}

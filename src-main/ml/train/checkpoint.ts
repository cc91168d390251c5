// End-of-epoch checkpoints of a classifier training run: everything that
// decides the rest of the run, so a resumed run trains exactly as one that
// was never stopped (same backend, same seed): all model weights, the
// optimizer's state (Adam's moments and step products, or SGD's velocity),
// the learning-rate schedule's position, the shuffle generator's state and the current
// data order, the seeded Math.random state of this thread and of the
// data-parallel worker thread (dropout masks). The latent-model trainer
// (latent-trainer.ts) writes the same file with its sampler's generator and
// last test metrics; multi-step pruning adds which step it is in.
//
// One file per checkpoint, written under a temporary name and renamed into
// place, so a crash mid-write leaves the previous checkpoint whole; older
// checkpoints are deleted only once the new one is in place.
//
// Layout: "DCKPT1\n", a uint32 (little-endian) header length, the JSON
// header, then the arrays (float32 or uint32, little-endian, 4-byte aligned)
// at the offsets the header gives.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FlatAdamMoments } from './flat-adam.js';
import type { FlatSgdState } from './flat-sgd.js';

export interface TrainCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken so far. */
  step: number;
  /** Seconds of training so far (metrics' time axis continues from here). */
  elapsed: number;
  /** State of the shuffling generator after this epoch's shuffle. */
  shuffleRng: number;
  /** This thread's seeded Math.random (initializers, dropout); null when it was not seeded. */
  globalRng: number | null;
  /** The data-parallel worker thread's Math.random; null on one core. */
  workerRng: number | null;
  /** The training order of this epoch; the next epoch shuffles it again. */
  order: Uint32Array;
  /** Every weight of the model (trainable or not), in model.weights order. */
  weights: { name: string; shape: number[]; values: Float32Array }[];
  /** Adam's state (runs with the adam optimizer: every checkpoint before the sgd option). */
  adam?: FlatAdamMoments;
  /** SGD's velocity (runs with the sgd optimizer). */
  sgd?: FlatSgdState;
  /**
   * Where the learning-rate schedule stands: the epoch just trained and the
   * rate it trained at (absent in checkpoints from before schedules: constant).
   */
  schedule?: { epoch: number; learningRate: number };
  /** Test accuracy and loss after this epoch. */
  lastTest: { accuracy: number; loss: number } | null;
  /** Latent models: the training sampler's generator (VAE noise, Gamma draws); absent elsewhere. */
  samplerRng?: number | null;
  /** Latent models: the test metrics after this epoch (what a run resumed after its last epoch reports). */
  lastMetrics?: Record<string, number> | null;
  /**
   * Pruning in several steps: the step being fine-tuned, its fine-tuning epochs done
   * (`epoch` counts the epochs of all steps), and what the finished steps reported.
   */
  prune?: { step: number; stepEpoch: number; perLayer: Record<string, number>; accuracyAfterStep: number[] } | null;
}

const MAGIC = 'DCKPT1\n';
const FILE_RE = /^epoch-(\d+)\.ckpt$/;

interface ArrayRef {
  offset: number;
  length: number;
}

type Header = Omit<TrainCheckpoint, 'order' | 'weights' | 'adam' | 'sgd'> & {
  order: ArrayRef;
  weights: { name: string; shape: number[]; values: ArrayRef }[];
  adam?: { m: ArrayRef; v: ArrayRef; accBeta1: number; accBeta2: number };
  sgd?: { velocity: ArrayRef };
};

export function checkpointFileName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}.ckpt`;
}

/** Serializes a checkpoint. */
export function encodeCheckpoint(c: TrainCheckpoint): Buffer {
  const arrays: (Float32Array | Uint32Array)[] = [];
  let offset = 0;
  const ref = (a: Float32Array | Uint32Array): ArrayRef => {
    arrays.push(a);
    const r = { offset, length: a.length };
    offset += a.byteLength;
    return r;
  };
  const { adam, sgd, ...rest } = c;
  const header: Header = {
    ...rest,
    order: ref(c.order),
    weights: c.weights.map((w) => ({ name: w.name, shape: w.shape, values: ref(w.values) })),
    ...(adam ? { adam: { m: ref(adam.m), v: ref(adam.v), accBeta1: adam.accBeta1, accBeta2: adam.accBeta2 } } : {}),
    ...(sgd ? { sgd: { velocity: ref(sgd.velocity) } } : {}),
  };
  let json = Buffer.from(JSON.stringify(header));
  // Pad the header so the arrays start 4-byte aligned.
  const pad = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
  json = Buffer.concat([json, Buffer.from(' '.repeat(pad))]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return Buffer.concat([Buffer.from(MAGIC), len, json, ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))]);
}

export function decodeCheckpoint(buf: Buffer, name = 'checkpoint'): TrainCheckpoint {
  if (buf.subarray(0, MAGIC.length).toString() !== MAGIC) throw new Error(`${name}: not a Distillery checkpoint`);
  const len = buf.readUInt32LE(MAGIC.length);
  const base = MAGIC.length + 4 + len;
  const h = JSON.parse(buf.subarray(MAGIC.length + 4, base).toString()) as Header;
  // Copy out: the file's buffer may be shared and unaligned.
  const f32 = (r: ArrayRef) => {
    if (base + r.offset + r.length * 4 > buf.length) throw new Error(`${name}: truncated`);
    return new Float32Array(buf.buffer.slice(buf.byteOffset + base + r.offset, buf.byteOffset + base + r.offset + r.length * 4));
  };
  const u32 = (r: ArrayRef) => new Uint32Array(f32(r).buffer);
  const { adam, sgd, ...rest } = h;
  return {
    ...rest,
    order: u32(h.order),
    weights: h.weights.map((w) => ({ name: w.name, shape: w.shape, values: f32(w.values) })),
    ...(adam ? { adam: { m: f32(adam.m), v: f32(adam.v), accBeta1: adam.accBeta1, accBeta2: adam.accBeta2 } } : {}),
    ...(sgd ? { sgd: { velocity: f32(sgd.velocity) } } : {}),
  };
}

/**
 * Writes `c` into `dir` atomically (temporary file, fsync, rename), then
 * deletes the older checkpoints. Returns the file and its size.
 */
export function writeCheckpoint(dir: string, c: TrainCheckpoint): { path: string; bytes: number } {
  mkdirSync(dir, { recursive: true });
  const data = encodeCheckpoint(c);
  const path = join(dir, checkpointFileName(c.epoch));
  const tmp = `${path}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      // writeSync may write less than asked (a disk filling up): loop until all of it is
      // written, so a full disk ends in ENOSPC rather than a truncated checkpoint.
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    // A full disk must not leave a half-written checkpoint behind; the previous one stays.
    rmSync(tmp, { force: true });
    throw new Error(`cannot write checkpoint ${path}: ${(e as Error).message}`);
  }
  for (const f of readdirSync(dir)) {
    if (f !== checkpointFileName(c.epoch) && (FILE_RE.test(f) || f.endsWith('.ckpt.tmp'))) rmSync(join(dir, f), { force: true });
  }
  return { path, bytes: data.length };
}

/** The newest complete checkpoint in `dir`, or null when there is none. */
export function latestCheckpointFile(dir: string): { path: string; epoch: number; bytes: number } | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .map((f) => ({ f, m: FILE_RE.exec(f) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(b.m![1]) - Number(a.m![1]));
  if (!files.length) return null;
  const path = join(dir, files[0].f);
  return { path, epoch: Number(files[0].m![1]), bytes: statSync(path).size };
}

export function readCheckpoint(path: string): TrainCheckpoint {
  return decodeCheckpoint(readFileSync(path), path);
}

// Reader for the IDX format used by MNIST and Fashion-MNIST (raw or gzip).
// Every failure names the file and what is wrong with it, because a user
// pointing Distillery at their own data needs to know which file to fix.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export class DatasetError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DatasetError';
  }
}

export interface IdxTensor {
  /** Dimensions as declared in the header, e.g. [60000, 28, 28]. */
  dims: number[];
  /** Element data; IDX type 0x08 (unsigned byte) is the only one MNIST-style sets use. */
  data: Uint8Array;
}

const UBYTE = 0x08;

function readBytes(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new DatasetError(file, `cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // gzip streams start with 0x1f 0x8b; IDX files always start with two zero bytes.
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new DatasetError(file, `looks like gzip but cannot be decompressed (${(e as Error).message})`);
    }
  }
  return raw;
}

/** Parses one IDX file; `expectedRank` guards against swapping images and labels. */
export function readIdx(file: string, expectedRank?: number): IdxTensor {
  const buf = readBytes(file);
  if (buf.length < 4) throw new DatasetError(file, `too short for an IDX header (${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new DatasetError(file, `bad magic number 0x${buf.readUInt32BE(0).toString(16).padStart(8, '0')} (an IDX file starts with 0x0000)`);
  }
  const type = buf[2];
  const rank = buf[3];
  if (type !== UBYTE) {
    throw new DatasetError(file, `unsupported IDX element type 0x${type.toString(16)} (only unsigned byte 0x08 is supported)`);
  }
  if (rank < 1 || rank > 4) throw new DatasetError(file, `bad number of dimensions ${rank} in the magic number`);
  if (expectedRank !== undefined && rank !== expectedRank) {
    throw new DatasetError(file, `has ${rank} dimension(s), expected ${expectedRank}`);
  }
  const headerLen = 4 + 4 * rank;
  if (buf.length < headerLen) throw new DatasetError(file, `truncated header (${buf.length} of ${headerLen} bytes)`);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  if (dims.some((d) => d === 0)) throw new DatasetError(file, `has a zero dimension (${dims.join('×')})`);
  const count = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - headerLen;
  if (have < count) {
    throw new DatasetError(file, `truncated data: header declares ${dims.join('×')} = ${count} bytes, file has ${have}`);
  }
  if (have > count) {
    throw new DatasetError(file, `${have - count} unexpected trailing bytes after ${dims.join('×')} elements`);
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerLen, count) };
}

export interface LabelledImages {
  /** Pixel bytes, row-major, `count * rows * cols`. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Reads an images file and its labels file and checks they belong together. */
export function readIdxPair(imagesFile: string, labelsFile: string): LabelledImages {
  const images = readIdx(imagesFile, 3);
  const labels = readIdx(labelsFile, 1);
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DatasetError(labelsFile, `has ${labels.dims[0]} labels but ${imagesFile} has ${count} images`);
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] > 9) throw new DatasetError(labelsFile, `label ${labels.data[i]} at index ${i} is outside 0..9`);
  }
  return { images: images.data, labels: labels.data, count, rows, cols };
}

// The reconstructions of the fixed test grid as data, next to the PNG the
// job already saves: one little-endian float32 file per run, the originals
// followed by the reconstructions ([2, n, rows, cols], values in [0, 1]), so
// the compare view can compute errors and difference maps pixel for pixel.
import { saveArtifact, type JobIO } from './job-io.js';

export const RECON_DATA_NAME = 'recon/grid.f32';

/** Encodes originals and reconstructions (each n images of rows × cols) as the recon data file's bytes. */
export function encodeReconData(originals: Float32Array[], reconstructions: Float32Array[], rows = 28, cols = 28): Buffer {
  const n = Math.min(originals.length, reconstructions.length);
  const size = rows * cols;
  const out = new Float32Array(2 * n * size);
  for (let i = 0; i < n; i++) {
    out.set(originals[i].subarray(0, size), i * size);
    out.set(reconstructions[i].subarray(0, size), (n + i) * size);
  }
  // Float32Array is little-endian on every platform Distillery runs on.
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Saves the recon data file as a 'data' artifact with meta { n, rows, cols, layout }. */
export function saveReconData(io: JobIO, runDir: string, originals: Float32Array[], reconstructions: Float32Array[], rows = 28, cols = 28): void {
  const n = Math.min(originals.length, reconstructions.length);
  saveArtifact(io, runDir, RECON_DATA_NAME, 'data', encodeReconData(originals, reconstructions, rows, cols), {
    title: 'Grid images and their reconstructions (float32 [2, n, rows, cols]: originals, then reconstructions)',
    n,
    rows,
    cols,
    layout: 'originals,reconstructions',
  });
}

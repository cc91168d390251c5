// Saving and loading models in the TensorFlow.js layers format (model.json +
// weights.bin) on the local file system. tfjs's own file:// handler lives in
// tfjs-node, which is optional, so this small handler works on every backend.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SavedFile {
  path: string;
  size: number;
  sha256: string;
}

function writeAtomic(path: string, data: Buffer | string): SavedFile {
  // Write then rename, so a crash mid-save never leaves a half-written model.
  const tmp = `${path}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return { path, size: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
}

/** Saves `model` into `dir`; returns model.json and weights.bin with size and hash. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<SavedFile[]> {
  mkdirSync(dir, { recursive: true });
  const files: SavedFile[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = Buffer.from(artifacts.weightData as ArrayBuffer);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }],
      };
      try {
        files.push(writeAtomic(join(dir, 'weights.bin'), weights));
        files.push(writeAtomic(join(dir, 'model.json'), JSON.stringify(json)));
      } catch (e) {
        // Weights without their model.json (or the reverse) are no model: leave neither.
        for (const f of files) rmSync(f.path, { force: true });
        throw e;
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return files;
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) throw new Error(`no saved model at ${dir} (model.json is missing)`);
  const json = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const manifest = json.weightsManifest?.[0];
  if (!manifest) throw new Error(`${jsonPath}: weightsManifest is missing`);
  const bin = readFileSync(join(dir, manifest.paths[0]));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: manifest.weights, weightData }));
}

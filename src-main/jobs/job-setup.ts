// The steps every job kind takes the same way: seed and backend, the
// dataset, and saving a model as run artifacts.
import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { loadDataset, type Dataset } from '../ml/data/datasets.js';
import { initBackend, type BackendInfo, type BackendName } from '../ml/engine/backend.js';
import { saveModel } from '../ml/models/model-io.js';
import { seedGlobalRandom } from '../ml/train/rng.js';
import { log, type JobIO } from './job-io.js';
import { collectProvenance } from './provenance.js';

interface DataConfig {
  seed: number;
  backend?: BackendName;
  allowSoftwareGpu?: boolean;
  dataset: string;
  trainLimit?: number;
  testLimit?: number;
}

/** Loading options beyond the config's: the last `holdout` training images kept out of training. */
interface LoadOptions {
  holdout?: number;
}

/** Seeds the process, picks the backend (reported as `started`), and loads the 28×28 dataset. */
export async function prepareJob(c: DataConfig, io: JobIO, load: LoadOptions = {}): Promise<{ info: BackendInfo; ds: Dataset }> {
  seedGlobalRandom(c.seed);
  const info = await initBackend(c.backend, (m, level) => log(io, level, m), { allowSoftwareGpu: c.allowSoftwareGpu });
  io.emit({ type: 'started', backend: info.backend, device: info.device, backendVersion: info.version, provenance: collectProvenance(info) });
  log(io, 'info', `backend ${info.backend} on ${info.device} (${info.version})`);
  const ds = loadDataset(c.dataset, { trainLimit: c.trainLimit, testLimit: c.testLimit, holdout: load.holdout });
  if (ds.train.rows !== 28 || ds.train.cols !== 28) {
    throw new Error(`dataset ${ds.name}: images are ${ds.train.rows}×${ds.train.cols}, the seed's models need 28×28`);
  }
  log(io, 'info', `dataset ${ds.name}: ${ds.train.count} training and ${ds.test.count} test images${ds.holdout ? ` (the last ${ds.holdout.count} training images held out)` : ''}`);
  return { info, ds };
}

/**
 * Saves `model` under the run folder (`model/`, or `encoder/`, `decoder/`)
 * and reports its files as artifacts; the main model's files are named
 * model.json and weights.bin, the others carry their folder.
 */
export async function saveModelArtifacts(io: JobIO, runDir: string, model: tf.LayersModel, partial: boolean, folder = 'model'): Promise<void> {
  for (const f of await saveModel(model, join(runDir, folder))) {
    const file = f.path.endsWith('.json') ? 'model.json' : 'weights.bin';
    io.emit({ type: 'artifact', kind: 'model', name: folder === 'model' ? file : `${folder}/${file}`, path: f.path, size: f.size, sha256: f.sha256, meta: { format: 'tfjs-layers', partial } });
  }
}

// Inference for the temperature slider, inside the service process. Loaded
// lazily (TensorFlow.js costs a second to load) and cached, because a slider
// asks for the same model and image many times a second.
import type * as tfType from '@tensorflow/tfjs';
import type { SoftenResult } from '../contract/api.js';
import { loadDataset, type Split } from '../ml/data/datasets.js';
import { initBackend } from '../ml/engine/backend.js';
import { softenWith } from '../ml/inspect/soften.js';
import { loadModel } from '../ml/models/model-io.js';

const MAX_MODELS = 4;
const models = new Map<string, Promise<tfType.LayersModel>>();
const testSets = new Map<string, Split>();
let ready: Promise<unknown> | undefined;

export async function softenCached(runId: string, modelDir: string, dataset: string, image: number, temperature: number): Promise<SoftenResult> {
  // cpu: one image through the teacher is a few milliseconds, and the wasm
  // backend is better left to job processes.
  ready ??= initBackend('cpu');
  await ready;
  let test = testSets.get(dataset);
  if (!test) {
    test = loadDataset(dataset, { trainLimit: 1 }).test;
    testSets.set(dataset, test);
  }
  let model = models.get(runId);
  if (!model) {
    model = loadModel(modelDir);
    models.set(runId, model);
    if (models.size > MAX_MODELS) {
      const [oldest] = models.keys();
      void models.get(oldest)!.then((m) => m.dispose());
      models.delete(oldest);
    }
  }
  return softenWith(await model, test, image, temperature);
}

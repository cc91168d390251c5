// The import job: a TensorFlow.js layers model from elsewhere becomes a
// Distillery classifier run. The chain is normalized to what every other kind
// expects (28×28×1 input, a Dense layer named `logits`, then a softmax), then
// evaluated and saved as the run's model.
import * as tf from '@tensorflow/tfjs';
import type { ImportConfig, StartMessage, Summary } from '../contract/jobs.js';
import { fromChain, toChain, type Chain, type LayerSpec } from '../ml/compress/chain.js';
import { LOGITS_LAYER } from '../ml/models/classifiers.js';
import { readImportFiles } from '../ml/models/import-check.js';
import { evaluate } from '../ml/train/classifier-trainer.js';
import { log, type JobIO } from './job-io.js';
import { prepareJob, saveModelArtifacts } from './job-setup.js';

const NUM_CLASSES = 10;

/** Makes an imported chain look like Distillery's classifiers; throws naming the layer that cannot. */
export function normalizeChain(chain: Chain): { chain: Chain; changes: string[] } {
  const changes: string[] = [];
  const layers: LayerSpec[] = chain.layers.map((l) => ({ ...l, config: { ...l.config } }));
  const taken = new Set(layers.map((l) => l.name));
  const unique = (base: string) => {
    let n = base;
    for (let i = 1; taken.has(n); i++) n = `${base}_${i}`;
    taken.add(n);
    return n;
  };
  let inputShape = chain.inputShape;
  if (inputShape.length === 1) {
    // 784 pixels in row-major order are exactly the NHWC flatten of a 28×28×1 image.
    inputShape = [28, 28, 1];
    layers.unshift({ className: 'Flatten', name: unique('input_flatten'), config: {}, weights: [] });
    changes.push('784-pixel input: a Flatten of the 28×28×1 image in front');
  }
  const lastDense = layers.map((l) => l.className).lastIndexOf('Dense');
  const weighted = layers.filter((l) => l.className === 'Dense' || l.className === 'Conv2D');
  const out = layers[lastDense];
  if (!out || weighted.at(-1) !== out) throw new Error(`the model must end in a Dense layer with ${NUM_CLASSES} units (one per class)`);
  const units = out.weights[0].shape[1];
  if (units !== NUM_CLASSES) throw new Error(`layer "${out.name}": ${units} units, but the classifier needs ${NUM_CLASSES} (one per class)`);
  const act = String(out.config.activation ?? 'linear');
  const after = layers.slice(lastDense + 1);
  if (after.some((l) => l.className !== 'Dropout' && !(l.className === 'Activation' && ['softmax', 'linear'].includes(String(l.config.activation))))) {
    throw new Error(`layer "${after.find((l) => l.className !== 'Dropout')!.name}" after the output layer: only a softmax may follow it`);
  }
  if (act !== 'softmax' && act !== 'linear') throw new Error(`layer "${out.name}": activation ${act}; the output layer must give logits (linear) or softmax probabilities`);
  const rest = layers.slice(0, lastDense);
  // The output layer becomes `logits` (linear) followed by one softmax, as in the seed's models.
  if (out.name !== LOGITS_LAYER) {
    const clash = rest.find((l) => l.name === LOGITS_LAYER);
    if (clash) clash.name = unique('logits_renamed');
    changes.push(`output layer "${out.name}" renamed "${LOGITS_LAYER}"`);
  }
  if (act === 'softmax') changes.push('softmax moved out of the output layer into its own layer');
  if (act === 'linear' && !after.some((l) => l.config.activation === 'softmax')) changes.push('softmax added after the logits');
  const normalized: LayerSpec[] = [
    ...rest,
    { ...out, name: LOGITS_LAYER, config: { ...out.config, activation: 'linear' } },
    { className: 'Activation', name: unique('Softmax'), config: { activation: 'softmax' }, weights: [] },
  ];
  return { chain: { inputShape, layers: normalized }, changes };
}

export async function runImportJob(msg: StartMessage & { config: ImportConfig }, io: JobIO): Promise<void> {
  const c = msg.config;
  const { ds } = await prepareJob({ ...c, trainLimit: 1 }, io);
  const files = readImportFiles(c.path);
  log(io, 'info', `importing ${files.jsonPath}: ${files.layers.map((l) => `${l.name} (${l.className})`).join(' → ')}`);
  const original = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: files.modelTopology, weightSpecs: files.weightSpecs as tf.io.WeightsManifestEntry[], weightData: files.weightData }));
  let chain: Chain;
  try {
    chain = toChain(original);
  } finally {
    original.dispose();
  }
  const { chain: normalized, changes } = normalizeChain(chain);
  for (const ch of changes) log(io, 'info', ch);
  const model = fromChain(normalized, 'imported');
  const outShape = model.outputs[0].shape;
  if (outShape.length !== 2 || outShape[1] !== NUM_CLASSES) throw new Error(`the model's output is [${outShape.join(', ')}], not ${NUM_CLASSES} class probabilities`);
  const { accuracy, loss } = evaluate(model, ds.test);
  log(io, 'info', `test accuracy ${accuracy.toFixed(4)} on ${ds.test.count} images`);
  await saveModelArtifacts(io, msg.runDir, model, false);
  const summary: Summary = { params: model.countParams(), test_accuracy: accuracy, test_loss: loss, test_images: ds.test.count, layers: normalized.layers.length };
  io.emit({ type: 'done', summary });
}

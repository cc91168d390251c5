// The CLI's generated flags and the workbench's generated form make the same
// config for every kind and recipe. Expected configs are written out by hand
// (defaults included), not derived from the schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { KINDS } from '../contract/kinds/index.js';
import { RECIPES } from '../contract/recipes/index.js';
import { formFields, initialValues, valuesToConfig, type FormValues } from '../../src-renderer/lib/config-form.js';
import { addSchemaOptions } from './schema-options.js';

interface Case {
  argv: string[];
  form: FormValues;
  expected: Record<string, unknown>;
}

const DATA = { dataset: 'mnist', batchSize: 64, learningRate: 0.001, seed: 42 };
const TRAIN = { ...DATA, epochs: 10 };
/** The trainer options' defaults (Adam at a constant rate, nothing else), on every classifier-training kind. */
const TRAINER = { optimizer: 'adam', momentum: 0.9, nesterov: false, lrSchedule: 'constant', lrStepGamma: 0.1, lrStepEpochs: 10, lrDecay: 0.998, weightDecay: 0, inputDropout: 0, jitter: 0 };

// A sweep takes the flags of the kind it sweeps (`distillery sweep <kind>`, tested in sweep-cli.test.ts).
const KIND_CASES: Record<Exclude<keyof typeof KINDS, 'sweep'>, Case> = {
  train: {
    argv: ['--model', 'student', '--epochs', '3', '--batch-size', '32', '--learning-rate', '0.01', '--train-limit', '100', '--test-limit', '50', '--seed', '7', '--backend', 'cpu', '--no-data-parallel', '--dataset', 'fashion-mnist',
      '--optimizer', 'sgd', '--momentum', '0.95', '--nesterov', '--lr-schedule', 'exponential', '--lr-decay', '0.9', '--weight-decay', '0.0005', '--max-norm', '15', '--input-dropout', '0.2', '--jitter', '2'],
    form: { model: 'student', epochs: 3, batchSize: 32, learningRate: 0.01, trainLimit: 100, testLimit: 50, seed: 7, backend: 'cpu', dataParallel: false, dataset: 'fashion-mnist',
      optimizer: 'sgd', momentum: 0.95, nesterov: true, lrSchedule: 'exponential', lrDecay: 0.9, weightDecay: 0.0005, maxNorm: 15, inputDropout: 0.2, jitter: 2 },
    expected: { kind: 'train', model: 'student', dataParallel: false, dataset: 'fashion-mnist', epochs: 3, batchSize: 32, learningRate: 0.01, trainLimit: 100, testLimit: 50, seed: 7, backend: 'cpu',
      optimizer: 'sgd', momentum: 0.95, nesterov: true, lrSchedule: 'exponential', lrStepGamma: 0.1, lrStepEpochs: 10, lrDecay: 0.9, weightDecay: 0.0005, maxNorm: 15, inputDropout: 0.2, jitter: 2 },
  },
  distill: {
    argv: ['--teacher', 'abc123', '--temperature', '20', '--alpha', '0.9', '--model', 'lenet300', '--omit-classes', '3,5', '--bias-holdout', '2000', '--compare-bias-offset', '3.5'],
    form: { teacherRunId: 'abc123', temperature: 20, alpha: 0.9, model: 'lenet300', omitClasses: '3, 5', biasHoldout: 2000, compareBiasOffset: 3.5 },
    expected: { kind: 'distill', model: 'lenet300', teacherRunId: 'abc123', dataParallel: true, temperature: 20, alpha: 0.9, omitClasses: [3, 5], biasHoldout: 2000, compareBiasOffset: 3.5, ...TRAIN, ...TRAINER },
  },
  autoencoder: {
    argv: ['--model', 'dense', '--loss', 'mse', '--sharpen-temperature', '0.5'],
    form: { model: 'dense', loss: 'mse', sharpenTemperature: 0.5 },
    expected: { kind: 'autoencoder', model: 'dense', dataParallel: true, loss: 'mse', sharpenTemperature: 0.5, ...TRAIN },
  },
  'ae-distill': {
    argv: ['--teacher', 'fe01', '--temperature', '2', '--alpha', '3', '--loss', 'mse'],
    form: { teacherRunId: 'fe01', temperature: 2, alpha: 3, loss: 'mse' },
    expected: { kind: 'ae-distill', teacherRunId: 'fe01', model: 'dense', loss: 'mse', temperature: 2, alpha: 3, ...TRAIN },
  },
  vae: {
    argv: ['--latent-dim', '8', '--ll-samples', '20', '--ll-images', '30'],
    form: { latentDim: 8, llSamples: 20, llImages: 30 },
    expected: { kind: 'vae', model: 'gaussian', latentDim: 8, llSamples: 20, llImages: 30, ...TRAIN },
  },
  dirvae: {
    argv: ['--latent-dim', '50', '--prior-alpha', '0.5', '--sampler', 'icdf', '--kl', 'multigamma'],
    form: { latentDim: 50, priorAlpha: 0.5, sampler: 'icdf', kl: 'multigamma' },
    expected: { kind: 'dirvae', model: 'dirichlet', latentDim: 50, priorAlpha: 0.5, sampler: 'icdf', kl: 'multigamma', llSamples: 100, llImages: 500, ...TRAIN },
  },
  prune: {
    argv: ['--source', 'ab12', '--method', 'structured', '--criterion', 'apoz', '--sparsity', '0.3', '--layer-sparsity', 'FC1=0.5,FC2=0.25', '--scope', 'global', '--layers', 'FC1,FC2', '--steps', '3', '--finetune-epochs', '0', '--validation-images', '100'],
    form: { sourceRunId: 'ab12', method: 'structured', criterion: 'apoz', sparsity: 0.3, layerSparsity: 'FC1=0.5, FC2=0.25', scope: 'global', layers: 'FC1, FC2', steps: 3, finetuneEpochs: 0, validationImages: 100 },
    expected: { kind: 'prune', sourceRunId: 'ab12', method: 'structured', criterion: 'apoz', sparsity: 0.3, layerSparsity: { FC1: 0.5, FC2: 0.25 }, scope: 'global', layers: ['FC1', 'FC2'], steps: 3, finetuneEpochs: 0, validationImages: 100, ...DATA, ...TRAINER },
  },
  sensitivity: {
    argv: ['--source', 'ab12', '--layers', 'FC1', '--sparsities', '0,0.5,0.9'],
    form: { sourceRunId: 'ab12', layers: 'FC1', sparsities: '0, 0.5, 0.9' },
    expected: { kind: 'sensitivity', sourceRunId: 'ab12', layers: ['FC1'], sparsities: [0, 0.5, 0.9], ...DATA },
  },
  quantize: {
    argv: ['--source', 'ab12', '--bits', '5', '--per-tensor', '--calibration-images', '64'],
    form: { sourceRunId: 'ab12', bits: 5, perChannel: false, calibrationImages: 64 },
    expected: { kind: 'quantize', sourceRunId: 'ab12', bits: 5, perChannel: false, calibrationImages: 64, ...DATA },
  },
  cluster: {
    argv: ['--source', 'ab12', '--bits', '5', '--layer-bits', 'Conv1=8,Conv2=8', '--layers', 'Conv1,Conv2,FC1', '--finetune-epochs', '2'],
    form: { sourceRunId: 'ab12', bits: 5, layerBits: 'Conv1=8, Conv2=8', layers: 'Conv1, Conv2, FC1', finetuneEpochs: 2 },
    expected: { kind: 'cluster', sourceRunId: 'ab12', bits: 5, layerBits: { Conv1: 8, Conv2: 8 }, layers: ['Conv1', 'Conv2', 'FC1'], finetuneEpochs: 2, ...DATA, ...TRAINER },
  },
  report: {
    argv: ['--recipe', 'seed-kd', '--step-run-ids', 'ab12,cd34', '--quick'],
    form: { recipe: 'seed-kd', stepRunIds: 'ab12, cd34', quick: true },
    expected: { kind: 'report', recipe: 'seed-kd', stepRunIds: ['ab12', 'cd34'], quick: true, dataset: 'mnist', seed: 42 },
  },
  factorize: {
    argv: ['--source', 'ab12', '--rank', '16', '--ranks', 'FC2=8', '--energy', '0.5', '--finetune-epochs', '2', '--layers', 'FC1,FC2'],
    form: { sourceRunId: 'ab12', rank: 16, ranks: 'FC2=8', energy: 0.5, finetuneEpochs: 2, layers: 'FC1,FC2' },
    expected: { kind: 'factorize', sourceRunId: 'ab12', layers: ['FC1', 'FC2'], rank: 16, ranks: { FC2: 8 }, energy: 0.5, finetuneEpochs: 2, ...DATA, ...TRAINER },
  },
  score: {
    argv: ['--source', 'ab12', '--baseline', 'cd34', '--convention', 'fp16'],
    form: { sourceRunId: 'ab12', baselineRunId: 'cd34', convention: 'fp16' },
    expected: { kind: 'score', sourceRunId: 'ab12', baselineRunId: 'cd34', convention: 'fp16', ...DATA },
  },
  finetune: {
    argv: ['--source', 'ab12', '--epochs', '4', '--train-limit', '640', '--optimizer', 'sgd', '--lr-schedule', 'step', '--lr-step-gamma', '0.5', '--lr-step-epochs', '2'],
    form: { sourceRunId: 'ab12', epochs: 4, trainLimit: 640, optimizer: 'sgd', lrSchedule: 'step', lrStepGamma: 0.5, lrStepEpochs: 2 },
    expected: { kind: 'finetune', sourceRunId: 'ab12', epochs: 4, trainLimit: 640, ...DATA, ...TRAINER, optimizer: 'sgd', lrSchedule: 'step', lrStepGamma: 0.5, lrStepEpochs: 2 },
  },
  import: {
    argv: ['--path', '/models/mine/model.json', '--test-limit', '500', '--seed', '3'],
    form: { path: '/models/mine/model.json', testLimit: 500, seed: 3 },
    expected: { kind: 'import', path: '/models/mine/model.json', model: 'imported', dataset: 'mnist', testLimit: 500, seed: 3 },
  },
};

function fromCli(schema: Parameters<typeof addSchemaOptions>[1], names: Parameters<typeof addSchemaOptions>[2], argv: string[]): Record<string, unknown> {
  const cmd = new Command('x').exitOverride();
  const { toConfig } = addSchemaOptions(cmd, schema, names);
  cmd.parse(argv, { from: 'user' });
  return toConfig(cmd.opts());
}

function fromForm(schema: Parameters<typeof formFields>[0], form: FormValues, omit: string[] = []): Record<string, unknown> {
  const fields = formFields(schema, omit);
  return valuesToConfig(fields, { ...initialValues(fields), ...form });
}

for (const [kind, c] of Object.entries(KIND_CASES)) {
  test(`${kind}: CLI flags and form inputs make the same config`, () => {
    const def = KINDS[kind as keyof typeof KINDS];
    assert.deepEqual(def.schema.parse({ kind, ...fromCli(def.schema, def, c.argv) }), c.expected, 'from the CLI');
    assert.deepEqual(def.schema.parse({ kind, ...fromForm(def.schema, c.form) }), c.expected, 'from the form');
  });
}

const RECIPE_CASES: Record<keyof typeof RECIPES, Case> = {
  kd: {
    argv: ['--epochs', '1', '--temperature', '3', '--alpha', '0.25', '--train-limit', '2000'],
    form: { epochs: 1, temperature: 3, alpha: 0.25, trainLimit: 2000 },
    expected: { ...TRAIN, epochs: 1, trainLimit: 2000, temperature: 3, alpha: 0.25 },
  },
  'vae-compare': {
    argv: ['--latent-dim', '50', '--prior-alpha', '0.9', '--ll-samples', '50', '--ll-images', '300', '--epochs', '3'],
    form: { latentDim: 50, priorAlpha: 0.9, llSamples: 50, llImages: 300, epochs: 3 },
    expected: { latentDim: 50, priorAlpha: 0.9, sampler: 'exact', kl: 'dirichlet', llSamples: 50, llImages: 300, ...TRAIN, epochs: 3 },
  },
  pipeline: {
    argv: ['--source', 'ab12', '--steps', 'prune:sparsity=0.9,finetuneEpochs=1;quantize:bits=5;score', '--test-limit', '200'],
    form: { sourceRunId: 'ab12', testLimit: 200 },
    expected: { sourceRunId: 'ab12', ...DATA, testLimit: 200, steps: [{ kind: 'prune', sparsity: 0.9, finetuneEpochs: 1 }, { kind: 'quantize', bits: 5 }, { kind: 'score' }] },
  },
  'deep-compression': {
    argv: ['--source', 'ab12', '--sparsity', '0.8', '--bits', '5', '--finetune-epochs', '0'],
    form: { sourceRunId: 'ab12', sparsity: 0.8, bits: 5, finetuneEpochs: 0 },
    expected: { sourceRunId: 'ab12', ...DATA, sparsity: 0.8, bits: 5, finetuneEpochs: 0 },
  },
  'seed-kd': { argv: ['--quick', '--seed', '3'], form: { quick: true, seed: 3 }, expected: { quick: true, seed: 3 } },
  'hinton-mnist': { argv: ['--backend', 'cpu'], form: { backend: 'cpu' }, expected: { quick: false, seed: 42, backend: 'cpu' } },
  'deep-compression-lenet300': { argv: ['--quick'], form: { quick: true }, expected: { quick: true, seed: 42 } },
  'deep-compression-lenet5': { argv: [], form: {}, expected: { quick: false, seed: 42 } },
  'dirvae-vs-gvae': { argv: ['--quick', '--seed', '9'], form: { quick: true, seed: 9 }, expected: { quick: true, seed: 9 } },
  'keras-kd-example': { argv: ['--quick'], form: { quick: true }, expected: { quick: true, seed: 42 } },
};

for (const [recipe, c] of Object.entries(RECIPE_CASES)) {
  test(`recipe ${recipe}: CLI flags and form inputs make the same options`, () => {
    const def = RECIPES[recipe as keyof typeof RECIPES];
    assert.deepEqual(def.schema.parse(fromCli(def.schema, def, c.argv)), c.expected, 'from the CLI');
    // The form edits pipeline steps in their own editor; they join the options as a list.
    const steps = recipe === 'pipeline' ? { steps: c.expected.steps } : {};
    assert.deepEqual(def.schema.parse({ ...fromForm(def.schema, c.form, ['steps']), ...steps }), c.expected, 'from the form');
  });
}

test('a value the schema refuses is refused by both, naming the field', () => {
  const def = KINDS.quantize;
  for (const cfg of [fromCli(def.schema, def, ['--source', 'x', '--bits', '9']), fromForm(def.schema, { sourceRunId: 'x', bits: 9 })]) {
    const r = def.schema.safeParse({ kind: 'quantize', ...cfg });
    assert.equal(r.success, false);
    assert.deepEqual(r.error!.issues.map((i) => [i.path.join('.'), i.message]), [['bits', 'must be from 2 to 8']]);
  }
});

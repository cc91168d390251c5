// Published numbers the reproduction recipes are checked against: the ONLY
// place they are written down. Each number carries the source it comes from;
// the report (`report/reproduce.ts`) prints them beside what we measured.
// Numbers marked `verified: false` were not checked against the paper's text
// and are printed as such.

export interface PublishedNumber {
  /** Key the report matches a measured number to (e.g. "teacher_test_accuracy"). */
  key: string;
  label: string;
  value: number;
  unit: 'accuracy' | 'errors' | 'error %' | 'KB' | '×' | 'params' | 'density' | 'bits' | 'count';
  source: string;
  verified?: boolean;
}

/**
 * A training setting a paper states (or the code it ran with): the
 * reproduction recipes train with these where our trainer can, and say
 * where they differ. `verified: false`: not checked against the source's text.
 */
export interface PaperSetting {
  key: string;
  label: string;
  value: number | string;
  source: string;
  verified?: boolean;
}

export interface Reference {
  id: string;
  /** Short citation, e.g. "Han, Mao, Dally 2016". */
  citation: string;
  title: string;
  where: string;
  /** The paper's setting, in one paragraph. */
  setting: string;
  numbers: PublishedNumber[];
  /** Claims in words (what "holds" means for the report). */
  claims: string[];
  /** How the paper trained, where the recipe follows it (trainer options). */
  training?: PaperSetting[];
}

const SEED = 'Seed deck, KD results table (MNIST, 10 epochs, batch 64, T = 4, α = 0.5)';
const HINTON = 'Hinton, Vinyals, Dean 2015, "Distilling the Knowledge in a Neural Network", arXiv:1503.02531, §3 (MNIST)';
const HAN16 = 'Han, Mao, Dally 2016, "Deep Compression", ICLR 2016, Tables 1–3';
const HAN15 = 'Han, Pool, Tran, Dally 2015, "Learning both Weights and Connections for Efficient Neural Networks", NIPS 2015, Table 1';
const DIRVAE = 'Joo, Lee, Park, Moon 2020, "Dirichlet Variational Autoencoder", Pattern Recognition 107:107514, arXiv:1901.02739';
const HINTON12 = 'Hinton, Srivastava, Krizhevsky, Sutskever, Salakhutdinov 2012, "Improving neural networks by preventing co-adaptation of feature detectors", arXiv:1207.0580, Appendix A (MNIST), the regularization Hinton et al. 2015 cite for their teacher';
const CAFFE_LENET = 'Caffe examples/mnist/lenet_solver.prototxt, the solver of the Caffe LeNet models Han et al. start from (the papers name Caffe but print no solver)';
const KERAS = 'keras.io example "Knowledge Distillation" (K. Borup)';
const KERAS_RUN = 'keras.io "Knowledge Distillation", a recorded Keras 3 run of the example';

export const REFERENCES = {
  'seed-kd': {
    id: 'seed-kd',
    citation: 'Seed deck',
    title: 'Knowledge distillation on MNIST (the seed experiment)',
    where: SEED,
    setting: 'Teacher CNN (1,199,882 params) and student MLP (118,282), MNIST, 10 epochs, batch 64, Adam 1e-3, T = 4, α = 0.5.',
    numbers: [
      { key: 'teacher_test_accuracy', label: 'Teacher CNN test accuracy', value: 0.9924, unit: 'accuracy', source: SEED },
      { key: 'distilled_test_accuracy', label: 'Student with teacher test accuracy', value: 0.9871, unit: 'accuracy', source: SEED },
      { key: 'student_test_accuracy', label: 'Student alone test accuracy', value: 0.9632, unit: 'accuracy', source: SEED },
    ],
    claims: ['The student trained with the teacher beats the student trained alone.'],
  },
  'hinton-mnist': {
    id: 'hinton-mnist',
    citation: 'Hinton, Vinyals, Dean 2015',
    title: 'Distilling the Knowledge in a Neural Network, MNIST',
    where: HINTON,
    setting: 'Teacher 784-1200-1200-10 with dropout, weight constraints and inputs jittered by up to 2 pixels; student 784-800-800-10 without regularization; distillation at T = 20; SGD.',
    numbers: [
      { key: 'teacher_test_errors', label: 'Teacher 784-1200-1200-10 test errors', value: 67, unit: 'errors', source: HINTON },
      { key: 'student_test_errors', label: 'Student 784-800-800-10 (hard labels) test errors', value: 146, unit: 'errors', source: HINTON },
      { key: 'distilled_test_errors', label: 'Student distilled at T = 20 test errors', value: 74, unit: 'errors', source: HINTON },
      { key: 'omit3_test_errors', label: 'Distilled without any 3 in the transfer set: test errors', value: 206, unit: 'errors', source: HINTON },
      { key: 'omit3_test_3s', label: '… test 3s', value: 1010, unit: 'count', source: HINTON },
      { key: 'omit3_errors_on_3s', label: '… of which on the 1,010 test 3s', value: 133, unit: 'errors', source: HINTON },
      { key: 'omit3_bias_offset', label: '… offset added to the 3-class bias (the paper: chosen to optimize test performance; here: on held-out training images)', value: 3.5, unit: 'count', source: HINTON },
      { key: 'omit3_bias_test_errors', label: '… after raising the 3-class bias: test errors', value: 109, unit: 'errors', source: HINTON },
      { key: 'omit3_bias_errors_on_3s', label: '… of which on 3s', value: 14, unit: 'errors', source: HINTON },
    ],
    claims: [
      'The distilled student makes far fewer errors than the same student trained on hard labels, close to the teacher.',
      'A student distilled without any 3 in its transfer set gets most test 3s right once the 3-class bias is raised (the paper: 14 errors on 1,010 test 3s, 98.6 % right).',
    ],
    training: [
      { key: 'jitter_pixels', label: 'Input jitter (teacher)', value: 2, source: HINTON },
      { key: 'optimizer', label: 'Optimizer', value: 'sgd', source: HINTON12, verified: false },
      { key: 'momentum_start', label: 'Momentum at the start', value: 0.5, source: HINTON12, verified: false },
      { key: 'momentum_final', label: 'Momentum after the ramp', value: 0.99, source: HINTON12, verified: false },
      { key: 'momentum_ramp_epochs', label: 'Epochs of the momentum ramp', value: 500, source: HINTON12, verified: false },
      { key: 'learning_rate', label: 'Learning rate ε₀ (the step is ε·(1 − momentum)·gradient)', value: 10, source: HINTON12, verified: false },
      { key: 'lr_decay_per_epoch', label: 'Learning-rate decay per epoch', value: 0.998, source: HINTON12, verified: false },
      { key: 'epochs', label: 'Epochs', value: 3000, source: HINTON12, verified: false },
      { key: 'batch_size', label: 'Mini-batch', value: 100, source: HINTON12, verified: false },
      { key: 'max_norm', label: 'Max L2 norm of a unit\'s incoming weights', value: 15, source: HINTON12, verified: false },
      { key: 'input_dropout', label: 'Input dropout', value: 0.2, source: HINTON12, verified: false },
      { key: 'hidden_dropout', label: 'Hidden dropout', value: 0.5, source: HINTON12, verified: false },
    ],
  },
  'deep-compression-lenet300': {
    id: 'deep-compression-lenet300',
    citation: 'Han, Mao, Dally 2016',
    title: 'Deep Compression, LeNet-300-100',
    where: HAN16,
    setting: 'LeNet-300-100 (266K params): prune to 8 % / 9 % / 26 % of the weights (8 % overall) with retraining, k-means weight sharing at 6 bits with centroid fine-tuning, 5-bit index gaps, Huffman coding; Caffe, SGD.',
    numbers: [
      { key: 'baseline_error_pct', label: 'Error before compression', value: 1.64, unit: 'error %', source: HAN16 },
      { key: 'compressed_error_pct', label: 'Error after compression', value: 1.58, unit: 'error %', source: HAN16 },
      { key: 'original_kb', label: 'Size before', value: 1070, unit: 'KB', source: HAN16 },
      { key: 'compressed_kb', label: 'Size after', value: 27, unit: 'KB', source: HAN16 },
      { key: 'compression_ratio', label: 'Compression ratio', value: 40, unit: '×', source: HAN16 },
      { key: 'compression_ratio_no_huffman', label: 'Compression ratio without Huffman coding', value: 32, unit: '×', source: HAN16 },
      { key: 'density_FC1', label: 'Weights kept, fc1', value: 0.08, unit: 'density', source: HAN16 },
      { key: 'density_FC2', label: 'Weights kept, fc2', value: 0.09, unit: 'density', source: HAN16 },
      { key: 'density_logits', label: 'Weights kept, fc3', value: 0.26, unit: 'density', source: HAN16 },
      { key: 'density_total', label: 'Weights kept, overall', value: 0.08, unit: 'density', source: HAN16 },
      { key: 'weight_bits', label: 'Weight bits (all layers)', value: 6, unit: 'bits', source: HAN16 },
      { key: 'index_bits', label: 'Index gap bits', value: 5, unit: 'bits', source: HAN16 },
      { key: 'pruned_error_pct', label: 'Pruning only: error', value: 1.59, unit: 'error %', source: HAN15 },
      { key: 'pruned_params', label: 'Pruning only: parameters kept', value: 22_000, unit: 'params', source: HAN15 },
    ],
    claims: ['Compression by about 40× without loss of accuracy (error within a few tenths of a point of the baseline).'],
    training: [
      { key: 'optimizer', label: 'Optimizer', value: 'sgd', source: CAFFE_LENET, verified: false },
      { key: 'momentum', label: 'Momentum', value: 0.9, source: CAFFE_LENET, verified: false },
      { key: 'weight_decay', label: 'Weight decay', value: 0.0005, source: CAFFE_LENET, verified: false },
      { key: 'learning_rate', label: 'Base learning rate', value: 0.01, source: CAFFE_LENET, verified: false },
      { key: 'lr_inv_gamma', label: '"inv" policy: lr = base·(1 + γ·iteration)^−power, γ', value: 0.0001, source: CAFFE_LENET, verified: false },
      { key: 'lr_inv_power', label: '"inv" policy power', value: 0.75, source: CAFFE_LENET, verified: false },
      { key: 'iterations', label: 'Training iterations', value: 10_000, source: CAFFE_LENET, verified: false },
      { key: 'batch_size', label: 'Mini-batch', value: 64, source: CAFFE_LENET, verified: false },
    ],
  },
  'deep-compression-lenet5': {
    id: 'deep-compression-lenet5',
    citation: 'Han, Mao, Dally 2016',
    title: 'Deep Compression, LeNet-5',
    where: HAN16,
    setting: 'Caffe LeNet-5 (431K params): prune to 66 % / 12 % / 8 % / 19 % (conv1, conv2, fc1, fc2) with retraining, k-means weight sharing at 8 bits (conv) and 5 bits (fc) with centroid fine-tuning, Huffman coding; SGD.',
    numbers: [
      { key: 'baseline_error_pct', label: 'Error before compression', value: 0.8, unit: 'error %', source: HAN16 },
      { key: 'compressed_error_pct', label: 'Error after compression', value: 0.74, unit: 'error %', source: HAN16 },
      { key: 'original_kb', label: 'Size before', value: 1720, unit: 'KB', source: HAN16 },
      { key: 'compressed_kb', label: 'Size after', value: 44, unit: 'KB', source: HAN16 },
      { key: 'compression_ratio', label: 'Compression ratio', value: 39, unit: '×', source: HAN16 },
      { key: 'compression_ratio_no_huffman', label: 'Compression ratio without Huffman coding', value: 33, unit: '×', source: HAN16 },
      { key: 'density_Conv1', label: 'Weights kept, conv1', value: 0.66, unit: 'density', source: HAN16 },
      { key: 'density_Conv2', label: 'Weights kept, conv2', value: 0.12, unit: 'density', source: HAN16 },
      { key: 'density_FC1', label: 'Weights kept, fc1', value: 0.08, unit: 'density', source: HAN16 },
      { key: 'density_logits', label: 'Weights kept, fc2', value: 0.19, unit: 'density', source: HAN16 },
      { key: 'conv_bits', label: 'Weight bits, conv layers', value: 8, unit: 'bits', source: HAN16 },
      { key: 'fc_bits', label: 'Weight bits, fc layers', value: 5, unit: 'bits', source: HAN16 },
      { key: 'pruned_error_pct', label: 'Pruning only: error', value: 0.77, unit: 'error %', source: HAN15 },
      { key: 'pruned_params', label: 'Pruning only: parameters kept', value: 36_000, unit: 'params', source: HAN15 },
    ],
    claims: ['Compression by about 39× without loss of accuracy (error within a few tenths of a point of the baseline).'],
    training: [
      { key: 'optimizer', label: 'Optimizer', value: 'sgd', source: CAFFE_LENET, verified: false },
      { key: 'momentum', label: 'Momentum', value: 0.9, source: CAFFE_LENET, verified: false },
      { key: 'weight_decay', label: 'Weight decay', value: 0.0005, source: CAFFE_LENET, verified: false },
      { key: 'learning_rate', label: 'Base learning rate', value: 0.01, source: CAFFE_LENET, verified: false },
      { key: 'lr_inv_gamma', label: '"inv" policy: lr = base·(1 + γ·iteration)^−power, γ', value: 0.0001, source: CAFFE_LENET, verified: false },
      { key: 'lr_inv_power', label: '"inv" policy power', value: 0.75, source: CAFFE_LENET, verified: false },
      { key: 'iterations', label: 'Training iterations', value: 10_000, source: CAFFE_LENET, verified: false },
      { key: 'batch_size', label: 'Mini-batch', value: 64, source: CAFFE_LENET, verified: false },
    ],
  },
  'dirvae-vs-gvae': {
    id: 'dirvae-vs-gvae',
    citation: 'Joo, Lee, Park, Moon 2020',
    title: 'Dirichlet VAE vs Gaussian VAE on MNIST',
    where: DIRVAE,
    setting: 'Dirichlet VAE against a Gaussian VAE on MNIST. The paper\'s NLL table, its prior α = 0.98 and its latent sizes 50 / 100 are UNVERIFIED here (not checked against the paper\'s text); only the qualitative claims are tested.',
    numbers: [
      { key: 'prior_alpha', label: 'Prior α', value: 0.98, unit: 'count', source: DIRVAE, verified: false },
      { key: 'latent_size_a', label: 'Latent size in the paper', value: 50, unit: 'count', source: DIRVAE, verified: false },
      { key: 'latent_size_b', label: 'Latent size in the paper', value: 100, unit: 'count', source: DIRVAE, verified: false },
    ],
    claims: [
      'The Dirichlet VAE has a better (lower) test NLL than the Gaussian VAE at the same latent size.',
      'The Dirichlet VAE shows no component collapsing (at least as many active dimensions as the Gaussian VAE).',
    ],
  },
  'keras-kd-example': {
    id: 'keras-kd-example',
    citation: 'keras.io, K. Borup',
    title: 'Keras "Knowledge Distillation" example',
    where: KERAS,
    setting: 'CNN teacher (1.43M params, 5 epochs), CNN student (20.5K params, 3 epochs), T = 10, Keras alpha = 0.1 (0.1·CE + 0.9·KL·T²; in our convention α weights the soft targets: α = 0.9), Adam, batch 64 (Keras default 32 in fit).',
    numbers: [
      { key: 'teacher_test_accuracy', label: 'Teacher test accuracy (text)', value: 0.976, unit: 'accuracy', source: KERAS },
      { key: 'student_test_accuracy', label: 'Student alone test accuracy (text)', value: 0.976, unit: 'accuracy', source: KERAS },
      { key: 'distilled_test_accuracy', label: 'Distilled student test accuracy (text)', value: 0.981, unit: 'accuracy', source: KERAS },
      { key: 'teacher_test_accuracy_keras3', label: 'Teacher test accuracy (recorded Keras 3 run)', value: 0.9781, unit: 'accuracy', source: KERAS_RUN },
      { key: 'student_test_accuracy_keras3', label: 'Student alone test accuracy (recorded Keras 3 run)', value: 0.9778, unit: 'accuracy', source: KERAS_RUN },
      { key: 'distilled_test_accuracy_keras3', label: 'Distilled student test accuracy (recorded Keras 3 run)', value: 0.9692, unit: 'accuracy', source: KERAS_RUN },
      { key: 'keras_alpha', label: 'Keras alpha (weight of the hard-label loss)', value: 0.1, unit: 'count', source: KERAS },
      { key: 'temperature', label: 'Temperature', value: 10, unit: 'count', source: KERAS },
    ],
    claims: ['The distilled student is at least as accurate as the student trained alone (the text says so; the recorded Keras 3 run does not).'],
  },
} as const satisfies Record<string, Reference>;

export type ReferenceId = keyof typeof REFERENCES;

/** A published number by reference and key (throws on a typo, so a report never prints a made-up number). */
export function published(ref: ReferenceId, key: string): PublishedNumber {
  const n = (REFERENCES[ref].numbers as readonly PublishedNumber[]).find((x) => x.key === key);
  if (!n) throw new Error(`references: ${ref} has no published number "${key}"`);
  return n;
}

/** A paper's training setting by reference and key (throws on a typo, like `published`). */
export function paperSetting(ref: ReferenceId, key: string): PaperSetting {
  const n = ((REFERENCES[ref] as Reference).training ?? []).find((x) => x.key === key);
  if (!n) throw new Error(`references: ${ref} has no training setting "${key}"`);
  return n;
}

/** A numeric training setting's value. */
export function paperNumber(ref: ReferenceId, key: string): number {
  const v = paperSetting(ref, key).value;
  if (typeof v !== 'number') throw new Error(`references: ${ref} training setting "${key}" is not a number`);
  return v;
}

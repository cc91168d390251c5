// Job configurations and the events a job process streams back. These are
// the process boundary's types: the CLI, the desktop app and serve mode all
// validate against the same schemas before a job starts.
import { z } from 'zod';

export const BackendSchema = z.enum(['tensorflow', 'wasm', 'cpu']);

/** Fields every training job shares (also the kd recipe's options). */
export const trainingFields = {
  dataset: z.string().min(1).default('mnist'),
  epochs: z.number().int().min(1, 'must be at least 1').max(1000).default(10),
  batchSize: z.number().int().min(1, 'must be at least 1').max(65536).default(64),
  learningRate: z.number().positive('must be greater than 0').max(10).default(0.001),
  trainLimit: z.number().int().positive('must be a positive number of images').optional(),
  testLimit: z.number().int().positive('must be a positive number of images').optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  backend: BackendSchema.optional(),
};

/** The training fields of any options object (CLI flags, recipe options), nothing else. */
export function pickTrainingFields(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(trainingFields).map((k) => [k, o[k]]));
}

/** Distillation's own knobs, with the seed's defaults. */
export const distillFields = {
  temperature: z.number().positive('must be greater than 0 (T = 1 is plain softmax)').max(1000).default(4),
  alpha: z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').default(0.5),
};

/** Split batches of convolutional models across two cores on the wasm backend. */
const dataParallel = z.boolean().default(true);

export const TrainConfigSchema = z.object({
  kind: z.literal('train'),
  model: z.enum(['teacher', 'student', 'lenet300']),
  dataParallel,
  ...trainingFields,
});

export const DistillConfigSchema = z.object({
  kind: z.literal('distill'),
  /** The student architecture trained against the teacher's soft targets. */
  model: z.enum(['teacher', 'student', 'lenet300']).default('student'),
  teacherRunId: z.string().min(1, 'is required'),
  dataParallel,
  ...distillFields,
  ...trainingFields,
});

export const AutoencoderConfigSchema = z.object({
  kind: z.literal('autoencoder'),
  model: z.enum(['conv', 'dense']).default('conv'),
  loss: z.enum(['bce', 'mse']).default('bce'),
  /** Reconstructions are also shown with logits / T before the sigmoid (the seed uses 0.6). */
  sharpenTemperature: z.number().positive('must be greater than 0').max(100).default(0.6),
  ...trainingFields,
});

export const AeDistillConfigSchema = z.object({
  kind: z.literal('ae-distill'),
  /** A completed conv autoencoder run: its 4×4×8 code guides the dense student's 128-d code. */
  teacherRunId: z.string().min(1, 'is required'),
  model: z.literal('dense').default('dense'),
  loss: z.enum(['bce', 'mse']).default('bce'),
  temperature: z.number().positive('must be greater than 0').max(1000).default(4),
  alpha: z.number().positive('must be greater than 0').max(1000).default(0.5),
  ...trainingFields,
});

const vaeFields = {
  /** Test images used for the importance-sampled log-likelihood (it costs samples × images decoder passes). */
  llImages: z.number().int().min(1, 'must be at least 1').max(10000).default(500),
  llSamples: z.number().int().min(1, 'must be at least 1').max(5000).default(100),
};

export const VaeConfigSchema = z.object({
  kind: z.literal('vae'),
  model: z.literal('gaussian').default('gaussian'),
  latentDim: z.number().int().min(1, 'must be at least 1').max(512).default(2),
  ...vaeFields,
  ...trainingFields,
});

export const DirVaeConfigSchema = z.object({
  kind: z.literal('dirvae'),
  model: z.literal('dirichlet').default('dirichlet'),
  latentDim: z.number().int().min(2, 'must be at least 2 (a Dirichlet lives on a simplex)').max(512).default(10),
  priorAlpha: z.number().positive('must be greater than 0').max(100).default(0.98),
  sampler: z.enum(['exact', 'icdf']).default('exact'),
  // The decoder sees only the normalized sample, so the closed-form Dirichlet KL is that
  // model's exact KL and gives the tighter ELBO; the paper's multi-Gamma KL adds a term on
  // the Gammas' total that taxes confident posteriors (issue 12).
  kl: z
    .enum(['dirichlet', 'multigamma'])
    .default('dirichlet')
    .describe("KL term of the ELBO: 'dirichlet' (closed-form Dirichlet KL, exact for this model, tighter) or 'multigamma' (the paper's, looser)"),
  ...vaeFields,
  ...trainingFields,
});

// ---- compression: each job takes a completed classifier run's model ----

/** Data and optimizer fields of a compression job (fine-tuning, calibration, evaluation). */
const { epochs: _epochs, ...dataFields } = trainingFields;
const sourceFields = {
  sourceRunId: z.string().min(1, 'is required'),
  /** Filled in from the source run, for tables. */
  model: z.string().optional(),
  ...dataFields,
};
const sparsity = z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');

export const PruneConfigSchema = z.object({
  kind: z.literal('prune'),
  method: z.enum(['unstructured', 'structured']).default('unstructured'),
  /** Structured pruning's ranking of units/filters; unstructured pruning always uses weight magnitude. */
  criterion: z.enum(['l1', 'l2', 'activation', 'apoz']).default('l1'),
  sparsity: sparsity.default(0.5),
  /** Per-layer targets, overriding `sparsity` for the layers named. */
  layerSparsity: z.record(z.string(), sparsity).optional(),
  scope: z.enum(['layer', 'global']).default('layer'),
  /** Layers to prune (default: every Dense/Conv2D; structured pruning never shrinks the output layer). */
  layers: z.array(z.string()).min(1, 'name at least one layer').optional(),
  /** Iterative pruning: reach the target in this many steps, fine-tuning after each. */
  steps: z.number().int().min(1, 'must be at least 1').max(50).default(1),
  finetuneEpochs: z.number().int().min(0, 'must be 0 or more').max(100).default(1),
  validationImages: z.number().int().min(1).max(10000).default(500),
  ...sourceFields,
});

export const SensitivityConfigSchema = z.object({
  kind: z.literal('sensitivity'),
  layers: z.array(z.string()).min(1, 'name at least one layer').optional(),
  sparsities: z.array(sparsity).min(1).default([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]),
  ...sourceFields,
});

export const QuantizeConfigSchema = z.object({
  kind: z.literal('quantize'),
  bits: z.number().int('must be an integer').min(2, 'must be from 2 to 8').max(8, 'must be from 2 to 8').default(8),
  perChannel: z.boolean().default(true),
  /** Training images run through the model to record activation ranges (written to the file for runtimes). */
  calibrationImages: z.number().int().min(1, 'must be at least 1').max(60000).default(500),
  ...sourceFields,
});

export const FactorizeConfigSchema = z.object({
  kind: z.literal('factorize'),
  /** Dense layers to factorize (default: every Dense layer but the output). */
  layers: z.array(z.string()).min(1, 'name at least one layer').optional(),
  /** One rank for every chosen layer… */
  rank: z.number().int('must be an integer').min(1, 'must be at least 1').optional(),
  /** …or per layer… */
  ranks: z.record(z.string(), z.number().int().min(1, 'must be at least 1')).optional(),
  /** …or the smallest rank keeping this share of Σσ² (the default, 0.9). */
  energy: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').default(0.9),
  finetuneEpochs: z.number().int().min(0).max(100).default(0),
  ...sourceFields,
});

export const ScoreConfigSchema = z.object({
  kind: z.literal('score'),
  /** Run whose model is the baseline (default: the seed's teacher CNN at 32 bits). */
  baselineRunId: z.string().optional(),
  convention: z.enum(['fp32', 'fp16']).default('fp32'),
  ...sourceFields,
});

export const FinetuneConfigSchema = z.object({
  kind: z.literal('finetune'),
  epochs: z.number().int().min(1, 'must be at least 1').max(1000).default(1),
  ...sourceFields,
});

export const COMPRESSION_KINDS = ['prune', 'sensitivity', 'quantize', 'factorize', 'score', 'finetune'] as const;

export const JobConfigSchema = z.discriminatedUnion('kind', [
  PruneConfigSchema,
  SensitivityConfigSchema,
  QuantizeConfigSchema,
  FactorizeConfigSchema,
  ScoreConfigSchema,
  FinetuneConfigSchema,
  TrainConfigSchema,
  DistillConfigSchema,
  AutoencoderConfigSchema,
  AeDistillConfigSchema,
  VaeConfigSchema,
  DirVaeConfigSchema,
]);
export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type DistillConfig = z.infer<typeof DistillConfigSchema>;
export type AutoencoderConfig = z.infer<typeof AutoencoderConfigSchema>;
export type AeDistillConfig = z.infer<typeof AeDistillConfigSchema>;
export type VaeConfig = z.infer<typeof VaeConfigSchema>;
export type DirVaeConfig = z.infer<typeof DirVaeConfigSchema>;
export type PruneConfig = z.infer<typeof PruneConfigSchema>;
export type SensitivityConfig = z.infer<typeof SensitivityConfigSchema>;
export type QuantizeConfig = z.infer<typeof QuantizeConfigSchema>;
export type FactorizeConfig = z.infer<typeof FactorizeConfigSchema>;
export type ScoreConfig = z.infer<typeof ScoreConfigSchema>;
export type FinetuneConfig = z.infer<typeof FinetuneConfigSchema>;
export type CompressionConfig = PruneConfig | SensitivityConfig | QuantizeConfig | FactorizeConfig | ScoreConfig | FinetuneConfig;
export type JobConfig = z.infer<typeof JobConfigSchema>;
export type JobKind = JobConfig['kind'];

/** Turns a zod error into "field: problem; field: problem" for users. */
export function describeZodError(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.length ? i.path.join('.') : 'config'}: ${i.message}`).join('; ');
}

export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

export function parseJobConfig(input: unknown): JobConfig {
  const r = JobConfigSchema.safeParse(input);
  if (!r.success) throw new ValidationError(describeZodError(r.error));
  return r.data;
}

// ---- parent → job process ----

export const StartMessageSchema = z.object({
  type: z.literal('start'),
  runId: z.string(),
  config: JobConfigSchema,
  /** Absolute folder where this run writes its artifacts. */
  runDir: z.string(),
  /** For distillation: the teacher's saved model folder. */
  teacherModelDir: z.string().optional(),
  /** For compression: the source run's model folder and its compression manifest (bits, scales). */
  sourceModelDir: z.string().optional(),
  sourceCompression: z.unknown().optional(),
  /** For scoring: the baseline's model folder, and the lineage root's (the uncompressed original). */
  baselineModelDir: z.string().optional(),
  originalModelDir: z.string().optional(),
});
export const CancelMessageSchema = z.object({ type: z.literal('cancel') });
export const ParentMessageSchema = z.discriminatedUnion('type', [StartMessageSchema, CancelMessageSchema]);
export type StartMessage = z.infer<typeof StartMessageSchema>;
/** What the parent resolves for a job before it starts (model folders of parent runs). */
export type JobInputs = Omit<StartMessage, 'type' | 'runId' | 'config' | 'runDir'>;
export type ParentMessage = z.infer<typeof ParentMessageSchema>;

// ---- job process → parent ----

export const ProgressEventSchema = z.object({
  type: z.literal('progress'),
  epoch: z.number().int(),
  epochs: z.number().int(),
  batch: z.number().int(),
  batches: z.number().int(),
  loss: z.number(),
  accuracy: z.number().optional(),
  /** Seconds left, estimated from the mean step time so far. */
  eta: z.number(),
  imagesPerSecond: z.number(),
});
export const MetricEventSchema = z.object({
  type: z.literal('metric'),
  scope: z.enum(['batch', 'epoch', 'final']),
  step: z.number().int(),
  epoch: z.number().int(),
  name: z.string(),
  value: z.number(),
  t: z.number(),
});
export const ArtifactEventSchema = z.object({
  type: z.literal('artifact'),
  kind: z.string(),
  name: z.string(),
  /** Absolute path; the parent stores it relative to the data folder. */
  path: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  meta: z.record(z.string(), z.unknown()).default({}),
});
export const LogEventSchema = z.object({
  type: z.literal('log'),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});
export const StartedEventSchema = z.object({
  type: z.literal('started'),
  backend: BackendSchema,
  device: z.string(),
  backendVersion: z.string(),
});
export const SummarySchema = z.record(z.string(), z.union([z.number(), z.string(), z.null()]));
export const DoneEventSchema = z.object({ type: z.literal('done'), summary: SummarySchema });
export const CancelledEventSchema = z.object({ type: z.literal('cancelled'), summary: SummarySchema });
export const FailedEventSchema = z.object({ type: z.literal('failed'), error: z.string() });

export const JobEventSchema = z.discriminatedUnion('type', [
  ProgressEventSchema,
  MetricEventSchema,
  ArtifactEventSchema,
  LogEventSchema,
  StartedEventSchema,
  DoneEventSchema,
  CancelledEventSchema,
  FailedEventSchema,
]);
export type JobEvent = z.infer<typeof JobEventSchema>;
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;
export type Summary = z.infer<typeof SummarySchema>;

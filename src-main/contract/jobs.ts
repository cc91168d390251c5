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

/** Distillation's own knobs, with the seed's defaults. */
export const distillFields = {
  temperature: z.number().positive('must be greater than 0 (T = 1 is plain softmax)').max(1000).default(4),
  alpha: z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').default(0.5),
};

export const TrainConfigSchema = z.object({
  kind: z.literal('train'),
  model: z.enum(['teacher', 'student']),
  ...trainingFields,
});

export const DistillConfigSchema = z.object({
  kind: z.literal('distill'),
  /** The student architecture trained against the teacher's soft targets. */
  model: z.enum(['teacher', 'student']).default('student'),
  teacherRunId: z.string().min(1, 'is required'),
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
  ...vaeFields,
  ...trainingFields,
});

export const JobConfigSchema = z.discriminatedUnion('kind', [
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
});
export const CancelMessageSchema = z.object({ type: z.literal('cancel') });
export const ParentMessageSchema = z.discriminatedUnion('type', [StartMessageSchema, CancelMessageSchema]);
export type StartMessage = z.infer<typeof StartMessageSchema>;
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

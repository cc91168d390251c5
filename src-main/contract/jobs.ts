// The job process boundary: the messages a parent sends a job process and
// the events it streams back. The job configs themselves are defined per
// kind in `kinds/` and re-exported here for the code that runs them.
import { z } from 'zod';
import { AppError, ValidationError } from './errors.js';
import { BackendSchema } from './kinds/common.js';
import { JobConfigSchema, type ConfigOf, type JobConfig } from './kinds/index.js';

export { BackendSchema, distillFields, pickTrainingFields, trainingFields } from './kinds/common.js';
export { JobConfigSchema, KINDS, type JobConfig, type JobKind } from './kinds/index.js';
export { AppError, ValidationError };

export type TrainConfig = ConfigOf<'train'>;
export type DistillConfig = ConfigOf<'distill'>;
export type AutoencoderConfig = ConfigOf<'autoencoder'>;
export type AeDistillConfig = ConfigOf<'ae-distill'>;
export type VaeConfig = ConfigOf<'vae'>;
export type DirVaeConfig = ConfigOf<'dirvae'>;
export type PruneConfig = ConfigOf<'prune'>;
export type SensitivityConfig = ConfigOf<'sensitivity'>;
export type QuantizeConfig = ConfigOf<'quantize'>;
export type FactorizeConfig = ConfigOf<'factorize'>;
export type ScoreConfig = ConfigOf<'score'>;
export type FinetuneConfig = ConfigOf<'finetune'>;
export type ImportConfig = ConfigOf<'import'>;
export type ClusterConfig = ConfigOf<'cluster'>;
export type ReportConfig = ConfigOf<'report'>;
export type CompressionConfig = PruneConfig | SensitivityConfig | QuantizeConfig | ClusterConfig | FactorizeConfig | ScoreConfig | FinetuneConfig;

/** Turns a zod error into "field: problem; field: problem" for users. */
export function describeZodError(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.length ? i.path.join('.') : 'config'}: ${i.message}`).join('; ');
}

/** A zod error as a ValidationError blaming its first field. */
export function zodToValidation(e: z.ZodError, prefix?: string): ValidationError {
  const first = e.issues[0]?.path.join('.');
  const msg = describeZodError(e);
  return prefix ? new ValidationError(`${prefix}: ${msg}`, prefix.split(' ')[0]) : new ValidationError(msg, first || undefined);
}

export function parseJobConfig(input: unknown): JobConfig {
  const r = JobConfigSchema.safeParse(input);
  if (!r.success) throw zodToValidation(r.error);
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
  /** Continue from the run's last checkpoint (runDir/checkpoints) instead of starting afresh. */
  resume: z.boolean().optional(),
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
/**
 * Where and with what a run was computed: Distillery's version and commit,
 * TensorFlow.js and backend versions, the kernel switches in effect, the
 * machine. Recorded by every job when it starts.
 */
export const ProvenanceSchema = z.object({
  distillery: z.object({ version: z.string(), commit: z.string().nullable() }),
  tfjs: z.object({ core: z.string(), backend: z.string(), backendVersion: z.string(), device: z.string() }),
  /** DISTILLERY_WASM_GEMM, DISTILLERY_NO_WINOGRAD, DISTILLERY_SINGLE_CORE as set (null: unset). */
  switches: z.record(z.string(), z.string().nullable()),
  machine: z.object({
    cpu: z.string(),
    cores: z.number(),
    os: z.string(),
    arch: z.string(),
    memoryBytes: z.number(),
    node: z.string(),
    gpu: z.string().nullable(),
  }),
  recordedAt: z.string(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

export const StartedEventSchema = z.object({
  type: z.literal('started'),
  backend: BackendSchema,
  device: z.string(),
  backendVersion: z.string(),
  provenance: ProvenanceSchema.optional(),
});
/** A complete end-of-epoch checkpoint is on disk (older ones are deleted). */
export const CheckpointEventSchema = z.object({
  type: z.literal('checkpoint'),
  epoch: z.number().int(),
  /** Absolute path; the parent stores it relative to the data folder. */
  path: z.string(),
  size: z.number().int(),
  /** Milliseconds spent gathering and writing it. */
  ms: z.number(),
});
/**
 * A model's size and speed, stored as columns so tables sort and filter on
 * them. Sizes in bytes; MicroNet storage in 32-bit (or 16-bit) parameter
 * units, its score against the seed's teacher at 32 bits. Null where not
 * computable (MicroNet needs a Dense/Conv2D chain) or not measured (latency).
 */
export const SizeCardSchema = z.object({
  params: z.number(),
  nonzeroParams: z.number(),
  float32Bytes: z.number(),
  storedBytes: z.number(),
  micronetStorageFp32: z.number().nullable(),
  micronetStorageFp16: z.number().nullable(),
  micronetOpsMult: z.number().nullable(),
  micronetOpsAdd: z.number().nullable(),
  micronetScore: z.number().nullable(),
  /** Milliseconds per image at batch 1 and at batch 64 (batch time / 64). */
  latencyB1Ms: z.number().nullable(),
  latencyB64Ms: z.number().nullable(),
  latencyBackend: z.string().nullable(),
  latencyMeasuredAt: z.string().nullable(),
  /** True when latency was measured after the run (on first open), not by its job. */
  latencyLater: z.boolean(),
});
export type SizeCard = z.infer<typeof SizeCardSchema>;
/** Sent by jobs whose run leaves a classifier, just before `done`. */
export const SizeCardEventSchema = z.object({ type: z.literal('sizecard'), card: SizeCardSchema });

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
  SizeCardEventSchema,
  CheckpointEventSchema,
  DoneEventSchema,
  CancelledEventSchema,
  FailedEventSchema,
]);
export type JobEvent = z.infer<typeof JobEventSchema>;
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;
export type Summary = z.infer<typeof SummarySchema>;

// The application API contract: one schema per method input, one TypeScript
// interface both hosts implement (Electron preload over IPC, HTTP in serve
// mode). Every payload crossing a process boundary is parsed with these
// schemas before the service sees it. Imported by the renderer too, so it
// must stay free of Node imports.
import { z } from 'zod';
import { JobConfigSchema, type JobEvent, type Provenance, type SizeCard, type Summary } from './jobs.js';
import { RECIPE_IDS } from './recipes/index.js';
import type { Comparison } from './analysis/comparison.js';
import type { SweepView } from './analysis/sweep.js';
export { AppError, ERROR_CODES, HTTP_STATUS, type ErrorBody, type ErrorCode } from './errors.js';

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunParent {
  id: string;
  role: string;
}

export interface Run {
  id: string;
  kind: string;
  status: RunStatus;
  name: string | null;
  dataset: string | null;
  model: string | null;
  config: Record<string, unknown>;
  seed: number | null;
  backend: string | null;
  device: string | null;
  backendVersion: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  summary: Summary;
  tags: string[];
  note: string;
  parents: RunParent[];
  children: RunParent[];
  /** Present once the size card was computed (runs that leave a classifier). */
  sizeCard?: SizeCard;
  /** The last end-of-epoch checkpoint a resume continues from; null when there is none. */
  checkpoint?: RunCheckpoint | null;
  /** Bytes the run's folder takes on disk (model, artifacts, checkpoint), as last measured; null before the first measure. */
  diskBytes?: number | null;
  /** What the run was computed with (version, commit, tfjs, kernel switches, machine); null for runs from before it was recorded. */
  provenance?: Provenance | null;
  /** The sweep this run belongs to (its setting and seed index); null when it is not a sweep's run. */
  sweep?: RunSweepLink | null;
}

export interface RunSweepLink {
  id: string;
  /** 0-based index of its setting in the sweep. */
  setting: number;
  /** k: its seed is the base seed + k. */
  seedIndex: number;
}

export interface RunCheckpoint {
  /** Epochs completed when it was written. */
  epoch: number;
  /** Relative to the data folder. */
  path: string;
  bytes: number;
}

export interface MetricRow {
  scope: 'batch' | 'epoch' | 'final';
  step: number;
  epoch: number;
  name: string;
  value: number;
  t: number;
}

export interface ArtifactRow {
  id: number;
  kind: string;
  name: string;
  path: string;
  size: number;
  sha256: string;
  meta: Record<string, unknown>;
  createdAt: string;
}

export interface LogRow {
  t: number;
  level: string;
  message: string;
}

export interface RunDetail {
  run: Run;
  metrics: MetricRow[];
  artifacts: ArtifactRow[];
  logs: LogRow[];
}

export interface SoftenResult {
  image: number;
  label: number;
  temperature: number;
  logits: number[];
  probabilities: number[];
  softened: number[];
  predicted: number;
  predictedSoftened: number;
  pixels: number[];
  rows: number;
  cols: number;
}

export const EXPORT_FORMATS = ['tfjs', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportedFile {
  name: string;
  path: string;
  size: number;
  sha256: string;
}

/** What `export-model` wrote and how the other runtime agreed (service/model-export.ts). */
export interface ExportReport {
  runId: string;
  format: ExportFormat;
  /** verified: the other runtime agrees; not verified: it is not installed; failed: it disagrees (files removed). */
  status: 'verified' | 'not verified' | 'failed';
  reason?: string;
  folder: string;
  files: ExportedFile[];
  bytes: number;
  gzipBytes: number;
  /** Size of the same export with every weight in float32, and this export's share of it. */
  float32Bytes: number;
  sizeRatio: number;
  quantized: string[];
  /** uint8 tfjs weights: largest extra rounding onto the per-tensor grid. ONNX: largest |DequantizeLinear − saved| (float32 scales). */
  weightMaxDiff: number;
  verification?: {
    images: number;
    agreement: number;
    maxLogitDiff: number;
    runtime: string;
    threshold: number;
    distilleryAccuracy: number;
    exportAccuracy: number;
  };
  /** The exported model's inference time in the other runtime (verified exports). */
  latency?: { runtime: string; b1Ms: number; b64Ms: number };
  steps: string[];
}

export interface Settings {
  concurrency: number;
}

export interface DatasetInfo {
  name: string;
  available: boolean;
}

const RunId = z.string().regex(/^[0-9a-f]{1,32}$/, 'must be a run id (hex)');

export const ListRunsInput = z.object({ kind: z.string().optional(), status: z.enum(RUN_STATUSES).optional() }).strict();
export const RunIdInput = z.object({ id: RunId }).strict();
export const RunIdsInput = z.object({ ids: z.array(RunId).min(1, 'select at least one run').max(10000) }).strict();
export const StartJobInput = z.object({ config: JobConfigSchema, name: z.string().max(200).optional() }).strict();
/** A recipe and its options; the options are checked against the recipe's own schema by the service. */
export const StartRecipeInput = z.object({ recipe: z.enum(RECIPE_IDS), options: z.record(z.string(), z.unknown()).default({}) }).strict();
export const UpdateRunInput = z
  .object({
    id: RunId,
    tags: z.array(z.string().trim().min(1, 'a tag cannot be empty').max(40, 'a tag is at most 40 characters')).max(50).optional(),
    note: z.string().max(10000).optional(),
  })
  .strict();
export const SoftenInput = z
  .object({
    id: RunId,
    image: z.number().int().min(0, 'must be 0 or more'),
    temperature: z.number().positive('must be greater than 0').max(1000),
  })
  .strict();
export const SettingsInput = z.object({ concurrency: z.number().int().min(1, 'must be at least 1').max(16, 'must be at most 16') }).strict();
export const EmptyInput = z.object({}).strict();
export const ArtifactInput = z.object({ id: RunId, artifactId: z.number().int().positive() }).strict();
export const ExportModelInput = z
  .object({
    id: RunId,
    format: z.enum(EXPORT_FORMATS),
    /** Folder on the service's machine; default: exports/<format> in the run's folder. */
    out: z.string().trim().min(1).max(1000).optional(),
  })
  .strict();

/** Input of a comparison (src-main/compare/compare.ts compareRuns). */
export const CompareInput = z
  .object({
    ids: z.array(RunId).min(1, 'select at least one run').max(100, 'compare at most 100 runs'),
    baseline: RunId.optional(),
    metrics: z.array(z.string().min(1).max(200)).max(500).optional(),
    scopes: z.array(z.enum(['batch', 'epoch', 'final'])).min(1).optional(),
    lastN: z.number().int().min(1, 'must be at least 1').max(100000).optional(),
    allConfig: z.boolean().optional(),
  })
  .strict();

/** Input of Store.metricsForCompare (chart series). */
export const CompareSeriesInput = z
  .object({
    ids: z.array(RunId).min(1, 'select at least one run').max(100, 'compare at most 100 runs'),
    names: z.array(z.string().min(1).max(200)).max(500).default([]),
    scope: z.enum(['batch', 'epoch', 'final']).default('epoch'),
    xAxis: z.enum(['step', 'epoch', 'time']).default('step'),
    budget: z.number().int().min(2, 'must be at least 2').max(10000, 'must be at most 10000').default(500),
  })
  .strict();

/** Input of a comparison export: the HTML report or the CSV of the runs. */
export const CompareExportInput = CompareInput.extend({
  format: z.enum(['html', 'csv']),
  title: z.string().max(200).optional(),
  /** Charts in the HTML report: these metrics' series (scope, x axis, budget as in CompareSeriesInput). */
  charts: CompareSeriesInput.omit({ ids: true }).optional(),
}).strict();

/** Bundles travel through the API base64-encoded: at most this many bytes of archive (the CLI has no limit). */
export const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;
export const ExportBundleInput = z.object({ ids: z.array(RunId).min(1, 'select at least one run').max(10000) }).strict();
export const ImportBundleInput = z.object({ name: z.string().max(300).optional(), dataBase64: z.string().min(1, 'the file is empty').max(Math.ceil((MAX_BUNDLE_BYTES * 4) / 3) + 4, `a bundle here is at most ${MAX_BUNDLE_BYTES / 2 ** 20} MiB; use \`distillery import\` for larger ones`) }).strict();

export const ExportSweepInput = z.object({ id: RunId, format: z.enum(['csv', 'html']).default('csv') }).strict();

/** Method name → input schema. The transport adapters iterate this map. */
export const API_INPUTS = {
  listRuns: ListRunsInput,
  getRun: RunIdInput,
  startJob: StartJobInput,
  startRecipe: StartRecipeInput,
  cancelRun: RunIdInput,
  resumeRun: RunIdInput,
  deleteRuns: RunIdsInput,
  updateRun: UpdateRunInput,
  soften: SoftenInput,
  getSettings: EmptyInput,
  setSettings: SettingsInput,
  listDatasets: EmptyInput,
  getArtifact: ArtifactInput,
  exportBundle: ExportBundleInput,
  importBundle: ImportBundleInput,
  compareRuns: CompareInput,
  compareSeries: CompareSeriesInput,
  exportComparison: CompareExportInput,
  exportModel: ExportModelInput,
  getSweep: RunIdInput,
  exportSweep: ExportSweepInput,
} as const;

export type ApiMethod = keyof typeof API_INPUTS;
export type ApiInput<M extends ApiMethod> = z.input<(typeof API_INPUTS)[M]>;

export interface DistilleryApi {
  listRuns(input: ApiInput<'listRuns'>): Promise<Run[]>;
  getRun(input: ApiInput<'getRun'>): Promise<RunDetail>;
  startJob(input: ApiInput<'startJob'>): Promise<Run>;
  /** Queues a recipe's steps; returns the first step's run. */
  startRecipe(input: ApiInput<'startRecipe'>): Promise<Run>;
  cancelRun(input: ApiInput<'cancelRun'>): Promise<{ cancelled: boolean }>;
  /**
   * Continues an interrupted, cancelled or failed run in place (same id) from
   * its last checkpoint; metrics logged after that checkpoint are dropped.
   * Refused (conflict) for a queued, running or completed run, (invalid) for one without a checkpoint.
   */
  resumeRun(input: ApiInput<'resumeRun'>): Promise<Run>;
  deleteRuns(input: ApiInput<'deleteRuns'>): Promise<{ deleted: string[] }>;
  updateRun(input: ApiInput<'updateRun'>): Promise<Run>;
  soften(input: ApiInput<'soften'>): Promise<SoftenResult>;
  getSettings(input: ApiInput<'getSettings'>): Promise<Settings>;
  setSettings(input: ApiInput<'setSettings'>): Promise<Settings>;
  listDatasets(input: ApiInput<'listDatasets'>): Promise<DatasetInfo[]>;
  /** A small artifact (image, JSON) as a data: URL, so both hosts can show it without file access. */
  getArtifact(input: ApiInput<'getArtifact'>): Promise<{ name: string; mime: string; dataUrl: string }>;
  /** The runs (and their ancestors) as a .distillery bundle, base64-encoded, for a download. */
  exportBundle(input: ApiInput<'exportBundle'>): Promise<{ name: string; dataBase64: string; runs: string[]; bytes: number }>;
  /** Imports a .distillery bundle sent base64-encoded (every hash checked; importing twice changes nothing). */
  importBundle(input: ApiInput<'importBundle'>): Promise<{ imported: string[]; skipped: string[]; renamed: Record<string, string> }>;
  /** Summary rows, reduced metrics, baseline deltas and the config diff of several runs. */
  compareRuns(input: ApiInput<'compareRuns'>): Promise<Comparison>;
  /** Metric series of several runs, downsampled to a points budget (first/min/max/last per bucket). */
  compareSeries(input: ApiInput<'compareSeries'>): Promise<CompareSeries[]>;
  /** The comparison as one self-contained HTML report or as CSV. */
  exportComparison(input: ApiInput<'exportComparison'>): Promise<{ name: string; mime: string; text: string }>;
  /** Writes the run's classifier as a tfjs or ONNX model, verified with that runtime, recorded as artifacts. */
  exportModel(input: ApiInput<'exportModel'>): Promise<ExportReport>;
  /** A sweep's runs and each setting's mean, std, range and best/worst seed per final metric. */
  getSweep(input: ApiInput<'getSweep'>): Promise<SweepView>;
  /** The sweep table as CSV (one row per setting), or the sweep as a self-contained HTML report. */
  exportSweep(input: ApiInput<'exportSweep'>): Promise<{ name: string; mime: string; text: string }>;
  /** Live updates; returns an unsubscribe function. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

/** Pushed to every open window: a run's row changed, a job streamed an event, or another process changed the database. */
export type ApiEvent =
  | { type: 'run'; run: Run }
  | { type: 'deleted'; ids: string[] }
  | { type: 'job'; runId: string; event: JobEvent }
  | { type: 'changed' };

/** Errors cross the boundary as { error: ErrorBody } (see errors.ts). */
export interface ApiErrorBody {
  error: import('./errors.js').ErrorBody;
}

// ---- Compare (src-main/compare, src-main/report) --------------------------

/** Which x a comparison chart plots a metric against. */
export type CompareXAxis = 'step' | 'epoch' | 'time';

/** One run's metric, downsampled for a chart (see src-main/db/downsample.ts). */
export interface CompareSeries {
  runId: string;
  name: string;
  scope: MetricRow['scope'];
  xAxis: CompareXAxis;
  x: number[];
  y: number[];
  /** Points stored before downsampling. */
  points: number;
}

export type { Provenance, SizeCard };


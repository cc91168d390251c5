// The new-experiment form's sweep switch: which fields may vary, the sweep
// config it sends, whether that config would start (checked with the
// service's own expansion, so the count shown is the count started), and how
// long its runs may take judging by earlier runs. Pure, so it is tested in Node.
import type { z } from 'zod';
import type { Run } from '../../src-main/contract/api.js';
import { AppError } from '../../src-main/contract/errors.js';
import { fieldsOf, type FieldInfo } from '../../src-main/contract/fields.js';
import { describeZodError } from '../../src-main/contract/jobs.js';
import { sweep } from '../../src-main/contract/kinds/sweep.js';
import { settingLabel, sweepMemberConfigs, type SweepSetting, type Vary } from '../../src-main/contract/sweeps/spec.js';

/** The types expandSettings can vary; lists and records of values cannot be one value of a setting. */
const VARIABLE_TYPES = new Set(['number', 'integer', 'enum', 'boolean', 'string']);

/** Fields a sweep may vary; the seed is set by "seeds per setting" instead. */
export const variableFields = (fields: FieldInfo[]): FieldInfo[] => fields.filter((f) => VARIABLE_TYPES.has(f.type) && f.name !== 'seed');

/** Three seeds show whether a difference is larger than seed-to-seed noise at a tolerable cost (as the CLI suggests). */
export const DEFAULT_SEEDS = 3;
export const DEFAULT_SAMPLES = 10;

/** Whether any spec is a random draw, which is what "samples" counts. */
export const hasDraw = (vary: Vary[]): boolean => vary.some((v) => /^\s*(uniform|loguniform):/i.test(v.spec));

/** What the sweep section holds; empty number inputs are null. */
export interface SweepForm {
  vary: Vary[];
  seeds: number | null;
  samples: number | null;
}

export interface SweepConfigInput {
  kind: 'sweep';
  base: Record<string, unknown>;
  vary: Vary[];
  seeds: number | null;
  samples?: number | null;
}

/** The config startJob gets: the base without the varied fields (their inputs are ignored), samples only with a draw. */
export function buildSweepConfig(base: Record<string, unknown>, form: SweepForm): SweepConfigInput {
  const varied = new Set(form.vary.map((v) => v.field));
  return {
    kind: 'sweep',
    base: Object.fromEntries(Object.entries(base).filter(([k]) => !varied.has(k))),
    vary: form.vary.map((v) => ({ field: v.field, spec: v.spec.trim() })),
    seeds: form.seeds,
    ...(hasDraw(form.vary) ? { samples: form.samples } : {}),
  };
}

export type SweepPlan =
  | { ok: true; settings: SweepSetting[]; runs: number; /** Each run's config as its kind's schema parses it (defaults filled in). */ members: Record<string, unknown>[] }
  | { ok: false; error: string };

const countError = (name: 'seeds' | 'samples', v: number | null | undefined): string | null => {
  if (v === null || v === undefined || Number.isNaN(v)) return `${name}: give a number`;
  const r = sweep.schema.shape[name].safeParse(v);
  return r.success ? null : `${name}: ${r.error.issues[0].message}`;
};

/**
 * What the service's plan would say of this sweep, short of the checks that
 * need the database (datasets on disk, the runs a config names): the
 * settings and runs, or the first problem, worded as the service words it.
 */
export function planSweep(config: SweepConfigInput, schema: z.ZodObject): SweepPlan {
  const fail = (error: string): SweepPlan => ({ ok: false, error });
  const seedsError = countError('seeds', config.seeds);
  if (seedsError) return fail(seedsError);
  const samplesError = 'samples' in config ? countError('samples', config.samples) : null;
  if (samplesError) return fail(samplesError);
  let expanded: ReturnType<typeof sweepMemberConfigs>;
  try {
    expanded = sweepMemberConfigs({ base: config.base, vary: config.vary, seeds: config.seeds!, samples: config.samples ?? undefined }, fieldsOf(schema));
  } catch (e) {
    if (e instanceof AppError) return fail(e.message);
    throw e;
  }
  const { settings, runs } = expanded;
  const members: Record<string, unknown>[] = [];
  for (const m of expanded.members) {
    const r = schema.safeParse(m.config);
    if (!r.success) return fail(`setting ${settingLabel(m.setting.values)}: ${describeZodError(r.error)}`);
    members.push(r.data as Record<string, unknown>);
  }
  return { ok: true, settings, runs, members };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** "4 settings × 2 seeds = 8 runs" */
export const countText = (settings: number, seeds: number, runs: number): string => `${plural(settings, 'setting')} × ${plural(seeds, 'seed')} = ${plural(runs, 'run')}`;

/** MNIST's and Fashion-MNIST's training set: what an unset trainLimit means. */
export const FULL_TRAIN_IMAGES = 60000;

/** A run's cost in epochs × training images; kinds without epochs count as one pass. */
const workOf = (config: Record<string, unknown>, defaultEpochs: number | undefined): number =>
  (typeof config.epochs === 'number' ? config.epochs : (defaultEpochs ?? 1)) * (typeof config.trainLimit === 'number' ? config.trainLimit : FULL_TRAIN_IMAGES);

const median = (xs: number[]): number => {
  const s = xs.toSorted((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** "12 min", "1.5 h": as precise as an estimate from other runs deserves. */
export function fmtDuration(ms: number): string {
  const min = ms / 60000;
  if (min < 1) return 'under a minute';
  if (min < 90) return `about ${Math.round(min)} min`;
  const h = min / 60;
  return h < 48 ? `about ${Number(h.toFixed(1))} h` : `about ${Number((h / 24).toFixed(1))} days`;
}

export interface EstimateInput {
  kind: string;
  /** The sweep's run configs, parsed (planSweep's members). */
  members: Record<string, unknown>[];
  /** Every run known to the renderer; the completed ones of the same kind and model are the reference. */
  runs: Run[];
  /** Runs at once (Settings). */
  concurrency: number;
  /** The kind's default epochs, for stored configs that left it out. */
  defaultEpochs?: number;
}

export type Estimate = { ms: number; text: string } | { ms: null; text: string };

/**
 * The sweep's wall time: per run, the median of earlier same-kind,
 * same-model runs' durations scaled by epochs and training images, summed and
 * spread over the runs at once (never less than its longest run).
 */
export function estimateSweep(input: EstimateInput): Estimate {
  const byId = new Map(input.runs.map((r) => [r.id, r]));
  // Compression configs name their model only through their source run.
  const modelOf = (c: Record<string, unknown>): string | null =>
    typeof c.model === 'string' ? c.model : typeof c.sourceRunId === 'string' ? (byId.get(c.sourceRunId)?.model ?? null) : null;
  const rateByModel = new Map<string | null, number | null>();
  const rateFor = (model: string | null): number | null => {
    if (!rateByModel.has(model)) {
      const rates = input.runs
        .filter((r) => r.kind === input.kind && r.status === 'completed' && r.startedAt && r.finishedAt && (model === null || r.model === model))
        .map((r) => (Date.parse(r.finishedAt!) - Date.parse(r.startedAt!)) / workOf(r.config, input.defaultEpochs))
        .filter((x) => Number.isFinite(x) && x >= 0);
      rateByModel.set(model, rates.length ? median(rates) : null);
    }
    return rateByModel.get(model)!;
  };
  let total = 0;
  let longest = 0;
  for (const m of input.members) {
    const rate = rateFor(modelOf(m));
    if (rate === null) return { ms: null, text: `no earlier ${input.kind} run to estimate from` };
    const ms = rate * workOf(m, input.defaultEpochs);
    total += ms;
    longest = Math.max(longest, ms);
  }
  const c = Math.max(1, input.concurrency);
  const ms = Math.max(total / c, longest);
  return { ms, text: `${fmtDuration(ms)} at ${c} at a time` };
}

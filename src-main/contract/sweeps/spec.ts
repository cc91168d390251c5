// A sweep's settings from its "vary" specs: lists, evenly spaced ranges
// (linear or logarithmic) and seeded random draws, crossed with each other
// and with the seeds. Pure and free of Node, so the form shows the count of
// runs a sweep will start with the very code that starts them.
import { ValidationError } from '../errors.js';
import type { FieldInfo } from '../fields.js';

export type VarySpec =
  | { type: 'list'; values: string[] }
  | { type: 'lin' | 'log'; from: number; to: number; points: number }
  | { type: 'uniform' | 'loguniform'; from: number; to: number };

export type SweepValue = number | string | boolean;

/** One varied field as the user typed it: the config field's name and its spec. */
export interface Vary {
  field: string;
  spec: string;
}

/** One combination of the varied fields' values. */
export interface SweepSetting {
  index: number;
  values: Record<string, SweepValue>;
}

/**
 * A typo such as `lin:1..10:1000` should not queue a thousand jobs: a sweep
 * is refused above this many runs (split it, or raise it here knowingly).
 */
export const MAX_SWEEP_RUNS = 500;
/** Points of one range, for the same reason. */
const MAX_POINTS = 200;

const num = (s: string) => (s.trim() === '' ? NaN : Number(s));

/** "A..B" → [A, B] (NaN where an end is not a number). */
function bounds(text: string): [number, number] {
  const parts = text.split('..');
  return parts.length === 2 ? [num(parts[0]), num(parts[1])] : [NaN, NaN];
}

/** Parses one spec: `1,2,4,8`, `lin:0.1..0.9:5`, `log:1e-4..1e-2:5`, `uniform:0.1..0.9`, `loguniform:1e-4..1e-2`. */
export function parseVarySpec(spec: string, field = 'vary'): VarySpec {
  const s = spec.trim();
  const bad = (why: string) => new ValidationError(`${field}: ${why}`, field);
  if (s === '') throw bad('give a list (1,2,4), a range (lin:0.1..0.9:5, log:1e-4..1e-2:5) or a draw (uniform:0.1..0.9, loguniform:1e-4..1e-2)');
  const prefix = /^([a-z]+):(.*)$/i.exec(s);
  const type = prefix?.[1].toLowerCase();
  if (type === 'lin' || type === 'log') {
    const at = prefix![2].lastIndexOf(':');
    if (at < 0) throw bad(`"${s}": a range needs its number of points (${type}:A..B:N, 2 to ${MAX_POINTS} points)`);
    const [from, to] = bounds(at < 0 ? '' : prefix![2].slice(0, at));
    const points = at < 0 ? NaN : num(prefix![2].slice(at + 1));
    if (!Number.isFinite(from) || !Number.isFinite(to)) throw bad(`"${s}": write a range as ${type}:A..B:N with numbers A and B`);
    if (!Number.isInteger(points) || points < 2 || points > MAX_POINTS) throw bad(`"${s}": a range takes 2 to ${MAX_POINTS} points (the N of ${type}:A..B:N)`);
    if (type === 'log' && (from <= 0 || to <= 0)) throw bad(`"${s}": a log range needs both ends greater than 0`);
    return { type, from, to, points };
  }
  if (type === 'uniform' || type === 'loguniform') {
    const [from, to] = bounds(prefix![2]);
    if (!Number.isFinite(from) || !Number.isFinite(to)) throw bad(`"${s}": write a draw as ${type}:A..B with numbers A and B`);
    if (from >= to) throw bad(`"${s}": the lower bound must be below the upper one`);
    if (type === 'loguniform' && from <= 0) throw bad(`"${s}": a loguniform draw needs both bounds greater than 0`);
    return { type, from, to };
  }
  if (prefix && !s.includes(',')) throw bad(`"${s}": unknown spec "${prefix[1]}:" (lin:A..B:N, log:A..B:N, uniform:A..B, loguniform:A..B, or a list a,b,c)`);
  const values = s.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) throw bad(`"${s}": the list has an empty item`);
  if (new Set(values).size !== values.length) throw bad(`"${s}": the list repeats a value`);
  return { type: 'list', values };
}

export const isRandom = (v: VarySpec) => v.type === 'uniform' || v.type === 'loguniform';

/** Evenly spaced points (log: evenly spaced exponents), ends included. */
function rangePoints(v: Extract<VarySpec, { type: 'lin' | 'log' }>): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.points; i++) {
    const f = i / (v.points - 1);
    out.push(v.type === 'lin' ? v.from + f * (v.to - v.from) : Math.exp(Math.log(v.from) + f * (Math.log(v.to) - Math.log(v.from))));
  }
  // Ends exactly as typed; inner points without float noise (0.30000000000000004 → 0.3).
  return out.map((x, i) => (i === 0 ? v.from : i === out.length - 1 ? v.to : Number(x.toPrecision(12))));
}

/** A small seeded generator (mulberry32): the same sweep draws the same values on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A typed value for the field from one list item or range point; the member's schema checks bounds later. */
function coerce(info: FieldInfo, raw: string | number, label: string): SweepValue {
  const bad = (why: string) => new ValidationError(`${label}: ${why}`, label);
  switch (info.type) {
    case 'integer':
    case 'number': {
      const n = typeof raw === 'number' ? raw : num(raw);
      if (!Number.isFinite(n)) throw bad(`"${raw}" is not a number`);
      // Integer fields take rounded range points (log:16..512:6 → 16, 32, …).
      return info.type === 'integer' ? Math.round(n) : n;
    }
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw bad(`"${raw}" is not true or false`);
    case 'enum':
      if (!info.options!.includes(String(raw))) throw bad(`"${raw}" is not one of ${info.options!.join(', ')}`);
      return String(raw);
    case 'string':
      return String(raw);
    default:
      throw bad(`a ${info.type} field cannot be varied`);
  }
}

export interface ExpandInput {
  vary: Vary[];
  /** The config fields of the swept kind (from its schema). */
  fields: FieldInfo[];
  /** Random draws per sweep (required with a uniform/loguniform spec). */
  samples?: number;
  /** Seeds the random draws. */
  drawSeed: number;
  /** How the user names a field in messages (the CLI's flag, the form's label). */
  label?: (field: string) => string;
}

/**
 * The settings of a sweep: every combination of the listed and ranged
 * fields' values, times `samples` joint random draws of the drawn fields.
 */
export function expandSettings(input: ExpandInput): SweepSetting[] {
  const label = input.label ?? ((f: string) => f);
  if (input.vary.length === 0) throw new ValidationError('vary: name at least one field to vary', 'vary');
  const seen = new Set<string>();
  const axes: { field: string; values: SweepValue[] }[] = [];
  const draws: { field: string; spec: Extract<VarySpec, { type: 'uniform' | 'loguniform' }>; info: FieldInfo }[] = [];
  for (const v of input.vary) {
    const name = label(v.field);
    const info = input.fields.find((f) => f.name === v.field);
    if (!info || info.meta.internal || info.type === 'literal') throw new ValidationError(`vary: ${name} is not a field of this kind`, 'vary');
    if (v.field === 'seed') throw new ValidationError(`vary: ${name} is set by the number of seeds (seed k of a setting uses the base seed + k)`, 'vary');
    if (seen.has(v.field)) throw new ValidationError(`vary: ${name} is varied twice`, 'vary');
    seen.add(v.field);
    const spec = parseVarySpec(v.spec, name);
    if (spec.type !== 'list' && info.type !== 'number' && info.type !== 'integer') throw new ValidationError(`${name}: ranges and draws need a number field; give a list of values`, name);
    if (spec.type === 'list') axes.push({ field: v.field, values: spec.values.map((x) => coerce(info, x, name)) });
    else if (isRandom(spec)) draws.push({ field: v.field, spec: spec as Extract<VarySpec, { type: 'uniform' | 'loguniform' }>, info });
    else {
      // Rounded integer points can repeat (lin:1..3:5): keep each value once.
      const values = [...new Set(rangePoints(spec as Extract<VarySpec, { type: 'lin' | 'log' }>).map((x) => coerce(info, x, name)))];
      axes.push({ field: v.field, values });
    }
  }
  if (draws.length && !input.samples) throw new ValidationError(`samples: a random draw (${draws.map((d) => label(d.field)).join(', ')}) needs the number of samples`, 'samples');
  if (!draws.length && input.samples) throw new ValidationError('samples: only random draws (uniform:, loguniform:) take samples', 'samples');

  let grid: Record<string, SweepValue>[] = [{}];
  for (const a of axes) grid = grid.flatMap((g) => a.values.map((v) => ({ ...g, [a.field]: v })));
  if (draws.length) {
    const rand = seededRandom(input.drawSeed);
    const samples = Array.from({ length: input.samples! }, () =>
      Object.fromEntries(
        draws.map((d) => {
          const u = rand();
          const x = d.spec.type === 'uniform' ? d.spec.from + u * (d.spec.to - d.spec.from) : Math.exp(Math.log(d.spec.from) + u * (Math.log(d.spec.to) - Math.log(d.spec.from)));
          return [d.field, coerce(d.info, Number(x.toPrecision(6)), label(d.field))];
        }),
      ),
    );
    grid = grid.flatMap((g) => samples.map((s) => ({ ...g, ...s })));
  }
  return grid.map((values, index) => ({ index, values }));
}

/** How many runs a sweep starts; refused above MAX_SWEEP_RUNS. */
export function checkRunCount(settings: number, seeds: number): number {
  const n = settings * seeds;
  if (n > MAX_SWEEP_RUNS) throw new ValidationError(`vary: ${settings} settings × ${seeds} seeds = ${n} runs, more than the ${MAX_SWEEP_RUNS} a sweep may start; narrow it`, 'vary');
  return n;
}

/** "temperature=4, alpha=0.5": a setting as one line. */
export function settingLabel(values: Record<string, SweepValue>, label: (field: string) => string = (f) => f): string {
  return Object.entries(values)
    .map(([k, v]) => `${label(k)}=${typeof v === 'number' ? Number(v.toPrecision(6)) : v}`)
    .join(', ');
}

/** One run of a sweep before it is validated: its setting, seed index k and config. */
export interface SweepMemberConfig {
  setting: SweepSetting;
  seedIndex: number;
  config: Record<string, unknown>;
}

/**
 * A sweep's settings and its runs' configs (base, then the setting's values,
 * seed = base seed + k), in setting then seed order; what the service
 * validates and records and what the form counts. A required field given
 * neither in the base nor by a varied field is named once here, not per
 * setting. Each config still needs its kind's checks.
 */
export function sweepMemberConfigs(
  input: { base: Record<string, unknown>; vary: Vary[]; seeds: number; samples?: number },
  fields: FieldInfo[],
  label: (field: string) => string = (f) => f,
): { seed0: number; settings: SweepSetting[]; runs: number; members: SweepMemberConfig[] } {
  const varied = new Set(input.vary.map((v) => v.field));
  const missing = fields.find((f) => f.required && f.name !== 'kind' && !f.meta.internal && input.base[f.name] === undefined && !varied.has(f.name));
  if (missing) throw new ValidationError(`${label(missing.name)}: is required`, missing.name);
  const seedField = fields.find((f) => f.name === 'seed');
  const seed0 = typeof input.base.seed === 'number' ? input.base.seed : Number(seedField?.default ?? 0);
  const settings = expandSettings({ vary: input.vary, fields, samples: input.samples, drawSeed: seed0, label });
  const runs = checkRunCount(settings.length, input.seeds);
  const members = settings.flatMap((setting) => Array.from({ length: input.seeds }, (_, k) => ({ setting, seedIndex: k, config: { ...input.base, ...setting.values, seed: seed0 + k } })));
  return { seed0, settings, runs, members };
}

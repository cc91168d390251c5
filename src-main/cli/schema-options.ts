// CLI flags generated from a config schema: names, types, choices, help
// texts and required-ness all come from the schema (and the kind's short
// list of renamed flags), so the CLI cannot drift from the forms. Defaults
// are shown in the help but left to the schema to apply.
import { Command, InvalidArgumentError, Option } from 'commander';
import { AppError } from '../contract/errors.js';
import { fieldsOf, type FieldInfo } from '../contract/fields.js';
import { COMMON_FLAGS } from '../contract/kinds/index.js';
import type { z } from 'zod';

export interface FlagNames {
  /** Renamed flags: field → flag (without "--"). */
  flags?: Record<string, string>;
  /** Booleans defaulting to true, offered as a flag that turns them off. */
  negations?: Record<string, string>;
  /** Fields typed as text and parsed by the kind (e.g. the pipeline's steps). */
  parse?: Record<string, (raw: string) => unknown>;
}

interface Binding {
  field: string;
  flag: string;
  /** commander's attribute name for the flag. */
  attr: string;
  negate: boolean;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

export const numberArg = (flag: string, integer: boolean) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`${flag} must be ${integer ? 'an integer' : 'a number'}, got "${v}"`);
  }
  return n;
};
const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);
const numberRecord = (flag: string) => (v: string) =>
  Object.fromEntries(
    list(v).map((kv) => {
      const [k, x] = kv.split('=').map((s) => s.trim());
      if (!k || x === undefined) throw new InvalidArgumentError(`${flag} takes name=value pairs separated by commas, got "${kv}"`);
      return [k, numberArg(flag, false)(x)];
    }),
  );

function helpText(f: FieldInfo): string {
  const text = f.meta.description ?? f.meta.title ?? f.name;
  return f.default !== undefined && f.type !== 'boolean' ? `${text} (default: ${Array.isArray(f.default) ? f.default.join(',') : String(f.default)})` : text;
}

function optionFor(f: FieldInfo, names: FlagNames): { option: Option; binding: Binding } | null {
  if (f.name === 'kind' || f.meta.internal || f.type === 'literal') return null;
  const renamed = names.negations?.[f.name] ?? names.flags?.[f.name] ?? COMMON_FLAGS[f.name] ?? kebab(f.name);
  const flag = `--${renamed}`;
  let option: Option;
  let negate = false;
  if (f.type === 'boolean') {
    negate = f.default === true;
    const name = negate && !names.negations?.[f.name] ? `--no-${renamed}` : flag;
    const custom = negate && !!names.negations?.[f.name];
    option = new Option(name, negate ? `turn off: ${f.meta.description ?? f.meta.title ?? f.name} (on by default)` : helpText(f));
    return { option, binding: { field: f.name, flag: name, attr: camel(name.replace(/^--(no-)?/, '')), negate: custom } };
  }
  const parser = names.parse?.[f.name];
  const metavar = f.type === 'string-list' ? '<names>' : f.type === 'number-record' ? '<name=value,…>' : f.name.endsWith('RunId') ? '<run-id>' : '<value>';
  option = new Option(`${flag} ${metavar}`, helpText(f));
  if (parser) option.argParser((v: string) => parser(v));
  else if (f.type === 'integer' || f.type === 'number') option.argParser(numberArg(flag, f.type === 'integer'));
  else if (f.type === 'enum') option.choices(f.options!);
  else if (f.type === 'string-list') option.argParser(list);
  else if (f.type === 'number-list') option.argParser((v: string) => list(v).map(numberArg(flag, false)));
  else if (f.type === 'number-record') option.argParser(numberRecord(flag));
  if (f.required) option.makeOptionMandatory();
  return { option, binding: { field: f.name, flag, attr: camel(renamed), negate } };
}

/** Adds one flag per config field; returns how to turn the parsed flags back into a config. */
export function addSchemaOptions(cmd: Command, schema: z.ZodObject, names: FlagNames = {}): { toConfig: (o: Record<string, unknown>) => Record<string, unknown>; flagOf: (field: string) => string | undefined } {
  const bindings: Binding[] = [];
  // Required flags first, advanced ones last, so `--help` reads in order of need.
  const rank = (f: FieldInfo) => (f.required ? 0 : f.meta.advanced ? 2 : 1);
  for (const f of fieldsOf(schema).sort((a, b) => rank(a) - rank(b))) {
    const made = optionFor(f, names);
    if (!made) continue;
    cmd.addOption(made.option);
    bindings.push(made.binding);
  }
  return {
    // Only what the user typed goes into the config; the schema fills in the rest.
    toConfig: (o) => {
      const out: Record<string, unknown> = {};
      for (const b of bindings) {
        if (cmd.getOptionValueSource(b.attr) !== 'cli') continue;
        out[b.field] = b.negate ? !o[b.attr] : o[b.attr];
      }
      return out;
    },
    flagOf: (field) => bindings.find((b) => b.field === field)?.flag,
  };
}

/** An error's "field: problem" parts, with each field a flag of this command renamed to the flag. */
export function withFlagNames(e: unknown, flagOf: (field: string) => string | undefined): unknown {
  if (!(e instanceof AppError) || e.code !== 'invalid') return e;
  const message = e.message.replace(/(^|; )([A-Za-z][\w]*)(?=[.:])/g, (m, sep: string, f: string) => {
    const flag = flagOf(f);
    return flag ? `${sep}${flag}` : m;
  });
  return new AppError(e.code, message, { field: e.field, candidates: e.candidates });
}

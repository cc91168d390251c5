// Reads a config schema's fields for the generated CLI flags and form
// inputs: type, choices, bounds, default, title and help text. The schemas
// state each default and its reason once; everything else reads them here.
import type { z } from 'zod';

/** Metadata a config field may carry with `.meta({...})`. */
export interface FieldMeta {
  /** Label in forms (and the first words of the flag's help). */
  title?: string;
  /** Help text: what the field does and why its default is what it is. */
  description?: string;
  /** Filled in by the service (e.g. a compression job's model name): no flag, no input. */
  internal?: boolean;
  /** Shown under "advanced" in forms. */
  advanced?: boolean;
  /** What an empty input means, shown in it (e.g. "all"). */
  placeholder?: string;
}

export type FieldType = 'integer' | 'number' | 'boolean' | 'enum' | 'string' | 'string-list' | 'number-list' | 'number-record' | 'literal';

export interface FieldInfo {
  name: string;
  type: FieldType;
  /** Enum choices (and the literal's value). */
  options?: string[];
  default?: unknown;
  /** Neither a default nor optional: the user must give it. */
  required: boolean;
  min?: number;
  max?: number;
  meta: FieldMeta;
}

type AnyDef = { type: string; innerType?: z.ZodType; defaultValue?: unknown; element?: z.ZodType; valueType?: z.ZodType; values?: unknown[] };
const defOf = (s: z.ZodType) => (s as unknown as { def: AnyDef }).def;
const metaOf = (s: z.ZodType) => ((s as unknown as { meta(): FieldMeta | undefined }).meta?.() ?? {}) as FieldMeta;

export function fieldInfo(name: string, schema: z.ZodType): FieldInfo {
  let s = schema;
  let meta: FieldMeta = { ...metaOf(s) };
  let dflt: unknown;
  let optional = false;
  for (;;) {
    const d = defOf(s);
    if (d.type === 'default') dflt = typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue;
    else if (d.type === 'optional') optional = true;
    else break;
    s = d.innerType!;
    meta = { ...metaOf(s), ...meta };
  }
  const d = defOf(s);
  const num = s as unknown as { isInt?: boolean; minValue?: number | null; maxValue?: number | null };
  const base = { name, default: dflt, required: dflt === undefined && !optional, meta };
  switch (d.type) {
    case 'number':
      return { ...base, type: num.isInt ? 'integer' : 'number', min: num.minValue ?? undefined, max: num.maxValue ?? undefined };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'enum':
      return { ...base, type: 'enum', options: (s as unknown as { options: string[] }).options };
    case 'literal':
      return { ...base, type: 'literal', options: (d.values ?? []).map(String) };
    case 'array':
      return { ...base, type: defOf(d.element!).type === 'number' ? 'number-list' : 'string-list' };
    case 'record':
      return { ...base, type: 'number-record' };
    default:
      return { ...base, type: 'string' };
  }
}

/** Every field of an object schema, in declaration order. */
export function fieldsOf(schema: z.ZodObject): FieldInfo[] {
  return Object.entries(schema.shape).map(([n, s]) => fieldInfo(n, s as z.ZodType));
}

// The form side of a config schema: which inputs to show, their starting
// values (the schema's defaults), and the config the inputs make. Pure, so
// the "form fills in the same config the CLI makes" test runs in Node.
import { fieldsOf, type FieldInfo } from '../../src-main/contract/fields.js';
import type { z } from 'zod';

export type FormValue = string | number | boolean | null;
export type FormValues = Record<string, FormValue>;

/** The inputs a schema asks for (no kind, nothing the service fills in). */
export function formFields(schema: z.ZodObject, omit: string[] = []): FieldInfo[] {
  return fieldsOf(schema).filter((f) => f.name !== 'kind' && !f.meta.internal && f.type !== 'literal' && !omit.includes(f.name));
}

/** Each input's starting value: the schema's default, else empty. */
export function initialValues(fields: FieldInfo[]): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    const d = f.default;
    if (f.type === 'boolean') out[f.name] = d === true;
    else if (f.type === 'integer' || f.type === 'number') out[f.name] = typeof d === 'number' ? d : null;
    else if (Array.isArray(d)) out[f.name] = d.join(', ');
    else out[f.name] = d === undefined ? '' : String(d);
  }
  return out;
}

const items = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);

/** The config the inputs make; an empty input is left out, so the schema's default applies. */
export function valuesToConfig(fields: FieldInfo[], values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    // An unticked optional switch (no default, e.g. allowSoftwareGpu) is left out, as the CLI leaves out an absent flag.
    if (f.type === 'boolean' && !v && !f.required && f.default === undefined) continue;
    if (f.type === 'boolean') out[f.name] = !!v;
    else if (f.type === 'integer' || f.type === 'number') out[f.name] = typeof v === 'number' ? v : String(v).trim() === '' ? undefined : Number(v);
    else if (String(v).trim() === '') continue;
    else if (f.type === 'string-list') out[f.name] = items(String(v));
    else if (f.type === 'number-list') out[f.name] = items(String(v)).map(Number);
    else if (f.type === 'number-record') out[f.name] = Object.fromEntries(items(String(v)).map((kv) => kv.split('=').map((s) => s.trim())).map(([k, x]) => [k, Number(x)]));
    else out[f.name] = String(v);
    if (out[f.name] === undefined) delete out[f.name];
  }
  return out;
}

/** zod issues → the first message per input. */
export function issuesByField(error: z.ZodError | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of error?.issues ?? []) out[String(i.path[0] ?? 'form')] ??= i.message;
  return out;
}

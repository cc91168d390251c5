// What one job kind is, as every layer sees it: its config schema (with the
// defaults and help texts), the runs it needs, what its run leaves behind,
// and its label. One file per kind; `index.ts` lists them in one table. The
// job process's side (how it runs) is the matching row of `jobs/runners.ts`.
import type { z } from 'zod';

/** What a completed run of a kind leaves that other runs can build on. */
export type Leaves = 'classifier' | 'autoencoder' | 'vae' | 'nothing';

/** A config field that names another run, and what that run must be. */
export interface RunNeed {
  field: string;
  role: 'teacher' | 'source' | 'baseline';
  leaves: Exclude<Leaves, 'nothing'>;
  /** The referenced run's model must also be this one (the AE teacher is the conv AE). */
  model?: string;
  optional?: boolean;
}

export type KindGroup = 'train' | 'latent' | 'compress' | 'report' | 'sweep';

export interface KindDef<K extends string = string, S extends z.ZodObject = z.ZodObject> {
  kind: K;
  label: string;
  /** One paragraph for the form and `--help`. */
  help: string;
  group: KindGroup;
  schema: S;
  needs: RunNeed[];
  leaves: Leaves;
  /** Config fields whose flag is renamed on purpose (field → flag without "--"). */
  flags?: Record<string, string>;
  /** Booleans that default to true, offered as a flag that turns them off (field → flag). */
  negations?: Record<string, string>;
}

export function defineKind<const K extends string, S extends z.ZodObject>(d: KindDef<K, S>): KindDef<K, S> {
  return d;
}

// A recipe is a fixed plan of ordinary job runs (each a run of its own
// kind, linked as usual), built from one options object. The service runs
// every recipe the same way: all steps validated first, each step started
// when the steps it depends on have completed.
import type { z } from 'zod';
import type { RunNeed } from '../kinds/kind.js';

export interface RecipeStep {
  /** Shown in progress output and as the run's name ("<recipe>: <label>"). */
  label: string;
  /** The step's job config; `ids[i]` is the run id of step i (a placeholder while validating). */
  config: (ids: string[]) => Record<string, unknown>;
  /** Steps that must complete before this one starts (default: none). */
  after?: number[];
}

export interface RecipeDef<R extends string = string, S extends z.ZodObject = z.ZodObject> {
  recipe: R;
  label: string;
  help: string;
  schema: S;
  /** Option fields that name runs (pickers in the form). */
  needs?: RunNeed[];
  steps: (o: z.infer<S>) => RecipeStep[];
  /** Title of the results table. */
  title: (o: z.infer<S>) => string;
  /** Renamed flags (field → flag without "--"). */
  flags?: Record<string, string>;
  /** Fields typed as text on the CLI and parsed here (e.g. the pipeline's step list). */
  parse?: Record<string, (raw: string) => unknown>;
  /** Prefix of a step's validation error, when the options do not already name the field. */
  stepError?: (i: number, step: RecipeStep, o: z.infer<S>) => string | undefined;
}

export function defineRecipe<const R extends string, S extends z.ZodObject>(d: RecipeDef<R, S>): RecipeDef<R, S> {
  return d;
}

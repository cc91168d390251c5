// Reducers that turn a metric's series into one number for comparison tables:
// the last value, the best one (which way is "better" follows the metric's
// name), min, max and the mean of the last N (a noise-robust "final" value).
import type { Direction } from './pareto.js';

export const REDUCERS = ['last', 'best', 'min', 'max', 'meanLast'] as const;
export type Reducer = (typeof REDUCERS)[number];

/**
 * Whether larger values of a metric are better, from its name: accuracy,
 * ELBO and log-likelihood go up; loss, NLL and errors go down. Undefined
 * when the name says nothing (then "best" needs an explicit direction).
 */
export function metricDirection(name: string): Direction | undefined {
  const n = name.toLowerCase();
  if (/(^|[^a-z])(nll|loss|rmse|mse|mae|error|err|kl|latency|bytes|ops|storage|score)([^a-z]|$)/.test(n)) return 'min';
  if (/(^|[^a-z])(accuracy|acc|elbo|ll|log_likelihood|loglik|images_per_second|throughput|active_dims)([^a-z]|$)/.test(n)) return 'max';
  return undefined;
}

export interface Reduced {
  count: number;
  last: number | null;
  best: number | null;
  min: number | null;
  max: number | null;
  /** Mean of the last `n` values (all of them when there are fewer). */
  meanLast: number | null;
  direction: Direction | null;
}

/** All reducers at once over `values` (in step order); non-finite values are skipped. */
export function reduceSeries(values: ArrayLike<number>, opts: { name?: string; direction?: Direction; lastN?: number } = {}): Reduced {
  const v: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) v.push(values[i]);
  const direction = opts.direction ?? (opts.name ? metricDirection(opts.name) : undefined) ?? null;
  if (v.length === 0) return { count: 0, last: null, best: null, min: null, max: null, meanLast: null, direction };
  let min = v[0];
  let max = v[0];
  for (const x of v) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const n = Math.max(1, Math.floor(opts.lastN ?? 5));
  const tail = v.slice(-n);
  return {
    count: v.length,
    last: v[v.length - 1],
    best: direction === 'max' ? max : direction === 'min' ? min : null,
    min,
    max,
    meanLast: tail.reduce((a, b) => a + b, 0) / tail.length,
    direction,
  };
}

export function reduce(values: ArrayLike<number>, reducer: Reducer, opts: { name?: string; direction?: Direction; lastN?: number } = {}): number | null {
  return reduceSeries(values, opts)[reducer];
}

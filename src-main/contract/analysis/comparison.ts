// The shape of a comparison of runs (built by src-main/compare/compare.ts,
// shown by the compare view, exported by the CLI and the report).
import type { MetricRow, Run } from '../api.js';
import type { ConfigDiffRow } from './config-diff.js';
import type { Reduced } from './reducers.js';

export interface CompareOptions {
  /** Run the deltas are taken against; the first run by default. */
  baseline?: string;
  /** Only these metric names (all when absent). */
  metrics?: string[];
  /** Scopes whose metrics are reduced; epoch and final by default (batch series are long and noisy). */
  scopes?: MetricRow['scope'][];
  /** N of "mean of the last N"; 5 by default. */
  lastN?: number;
  /** Every config key, not only those that differ. */
  allConfig?: boolean;
}

export const SUMMARY_NUMBERS = [
  'params',
  'nonzeroParams',
  'float32Bytes',
  'storedBytes',
  'micronetStorageFp32',
  'micronetOps',
  'micronetScore',
  'latencyB1Ms',
  'latencyB64Ms',
  'testAccuracy',
  'testNll',
  'activeDims',
  'imagesPerSecond',
  'durationS',
] as const;
export type SummaryNumber = (typeof SUMMARY_NUMBERS)[number];

export type SummaryRow = {
  id: string;
  name: string | null;
  kind: string;
  status: Run['status'];
  model: string | null;
  dataset: string | null;
} & Record<SummaryNumber, number | null>;

export interface MetricComparison {
  scope: MetricRow['scope'];
  name: string;
  /** One per run, in the comparison's order; null where the run lacks the metric. */
  perRun: (Reduced | null)[];
  /** last and best minus the baseline run's. */
  lastDelta: (number | null)[];
  bestDelta: (number | null)[];
}

export interface Comparison {
  runIds: string[];
  baselineId: string;
  runs: Run[];
  summary: SummaryRow[];
  /** Summary numbers minus the baseline's, per field and run. */
  summaryDeltas: Record<SummaryNumber, (number | null)[]>;
  metrics: MetricComparison[];
  config: ConfigDiffRow[];
}


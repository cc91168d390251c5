// Column labels of the compare tables (short forms of compare.ts SUMMARY_LABELS, which lives on the main side).
import type { SummaryNumber } from '../../../src-main/contract/analysis/comparison.js';

export const SUMMARY_LABELS_SHORT: Record<SummaryNumber, string> = {
  params: 'params',
  nonzeroParams: 'nonzeros',
  float32Bytes: 'float32 bytes',
  storedBytes: 'stored bytes',
  micronetStorageFp32: 'MicroNet storage',
  micronetOps: 'MicroNet ops',
  micronetScore: 'MicroNet score',
  latencyB1Ms: 'ms/img (b=1)',
  latencyB64Ms: 'ms/img (b=64)',
  testAccuracy: 'test acc',
  testNll: 'test NLL',
  activeDims: 'active dims',
  imagesPerSecond: 'images/s',
  durationS: 'duration (s)',
};

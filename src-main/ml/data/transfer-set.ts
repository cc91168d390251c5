// A transfer set with some classes left out (Hinton et al. 2015 §3, "omit
// the 3s"), and the held-out end of a training set: the images a model never
// trained on, for choosing a correction without looking at the test set.
import type { Split } from './datasets.js';

/** `split` without the images whose label is in `classes`; `removed` counts them (per class in `perClass`). */
export function omitClasses(split: Split, classes: readonly number[]): { split: Split; removed: number; perClass: Record<number, number> } {
  const drop = new Set(classes);
  const perClass: Record<number, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  if (drop.size === 0) return { split, removed: 0, perClass };
  const size = split.rows * split.cols;
  const keep: number[] = [];
  for (let i = 0; i < split.count; i++) {
    if (drop.has(split.labels[i])) perClass[split.labels[i]]++;
    else keep.push(i);
  }
  const images = new Uint8Array(keep.length * size);
  const pixels = new Float32Array(keep.length * size);
  const labels = new Uint8Array(keep.length);
  keep.forEach((src, dst) => {
    images.set(split.images.subarray(src * size, (src + 1) * size), dst * size);
    pixels.set(split.pixels.subarray(src * size, (src + 1) * size), dst * size);
    labels[dst] = split.labels[src];
  });
  return { split: { ...split, images, pixels, labels, count: keep.length }, removed: split.count - keep.length, perClass };
}

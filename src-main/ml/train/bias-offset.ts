// The correction Hinton et al. 2015 §3 apply to a student distilled without
// any 3: raise the bias of the class it never saw. Here the offset is chosen
// on held-out training images (never the test set), over a grid.

/** 0, 0.25, …, 10: the offsets tried (the paper's +3.5 is on it). */
export const BIAS_OFFSET_GRID: readonly number[] = Array.from({ length: 41 }, (_, i) => i * 0.25);

/** argmax of each row of `logits` ([n, classes]) after adding `offsets` (class → offset) to the logits. */
export function predictWithOffsets(logits: Float32Array, n: number, classes: number, offsets: ReadonlyMap<number, number>): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = -Infinity;
    for (let k = 0; k < classes; k++) {
      const v = logits[i * classes + k] + (offsets.get(k) ?? 0);
      if (v > bestV) {
        bestV = v;
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Errors of `logits` with `offsets` added: in all, and on the images whose label is in `among`. */
export function errorsWithOffsets(logits: Float32Array, labels: ArrayLike<number>, classes: number, offsets: ReadonlyMap<number, number>, among: readonly number[] = []): { errors: number; errorsAmong: number; countAmong: number } {
  const pred = predictWithOffsets(logits, labels.length, classes, offsets);
  const set = new Set(among);
  let errors = 0;
  let errorsAmong = 0;
  let countAmong = 0;
  for (let i = 0; i < labels.length; i++) {
    const wrong = pred[i] !== labels[i];
    if (wrong) errors++;
    if (set.has(labels[i])) {
      countAmong++;
      if (wrong) errorsAmong++;
    }
  }
  return { errors, errorsAmong, countAmong };
}

/**
 * For each class of `targets` in turn (one pass, each with the offsets
 * already chosen for the earlier ones), the grid offset that makes the fewest
 * errors on (`logits`, `labels`); a tie goes to the smallest offset, the
 * smallest change to the model.
 */
export function bestBiasOffsets(logits: Float32Array, labels: ArrayLike<number>, classes: number, targets: readonly number[], grid: readonly number[] = BIAS_OFFSET_GRID): Map<number, number> {
  const offsets = new Map<number, number>();
  for (const c of targets) {
    let best = { offset: 0, errors: Infinity };
    for (const g of [...grid].sort((a, b) => a - b)) {
      const { errors } = errorsWithOffsets(logits, labels, classes, new Map([...offsets, [c, g]]));
      if (errors < best.errors) best = { offset: g, errors };
    }
    offsets.set(c, best.offset);
  }
  return offsets;
}

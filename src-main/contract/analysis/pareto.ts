// Pareto front for trade-off plots (accuracy against stored bytes, latency,
// MicroNet score): the runs no other run beats on every axis at once.

export type Direction = 'max' | 'min';

/**
 * Indices (ascending) of the points on the Pareto front. A point is dominated
 * when another point is at least as good on every axis and strictly better on
 * one; so ties and exact duplicates of a front point are all on the front.
 * Points with a missing or non-finite coordinate are never on the front and
 * dominate nothing.
 */
export function paretoFront(points: readonly (readonly (number | null | undefined)[])[], directions: readonly Direction[]): number[] {
  const d = directions.length;
  // Turn every axis into "larger is better".
  const ok: boolean[] = [];
  const v = points.map((p, i) => {
    const row = directions.map((dir, k) => (dir === 'max' ? 1 : -1) * Number(p[k] ?? NaN));
    ok[i] = p.length >= d && row.every(Number.isFinite);
    return row;
  });
  const front: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (!ok[i]) continue;
    let dominated = false;
    for (let j = 0; j < v.length && !dominated; j++) {
      if (j === i || !ok[j]) continue;
      let geAll = true;
      let gtOne = false;
      for (let k = 0; k < d; k++) {
        if (v[j][k] < v[i][k]) {
          geAll = false;
          break;
        }
        if (v[j][k] > v[i][k]) gtOne = true;
      }
      dominated = geAll && gtOne;
    }
    if (!dominated) front.push(i);
  }
  return front;
}

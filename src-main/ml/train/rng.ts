// Seeded randomness for a job process. TensorFlow.js draws weight
// initializers and dropout masks from Math.random when no seed is given (and
// a fixed per-layer seed would repeat the same dropout mask every step), so a
// job process replaces Math.random with a seeded generator: one seed then
// fixes initialization, shuffling and dropout together.

/** mulberry32: small, fast, good enough for shuffling and init. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeds Math.random for this process (job processes only). */
export function seedGlobalRandom(seed: number): void {
  Math.random = mulberry32(seed);
}

/** In-place Fisher–Yates shuffle of `order` with `random`. */
export function shuffle(order: Uint32Array, random: () => number): Uint32Array {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

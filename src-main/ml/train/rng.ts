// Seeded randomness for a job process. TensorFlow.js draws weight
// initializers and dropout masks from Math.random when no seed is given (and
// a fixed per-layer seed would repeat the same dropout mask every step), so a
// job process replaces Math.random with a seeded generator: one seed then
// fixes initialization, shuffling and dropout together. The generators'
// state is one 32-bit integer, saved in checkpoints so a resumed run draws
// the same numbers as one that was never stopped.

/** A mulberry32 generator whose state can be read and restored. */
export interface Rng {
  (): number;
  /** The 32-bit state; setting it makes the next draws those that followed it. */
  state: number;
}

/** mulberry32: small, fast, good enough for shuffling and init. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (() => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as Rng;
  Object.defineProperty(next, 'state', {
    get: () => a,
    set: (s: number) => {
      a = s >>> 0;
    },
  });
  return next;
}

let globalRng: Rng | null = null;

/** Seeds Math.random for this process (job processes only). */
export function seedGlobalRandom(seed: number): Rng {
  globalRng = mulberry32(seed);
  Math.random = globalRng;
  return globalRng;
}

/** The state of this thread's seeded Math.random; an error when it was never seeded. */
export function globalRandomState(): number {
  if (!globalRng || Math.random !== globalRng) throw new Error('Math.random is not the seeded generator (seedGlobalRandom was not called)');
  return globalRng.state;
}

/** What a checkpoint records of Math.random: its state, or null where it was never seeded (a unit test, not a job process). */
export function seededStateOrNull(): number | null {
  return globalRng && Math.random === globalRng ? globalRng.state : null;
}

/** Restores this thread's seeded Math.random to a saved state. */
export function setGlobalRandomState(state: number): void {
  if (!globalRng || Math.random !== globalRng) throw new Error('Math.random is not the seeded generator (seedGlobalRandom was not called)');
  globalRng.state = state;
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

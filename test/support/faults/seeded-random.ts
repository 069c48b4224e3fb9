/**
 * A seeded pseudo-random source (mulberry32). Fault injection must be reproducible from a seed
 * printed with the results, and `Math.random` cannot be seeded; fast-check's generator is not a
 * public API. Thirty-two bits of state are plenty for deciding which calls fail.
 *
 * @example
 * const random = seededRandom(42);
 * if (random() < 0.1) failThisCall();
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The few statistics the benchmarks print. Hand-written because they are three one-liners;
 * a statistics library would add more to read than it saves.
 */

/**
 * The q-quantile (0..1) of a sample, nearest-rank on a sorted copy.
 *
 * @example
 * quantile([5, 1, 3], 0.5); // 3
 */
export function quantile(sample: readonly number[], q: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * The median of a sample.
 *
 * @example
 * median([4, 1, 9, 2]); // 2 (nearest rank)
 */
export function median(sample: readonly number[]): number {
  return quantile(sample, 0.5);
}

/**
 * Rounds for printing: 2 significant decimals below 10, 1 below 1000, none above.
 *
 * @example
 * round(3.14159); // 3.14
 */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const digits = Math.abs(value) < 10 ? 2 : Math.abs(value) < 1000 ? 1 : 0;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

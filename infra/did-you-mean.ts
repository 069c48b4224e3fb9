/** "Did you mean" hints for mistyped names, shared by the config errors and the CLI. */

/**
 * The closest of `candidates` to a mistyped `value` (edit distance at most a third of its
 * length), for "did you mean" hints. Hand-written: a dozen lines, not worth a dependency.
 *
 * @example
 * didYouMean('WHATSAP', ['SMS', 'WHATSAPP']); // 'WHATSAPP'
 */
export function didYouMean(value: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      const current = [i];
      for (let j = 1; j <= b.length; j++) {
        current[j] = Math.min(
          previous[j]! + 1,
          current[j - 1]! + 1,
          previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
      }
      previous = current;
    }
    return previous[b.length]!;
  };
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(value.toLowerCase(), candidate.toLowerCase());
    if (!best || d < best.d) best = { candidate, d };
  }
  return best && best.d <= Math.max(1, Math.floor(value.length / 3)) ? best.candidate : undefined;
}

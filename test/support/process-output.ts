/**
 * What the process writes while a test runs, for tests that check log lines: Powertools writes
 * INFO (and metrics) to stdout and WARN/ERROR to stderr. Writes still reach the terminal.
 *
 * @example
 * const output = captureProcessOutput();
 * // ... run the handler ...
 * expect(output.chunks.join('')).toContain('command sent');
 * output.restore();
 */
export function captureProcessOutput(): { chunks: string[]; restore(): void } {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  streams.forEach((stream, i) => {
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      chunks.push(String(chunk));
      return originals[i]!(chunk, ...rest);
    }) as typeof stream.write;
  });
  return {
    chunks,
    restore: () => {
      streams.forEach((stream, i) => {
        stream.write = originals[i]!;
      });
    },
  };
}

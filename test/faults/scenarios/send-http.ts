import { Agent, request } from 'node:http';

/** What came back for one raw HTTP request. */
export interface RawAnswer {
  status: number;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/**
 * Sends one request exactly as given, with `node:http` rather than `fetch`: fetch refuses some
 * methods, joins repeated headers and may rewrite bodies, and abuse tests need all of those raw.
 * A connection error is an answer with status 0.
 *
 * @example
 * const { status } = await sendRaw(`${url}/webhooks/app`, 'POST', [['content-type', 'application/json']], body);
 */
export function sendRaw(
  url: string,
  method: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body: Buffer,
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const req = request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    const grouped = new Map<string, string[]>();
    for (const [name, value] of headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
    for (const [name, values] of grouped) req.setHeader(name, values.length === 1 ? values[0]! : values);
    req.setHeader('content-length', String(body.length));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

/** Runs `task` over `items` with at most `concurrency` at once, keeping results in item order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

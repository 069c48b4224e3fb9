/**
 * A loopback HTTP server standing in for a channel's media CDN (WhatsApp, MMS, RCS): serves files
 * by path, and answers each path with scripted behaviour (status codes, redirects, slow or
 * oversized bodies, lying Content-Length) so the media fetch meets what real sources do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one request to a path gets. */
export type SourceAnswer =
  | {
      kind: 'file';
      body: Buffer;
      contentType?: string;
      chunked?: boolean;
      delayMs?: number;
      chunkDelayMs?: number;
    }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'redirect'; status?: number; location: string }
  /** Declares `declaredLength` bytes but sends `body` and closes. */
  | { kind: 'truncated'; body: Buffer; declaredLength: number }
  /** Accepts and never answers. */
  | { kind: 'hang' };

export interface MediaSource {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Sets the answers of a path, one per request in turn; the last repeats. */
  route(path: string, ...answers: SourceAnswer[]): void;
  /** Requests seen per path. */
  hits(path: string): number;
  close(): Promise<void>;
}

/**
 * @example
 * const source = await startMediaSource();
 * source.route('/photo.jpg', { kind: 'file', body: jpeg, contentType: 'image/jpeg' });
 */
export async function startMediaSource(): Promise<MediaSource> {
  const routes = new Map<string, SourceAnswer[]>();
  const counts = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const seen = counts.get(path) ?? 0;
    counts.set(path, seen + 1);
    const answers = routes.get(path);
    const answer = answers?.[Math.min(seen, answers.length - 1)];
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    serve(answer, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    route: (path, ...answers) => {
      routes.set(path, answers);
      counts.set(path, 0);
    },
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serve(answer: SourceAnswer, res: ServerResponse): Promise<void> {
  switch (answer.kind) {
    case 'status':
      res.writeHead(answer.status, answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}).end();
      return;
    case 'redirect':
      res.writeHead(answer.status ?? 302, { location: answer.location }).end();
      return;
    case 'hang':
      return;
    case 'truncated':
      res.writeHead(200, { 'content-length': String(answer.declaredLength) });
      res.write(answer.body);
      await sleep(10);
      res.destroy();
      return;
    case 'file': {
      if (answer.delayMs) await sleep(answer.delayMs);
      const headers: Record<string, string> = {
        'content-type': answer.contentType ?? 'application/octet-stream',
      };
      if (!answer.chunked) headers['content-length'] = String(answer.body.length);
      res.writeHead(200, headers);
      const chunk = 64 * 1024;
      for (let offset = 0; offset < answer.body.length; offset += chunk) {
        if (!res.write(answer.body.subarray(offset, offset + chunk))) {
          await new Promise((resolve) => res.once('drain', resolve));
        }
        if (answer.chunkDelayMs) await sleep(answer.chunkDelayMs);
        if (res.destroyed) return;
      }
      res.end();
      return;
    }
  }
}

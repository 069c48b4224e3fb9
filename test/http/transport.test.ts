/**
 * sendHttp on a pooled keep-alive connection the server has closed: the race behind the
 * registration property test's rare ECONNRESET. A raw TCP server answers the first request of a
 * connection and resets the connection on the second, as a server whose idle timeout fired does.
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS, sendHttp, TransportError } from '../../functions/http/transport';

let server: Server;
let base: URL;
let connections = 0;

beforeAll(async () => {
  server = createServer((socket: Socket) => {
    connections++;
    let requests = 0;
    socket.on('data', (chunk) => {
      if (!chunk.toString('latin1').includes('\r\n\r\n')) return;
      requests++;
      if (requests === 1) {
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n{}',
        );
      } else {
        // The server had closed this idle connection: the request never reached it.
        socket.resetAndDestroy();
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('sendHttp on a stale keep-alive connection', () => {
  it('sends an idempotent request again on a fresh connection', async () => {
    const first = await sendHttp(new URL('/a', base), { method: 'GET', headers: {} }, DEFAULT_TIMEOUTS);
    const before = connections;
    const second = await sendHttp(
      new URL('/b', base),
      { method: 'PATCH', headers: {}, body: '{}' },
      DEFAULT_TIMEOUTS,
    );
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(connections).toBe(before + 1);
  });

  it('never sends a POST twice: the reset is the caller to judge', async () => {
    await sendHttp(new URL('/c', base), { method: 'GET', headers: {} }, DEFAULT_TIMEOUTS);
    const before = connections;
    const error = await sendHttp(
      new URL('/messages:send', base),
      { method: 'POST', headers: {}, body: '{}' },
      DEFAULT_TIMEOUTS,
    ).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).kind).toBe('network');
    expect(connections).toBe(before);
  });
});

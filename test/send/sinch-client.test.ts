import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SinchClient } from '../../functions/sinch/client';
import { isSinchError, type SinchError } from '../../functions/sinch/errors';
import { SinchTokenProvider } from '../../functions/sinch/oauth';
import { answers, type SinchDouble, startSinchDouble } from '../support/sinch-double';

const textRequest = (id: string) => ({
  app_id: 'app-1',
  recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: '+46700000000' }] } },
  message: { text_message: { text: 'hello' } },
  correlation_id: id,
});

async function failure(promise: Promise<unknown>): Promise<SinchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isSinchError(error)) throw new Error(`expected a SinchError, got ${String(error)}`);
  return error;
}

describe('SinchClient against the Sinch double', () => {
  let sinch: SinchDouble;
  const extraRouteCalls: string[] = [];

  beforeAll(async () => {
    sinch = await startSinchDouble({
      routes: [
        (req, res, body) => {
          if (!req.url?.endsWith('/webhooks')) return false;
          extraRouteCalls.push(`${req.method} ${body}`);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ webhooks: [] }));
          return true;
        },
      ],
    });
  });
  afterAll(() => sinch.close());
  beforeEach(() => sinch.reset());

  const client = (extra: Partial<ConstructorParameters<typeof SinchClient>[0]> = {}) =>
    new SinchClient({
      apiUrl: sinch.apiUrl,
      authUrl: sinch.authUrl,
      projectId: sinch.projectId,
      credentials: { keyId: sinch.keyId, keySecret: sinch.keySecret },
      ...extra,
    });

  it('sends with a bearer token and returns the message id', async () => {
    const answer = await client().sendMessage(textRequest('a'));
    expect(answer.messageId).toBe(sinch.sends()[0]?.messageId);
    expect(sinch.sends()[0]?.headers.authorization).toMatch(/^Bearer tok-/);
    expect(sinch.tokenFetches()).toBe(1);
  });

  it('shares one token fetch between concurrent requests and later ones', async () => {
    const c = client();
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.sendMessage(textRequest(`c${i}`))));
    await c.sendMessage(textRequest('later'));
    expect(sinch.sends()).toHaveLength(21);
    expect(sinch.tokenFetches()).toBe(1);
  });

  it('refreshes the token once when Sinch says it expired, and retries', async () => {
    const c = client();
    await c.sendMessage(textRequest('warm'));
    sinch.script(answers.expired());
    const answer = await c.sendMessage(textRequest('x'));
    expect(answer.messageId).toBeTruthy();
    expect(sinch.tokenFetches()).toBe(2);
    expect(sinch.sends().map((s) => s.outcome)).toEqual(['accepted', 'rejected', 'accepted']);
  });

  it('refreshes at most once per request', async () => {
    sinch.script(answers.expired(), answers.expired());
    const error = await failure(client().sendMessage(textRequest('x')));
    expect(error).toMatchObject({ kind: 'retryable', status: 401, reason: 'token_expired_twice' });
    expect(sinch.sends()).toHaveLength(2);
  });

  it('reuses a token until a minute before it expires, then fetches a new one', async () => {
    const now = { value: 1_000_000 };
    const tokens = new SinchTokenProvider({
      authUrl: sinch.authUrl,
      credentials: { keyId: sinch.keyId, keySecret: sinch.keySecret },
      now: () => now.value,
    });
    const first = await tokens.getToken();
    now.value += 3_539_000; // the double's tokens live 3600 s
    expect(await tokens.getToken()).toBe(first);
    now.value += 1_000;
    expect(await tokens.getToken()).not.toBe(first);
    expect(sinch.tokenFetches()).toBe(2);
  });

  it.each([
    [400, 'rejected', 'INVALID_ARGUMENT'],
    [403, 'rejected', 'PERMISSION_DENIED'],
    [404, 'rejected', 'NOT_FOUND'],
    [429, 'retryable', 'RESOURCE_EXHAUSTED'],
    [500, 'retryable', 'INTERNAL'],
    [503, 'retryable', 'UNAVAILABLE'],
  ])('classifies %i as %s', async (status, kind, code) => {
    sinch.script(answers.status(status));
    const error = await failure(client().sendMessage(textRequest('s')));
    expect(error).toMatchObject({ kind, status, code, reason: `http_${status}` });
    expect(sinch.sends()).toHaveLength(1);
  });

  it('passes Retry-After on', async () => {
    sinch.script(answers.status(429, { 'retry-after': '7' }));
    expect(await failure(client().sendMessage(textRequest('r')))).toMatchObject({ retryAfterSeconds: 7 });
  });

  it('reports a dropped connection as retryable, without retrying', async () => {
    sinch.script(answers.drop());
    const error = await failure(client().sendMessage(textRequest('d')));
    expect(error).toMatchObject({ kind: 'retryable', reason: 'network' });
    expect(sinch.sends()).toHaveLength(1);
  });

  it('gives up after the total timeout', async () => {
    sinch.script(answers.slow(2_000));
    const error = await failure(client({ timeouts: { totalMs: 200 } }).sendMessage(textRequest('t')));
    expect(error).toMatchObject({ kind: 'retryable', reason: 'timeout' });
  });

  it('gives up on a connection that never completes after the connect timeout', async () => {
    // Accepts TCP but never answers the TLS handshake: only the connect timeout can end this.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const error = await failure(
        client({
          apiUrl: url,
          authUrl: `${url}/oauth2/token`,
          timeouts: { connectMs: 200, totalMs: 30_000 },
        }).sendMessage(textRequest('c')),
      );
      expect(error).toMatchObject({ kind: 'retryable', reason: 'token_connect_timeout' });
    } finally {
      silent.close();
    }
  });

  it('retries a rate-limited token endpoint with backoff', async () => {
    sinch.scriptToken(answers.status(429), answers.status(429));
    const waits: number[] = [];
    const tokens = new SinchTokenProvider({
      authUrl: sinch.authUrl,
      credentials: async () => ({ keyId: sinch.keyId, keySecret: sinch.keySecret }),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await client({ tokenProvider: tokens }).sendMessage(textRequest('k'));
    expect(waits).toHaveLength(2);
    expect(sinch.tokenFetches()).toBe(1);
  });

  it('reports refused credentials as retryable (a deployment problem, not the command)', async () => {
    const error = await failure(
      client({ credentials: { keyId: 'wrong', keySecret: 'wrong' } }).sendMessage(textRequest('w')),
    );
    expect(error).toMatchObject({ kind: 'retryable', reason: 'token_http_401' });
    expect(sinch.sends()).toHaveLength(0);
  });

  it('offers the same token handling for any API call', async () => {
    const c = client();
    const listed = await c.request<{ webhooks: unknown[] }>('GET', c.projectPath('/webhooks'));
    expect(listed).toEqual({ webhooks: [] });
    expect(extraRouteCalls).toContain('GET ');
  });
  it('starts no request once its signal fired (item 2: nothing after the invocation ended)', async () => {
    const c = client();
    await c.sendMessage(textRequest('warm'));
    const controller = new AbortController();
    controller.abort();
    const error = await failure(c.sendMessage(textRequest('late'), { signal: controller.signal }));
    expect(error).toMatchObject({ kind: 'retryable', reason: 'aborted' });
    expect(sinch.sends()).toHaveLength(1);
  });

  it('cuts a request in flight when its signal fires', async () => {
    sinch.script(answers.slow(5_000));
    const c = client();
    const error = await failure(c.sendMessage(textRequest('cut'), { signal: AbortSignal.timeout(200) }));
    expect(error).toMatchObject({ kind: 'retryable', reason: 'aborted' });
  });

  it('caps a token endpoint Retry-After (item 4: no sleep of an hour inside an invocation)', async () => {
    sinch.scriptToken(answers.status(429, { 'retry-after': '3600' }));
    const waits: number[] = [];
    const tokens = new SinchTokenProvider({
      authUrl: sinch.authUrl,
      credentials: async () => ({ keyId: sinch.keyId, keySecret: sinch.keySecret }),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await client({ tokenProvider: tokens }).sendMessage(textRequest('ra'));
    expect(waits).toEqual([3_000]);
  });

  it('stops waiting for a rate-limited token endpoint when the signal fires', async () => {
    sinch.scriptToken(answers.status(429), answers.status(429), answers.status(429));
    const tokens = new SinchTokenProvider({
      authUrl: sinch.authUrl,
      credentials: async () => ({ keyId: sinch.keyId, keySecret: sinch.keySecret }),
      rateLimitBackoff: { base: 90_000, cap: 90_000 },
    });
    // Without the signal reaching the backoff sleep, this waits up to three minutes (the test's limit is one).
    const error = await failure(
      client({ tokenProvider: tokens }).sendMessage(textRequest('tw'), { signal: AbortSignal.timeout(300) }),
    );
    expect(error).toMatchObject({ kind: 'retryable' });
    expect(sinch.sends()).toHaveLength(0);
  });
});

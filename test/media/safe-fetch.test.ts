import { randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMedia, type SafeFetchOptions } from '../../functions/media/safe-fetch';
import { type MediaSource, startMediaSource } from './media-source';

const MiB = 1024 * 1024;

describe('openMedia against a loopback media source', () => {
  let source: MediaSource;
  const local = (extra: Partial<SafeFetchOptions> = {}): SafeFetchOptions => ({
    maxBytes: 4 * MiB,
    signal: AbortSignal.timeout(10_000),
    allowLoopback: true,
    ...extra,
  });

  beforeAll(async () => {
    source = await startMediaSource();
  });
  afterAll(() => source.close());

  it('streams the body and records the content type when loopback is allowed (local mode)', async () => {
    // Prepare
    const body = randomBytes(300_000);
    source.route('/photo.jpg', { kind: 'file', body, contentType: 'image/jpeg' });
    // Act
    const media = await openMedia(`${source.url}/photo.jpg`, local());
    // Assess
    expect(media.contentType).toBe('image/jpeg');
    expect(media.contentLength).toBe(body.length);
    expect((await buffer(media.body)).equals(body)).toBe(true);
  });

  describe('with loopback not allowed (AWS)', () => {
    it('refuses http', async () => {
      source.route('/a', { kind: 'file', body: Buffer.from('x') });
      await expect(openMedia(`${source.url}/a`, local({ allowLoopback: false }))).rejects.toMatchObject({
        kind: 'refused',
        reason: 'scheme_not_allowed',
      });
      expect(source.hits('/a')).toBe(0);
    });

    it('refuses https to loopback, by literal or by a name that resolves to it', async () => {
      const aws = local({ allowLoopback: false });
      await expect(openMedia(`https://127.0.0.1:${source.port}/a`, aws)).rejects.toMatchObject({
        reason: 'address_not_allowed',
      });
      await expect(openMedia(`https://[::1]:${source.port}/a`, aws)).rejects.toMatchObject({
        reason: 'address_not_allowed',
      });
      await expect(openMedia(`https://localhost:${source.port}/a`, aws)).rejects.toMatchObject({
        reason: 'address_not_allowed',
      });
      const resolve = async (): Promise<LookupAddress[]> => [{ address: '169.254.169.254', family: 4 }];
      await expect(openMedia('https://media.example.com/a', { ...aws, resolve })).rejects.toMatchObject({
        reason: 'address_not_allowed',
        message: expect.stringContaining('metadata'),
      });
    });

    it('refuses other schemes', async () => {
      for (const url of [
        'ftp://media.example.com/a',
        'file:///etc/passwd',
        'data:text/plain,hi',
        'not a url',
      ]) {
        await expect(openMedia(url, local())).rejects.toMatchObject({ kind: 'refused' });
      }
    });
  });

  it('connects to the address it checked: the name is resolved once per hop (DNS rebinding)', async () => {
    // Prepare: a resolver that answers loopback first and a private address on any later call.
    source.route('/rebind', { kind: 'file', body: Buffer.from('pinned') });
    const answers: LookupAddress[][] = [
      [{ address: '127.0.0.1', family: 4 }],
      [{ address: '10.0.0.1', family: 4 }],
    ];
    let calls = 0;
    const resolve = async () => answers[Math.min(calls++, 1)]!;
    // Act
    const media = await openMedia(`http://rebind.test:${source.port}/rebind`, local({ resolve }));
    // Assess
    expect((await buffer(media.body)).toString()).toBe('pinned');
    expect(calls).toBe(1);
  });

  it('refuses a name whose answers mix an allowed and a refused address', async () => {
    const resolve = async (): Promise<LookupAddress[]> => [
      { address: '127.0.0.1', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    await expect(openMedia(`http://mixed.test:${source.port}/a`, local({ resolve }))).rejects.toMatchObject({
      reason: 'address_not_allowed',
    });
  });

  it('follows redirects, checking each hop again', async () => {
    source.route('/start', { kind: 'redirect', location: '/middle' });
    source.route('/middle', { kind: 'redirect', status: 307, location: `${source.url}/end` });
    source.route('/end', { kind: 'file', body: Buffer.from('end'), contentType: 'text/plain' });
    const media = await openMedia(`${source.url}/start`, local());
    expect(media.url).toBe(`${source.url}/end`);
    expect((await buffer(media.body)).toString()).toBe('end');

    for (const location of [
      'http://10.0.0.8/secret',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://0x7f000001.example/',
      'http://[::ffff:a9fe:a9fe]/',
    ]) {
      source.route('/to-private', { kind: 'redirect', location });
      const resolve = async (host: string): Promise<LookupAddress[]> =>
        host === '0x7f000001.example' ? [{ address: '192.168.1.1', family: 4 }] : [];
      await expect(openMedia(`${source.url}/to-private`, local({ resolve })), location).rejects.toMatchObject(
        {
          reason: 'address_not_allowed',
        },
      );
    }
    source.route('/to-ftp', { kind: 'redirect', location: 'ftp://example.com/x' });
    await expect(openMedia(`${source.url}/to-ftp`, local())).rejects.toMatchObject({
      reason: 'scheme_not_allowed',
    });
  });

  it('stops after maxRedirects', async () => {
    source.route('/loop', { kind: 'redirect', location: '/loop' });
    await expect(openMedia(`${source.url}/loop`, local({ maxRedirects: 3 }))).rejects.toMatchObject({
      reason: 'too_many_redirects',
    });
    expect(source.hits('/loop')).toBe(4);
  });

  it('refuses a declared Content-Length over the cap without reading the body', async () => {
    source.route('/big', { kind: 'file', body: randomBytes(2 * MiB) });
    await expect(openMedia(`${source.url}/big`, local({ maxBytes: MiB }))).rejects.toMatchObject({
      reason: 'too_large',
    });
  });

  it('cuts off an undeclared body one byte past the cap', async () => {
    source.route('/chunked', { kind: 'file', body: randomBytes(MiB + 1), chunked: true });
    const media = await openMedia(`${source.url}/chunked`, local({ maxBytes: MiB }));
    expect(media.contentLength).toBeUndefined();
    await expect(buffer(media.body)).rejects.toMatchObject({ reason: 'too_large' });

    source.route('/exact', { kind: 'file', body: randomBytes(MiB), chunked: true });
    const exact = await openMedia(`${source.url}/exact`, local({ maxBytes: MiB }));
    expect((await buffer(exact.body)).length).toBe(MiB);
  });

  it('classifies answers: 429 and 5xx retryable (with Retry-After), 4xx failed', async () => {
    source.route('/busy', { kind: 'status', status: 429, retryAfter: '3' });
    await expect(openMedia(`${source.url}/busy`, local())).rejects.toMatchObject({
      kind: 'retryable',
      reason: 'http_429',
      retryAfterSeconds: 3,
    });
    source.route('/down', { kind: 'status', status: 503 });
    await expect(openMedia(`${source.url}/down`, local())).rejects.toMatchObject({
      kind: 'retryable',
      reason: 'http_503',
    });
    source.route('/gone', { kind: 'status', status: 410 });
    await expect(openMedia(`${source.url}/gone`, local())).rejects.toMatchObject({
      kind: 'failed',
      reason: 'http_410',
    });
  });

  it('a body cut short is a retryable network failure', async () => {
    source.route('/cut', { kind: 'truncated', body: randomBytes(1000), declaredLength: 5000 });
    const media = await openMedia(`${source.url}/cut`, local());
    await expect(buffer(media.body)).rejects.toMatchObject({ kind: 'retryable', reason: 'network' });
  });

  it('one deadline covers the answer and the body', async () => {
    source.route('/hang', { kind: 'hang' });
    await expect(
      openMedia(`${source.url}/hang`, local({ signal: AbortSignal.timeout(200) })),
    ).rejects.toMatchObject({
      reason: 'timeout',
    });
    source.route('/slow', { kind: 'file', body: randomBytes(20 * 64 * 1024), chunkDelayMs: 50 });
    const media = await openMedia(`${source.url}/slow`, local({ signal: AbortSignal.timeout(300) }));
    await expect(buffer(media.body)).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('a refused connection is retryable', async () => {
    // Port 2: privileged, so no test server's ephemeral port can be it (a freed port could be
    // taken by another test file's server when files run in parallel).
    const url = 'http://127.0.0.1:2/x';
    await expect(openMedia(url, local())).rejects.toMatchObject({ kind: 'retryable', reason: 'network' });
  });
});

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fromApiGatewayV2Result,
  type LocalApiGateway,
  startApiGatewayServer,
  toApiGatewayV2Event,
  WEBHOOK_ROUTES,
} from '../../local/api-gateway';

const TEXT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/xml',
  'application/cloudevents+json',
];
const BINARY_TYPES = [
  'application/octet-stream',
  'image/png',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
];

describe('toApiGatewayV2Event builds payload 2.0 events as API Gateway does', () => {
  it('keeps the exact body bytes: text for text types, base64 otherwise', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.constantFrom(...TEXT_TYPES, ...BINARY_TYPES, undefined),
        (bytes, contentType) => {
          // Prepare: text types only ever carry UTF-8 text, so draw their bodies as text.
          const isText = contentType !== undefined && TEXT_TYPES.includes(contentType);
          const body = isText ? Buffer.from(Buffer.from(bytes).toString('utf8'), 'utf8') : Buffer.from(bytes);
          const rawHeaders = contentType === undefined ? [] : ['Content-Type', contentType];
          // Act
          const event = toApiGatewayV2Event({ method: 'POST', url: '/webhooks/A', rawHeaders }, body);
          // Assess
          expect(event.isBase64Encoded).toBe(!isText);
          const decoded = event.isBase64Encoded
            ? Buffer.from(event.body!, 'base64')
            : Buffer.from(event.body!, 'utf8');
          expect(decoded.equals(body)).toBe(true);
        },
      ),
    );
  });

  it('lower-cases header names, joins duplicates with commas and splits cookies out', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), fc.stringMatching(/^[!-~]{0,20}$/)),
          { maxLength: 12 },
        ),
        (pairs) => {
          const headers = pairs.filter(([name]) => name.toLowerCase() !== 'cookie');
          const event = toApiGatewayV2Event(
            { method: 'GET', url: '/', rawHeaders: [...headers.flat(), 'Cookie', 'a=1; b=2'] },
            Buffer.alloc(0),
          );
          const expected: Record<string, string> = {};
          for (const [name, value] of headers) {
            const key = name.toLowerCase();
            expected[key] = expected[key] === undefined ? value : `${expected[key]},${value}`;
          }
          expect(event.headers).toEqual(expected);
          expect(event.cookies).toEqual(['a=1', 'b=2']);
          expect(event.body).toBeUndefined();
          expect(event.isBase64Encoded).toBe(false);
        },
      ),
    );
  });

  it('fills route, path, query and request context', () => {
    const event = toApiGatewayV2Event(
      {
        method: 'post',
        url: '/webhooks/01H?x=1&x=2&y=3',
        rawHeaders: ['Host', 'api.local:3000', 'User-Agent', 'ua'],
      },
      Buffer.from('{}'),
      { routeKey: 'POST /webhooks/{appId}', pathParameters: { appId: '01H' } },
      new Date('2026-11-25T06:36:44.123Z'),
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /webhooks/{appId}',
      rawPath: '/webhooks/01H',
      rawQueryString: 'x=1&x=2&y=3',
      queryStringParameters: { x: '1,2', y: '3' },
      pathParameters: { appId: '01H' },
      requestContext: {
        domainName: 'api.local',
        http: { method: 'POST', path: '/webhooks/01H', userAgent: 'ua' },
        stage: '$default',
        time: '25/Nov/2026:06:36:44 +0000',
        timeEpoch: Date.parse('2026-11-25T06:36:44.123Z'),
      },
    });
  });

  it('reads Lambda results like API Gateway: structured as is, anything else as a 200 JSON body', () => {
    expect(fromApiGatewayV2Result({ statusCode: 401, body: '{"error":"x"}' }).statusCode).toBe(401);
    expect(
      fromApiGatewayV2Result({
        statusCode: 200,
        body: Buffer.from('hi').toString('base64'),
        isBase64Encoded: true,
      }).body.toString(),
    ).toBe('hi');
    const inferred = fromApiGatewayV2Result({ ok: true });
    expect(inferred.statusCode).toBe(200);
    expect(inferred.headers['content-type']).toBe('application/json');
    expect(JSON.parse(inferred.body.toString())).toEqual({ ok: true });
  });
});

describe('the local HTTP API invokes the handler over real HTTP', () => {
  let api: LocalApiGateway | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('routes the webhook path to the handler with a fresh Lambda context', async () => {
    // Prepare
    const seen: Array<{ event: APIGatewayProxyEventV2; requestId: string; remaining: number }> = [];
    api = await startApiGatewayServer(
      async (event, context) => {
        seen.push({ event, requestId: context.awsRequestId, remaining: context.getRemainingTimeInMillis() });
        return {
          statusCode: 202,
          headers: { 'X-Echo': event.pathParameters?.appId ?? '' },
          body: event.body ?? '',
        };
      },
      { routes: WEBHOOK_ROUTES, function: { functionName: 'webhook', timeoutMs: 5000 } },
    );
    // Act
    const res = await fetch(`${api.url}/webhooks/01HAPP?debug=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2, 255]),
    });
    const other = await fetch(`${api.url}/webhooks/01HAPP`, { method: 'DELETE' });
    // Assess
    expect(res.status).toBe(202);
    expect(res.headers.get('x-echo')).toBe('01HAPP');
    expect(res.headers.get('apigw-requestid')).toBe(seen[0]!.event.requestContext.requestId);
    expect(await res.text()).toBe(Buffer.from([0, 1, 2, 255]).toString('base64'));
    expect(seen[0]!.event.routeKey).toBe('POST /webhooks/{appId}');
    expect(seen[0]!.event.isBase64Encoded).toBe(true);
    expect(seen[0]!.remaining).toBeGreaterThan(0);
    expect(other.status).toBe(202);
    expect(seen[1]!.event.routeKey).toBe('ANY /webhooks/{appId}');
    expect(seen[1]!.requestId).not.toBe(seen[0]!.requestId);
  });

  it('answers 404 for other routes without invoking, and 500 when the handler throws', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    api = await startApiGatewayServer(
      async () => {
        calls++;
        throw new Error('boom');
      },
      { onError: (e) => errors.push(e) },
    );
    const missing = await fetch(`${api.url}/other`, { method: 'POST', body: '{}' });
    const tooDeep = await fetch(`${api.url}/webhooks/a/b`, { method: 'POST', body: '{}' });
    expect([missing.status, tooDeep.status]).toEqual([404, 404]);
    expect(await missing.json()).toEqual({ message: 'Not Found' });
    expect(calls).toBe(0);
    const crashed = await fetch(`${api.url}/webhooks/a`, { method: 'POST', body: '{}' });
    expect(crashed.status).toBe(500);
    expect(await crashed.json()).toEqual({ message: 'Internal Server Error' });
    expect(errors).toHaveLength(1);
  });
});

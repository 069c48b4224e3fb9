/**
 * The real webhook handler against a local-aws-sqs FIFO queue and a Secrets Manager double,
 * both on loopback, configured only through the environment (as in Lambda).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { signSinchCallback } from '../../functions/sinch/signature';
import { normalizeCallback } from '../../functions/webhook/normalize-callback';
import { type SecretsManagerDouble, startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import { apiGatewayEvent } from '../support/apigw';
import { callbacks, contactMessages, TEST_APP_ID, TEST_PROJECT_ID } from '../support/callbacks';
import { drainQueue } from '../support/sqs-drain';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const SECRET = 'whsec-current-8f2d';
const SECRET_ID = 'sinch/webhook-secrets';
const QUEUE = 'events.fifo';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let sqs: LocalSqs;
let sm: SecretsManagerDouble;
let consumer: SQSClient;
let handler: Handler;
/** Everything Powertools wrote (EMF metrics and JSON logs), one parsed object per line. */
let output: Record<string, unknown>[] = [];

/** A fresh module instance: what a new Lambda container (cold start) sees. */
async function coldHandler(env: Record<string, string> = {}): Promise<Handler> {
  Object.assign(process.env, env);
  vi.resetModules();
  return (await import('../../functions/webhook/handler')).handler as Handler;
}

function signedRequest(
  callback: Record<string, unknown>,
  options: { appId?: string; secret?: string; contentType?: string; timestamp?: number; nonce?: string } = {},
) {
  const body = JSON.stringify(callback);
  const signed = signSinchCallback({
    secret: options.secret ?? SECRET,
    body,
    timestamp: options.timestamp,
    nonce: options.nonce,
  });
  return apiGatewayEvent({
    path: `/webhooks/${options.appId ?? TEST_APP_ID}`,
    headers: { 'content-type': options.contentType ?? 'application/json', ...signed },
    body,
  });
}

/** Receives (and deletes) everything on the events queue. */
const drain = () => drainQueue(consumer, sqs.queueUrl(QUEUE));

function metricsNamed(name: string): Record<string, unknown>[] {
  return output.filter((line) => {
    const aws = line._aws as { CloudWatchMetrics?: Array<{ Metrics: Array<{ Name: string }> }> } | undefined;
    return aws?.CloudWatchMetrics?.some((m) => m.Metrics.some((x) => x.Name === name));
  });
}

beforeAll(async () => {
  sqs = await startLocalSqs({ queues: [{ name: QUEUE, attributes: { FifoQueue: 'true' } }] });
  sm = await startSecretsManagerDouble();
  sm.put(
    SECRET_ID,
    JSON.stringify({ [TEST_APP_ID]: [SECRET, 'whsec-previous-11aa'], other: 'other-secret' }),
  );
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    SINCH_REGION: 'eu',
    SINCH_PROJECT_ID: TEST_PROJECT_ID,
    EVENTS_QUEUE_URL: sqs.queueUrl(QUEUE),
    WEBHOOK_SECRETS_ID: SECRET_ID,
  });
  consumer = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials });
  // Powertools writes INFO and metrics to stdout, WARN and ERROR to stderr.
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) {
      try {
        if (line.trim()) output.push(JSON.parse(line));
      } catch {
        // not a Powertools line
      }
    }
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  handler = await coldHandler();
});

afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.all([sqs.close(), sm.close()]);
});

beforeEach(async () => {
  output = [];
  await drain();
});

describe('webhook handler: accepted callbacks', () => {
  it('a valid callback yields exactly the contract event and attributes', async () => {
    // Prepare
    const callback = callbacks.messageInbound({ mode: 'DISPATCH', identity: '46700000042' });
    const event = signedRequest(callback);
    // Act
    const response = await handler(event, {} as Context);
    const messages = await drain();
    // Assess
    expect(response.statusCode).toBe(200);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    const expected = normalizeCallback(callback, {
      region: 'eu',
      projectId: TEST_PROJECT_ID,
      appId: TEST_APP_ID,
      rawBody: event.body!,
      receivedAt: 'unused: the callback has accepted_time',
    });
    expect(JSON.parse(message!.Body!)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(JSON.parse(response.body!)).toEqual({ id: expected.id });
    expect(message!.Attributes).toMatchObject({
      MessageGroupId: `${TEST_APP_ID}:WHATSAPP:46700000042`,
      MessageDeduplicationId: expected.id,
    });
    expect(message!.MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'sinch.conversation.message_inbound' },
      appId: { DataType: 'String', StringValue: TEST_APP_ID },
      channel: { DataType: 'String', StringValue: 'WHATSAPP' },
    });
    expect(metricsNamed('EventsAccepted')).toEqual([
      expect.objectContaining({ type: 'sinch.conversation.message_inbound', EventsAccepted: 1 }),
    ]);
  });

  it('counts an accepted callback in its own INFO line, as valid embedded metric format', async () => {
    const response = await handler(signedRequest(callbacks.messageInbound()), {} as Context);
    expect(response.statusCode).toBe(200);
    const lines = output.filter((line) => line.message === 'callback enqueued');
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    const emf = line._aws as {
      Timestamp: unknown;
      CloudWatchMetrics: Array<{
        Namespace: string;
        Dimensions: string[][];
        Metrics: Array<{ Name: string }>;
      }>;
    };
    // What CloudWatch requires to extract the metric: a millisecond timestamp, every dimension a
    // top-level string, every metric a top-level number.
    expect(emf.Timestamp).toEqual(expect.any(Number));
    for (const directive of emf.CloudWatchMetrics) {
      for (const name of directive.Dimensions.flat()) expect(line[name]).toEqual(expect.any(String));
      for (const metric of directive.Metrics) expect(line[metric.Name]).toEqual(expect.any(Number));
    }
    expect(line).toMatchObject({
      level: 'INFO',
      service: 'sinch-webhook',
      type: 'sinch.conversation.message_inbound',
    });
    expect(metricsNamed('EventsAccepted')).toEqual([line]);
  });

  it('with INFO lines off, EventsAccepted is still written, as a metric line of its own', async () => {
    const quiet = await coldHandler({ POWERTOOLS_LOG_LEVEL: 'WARN' });
    try {
      const response = await quiet(signedRequest(callbacks.messageInbound()), {} as Context);
      expect(response.statusCode).toBe(200);
      expect(output.filter((line) => line.message === 'callback enqueued')).toEqual([]);
      expect(metricsNamed('EventsAccepted')).toEqual([
        expect.objectContaining({ type: 'sinch.conversation.message_inbound', EventsAccepted: 1 }),
      ]);
    } finally {
      delete process.env.POWERTOOLS_LOG_LEVEL;
    }
  });

  it('a Sinch retry with a new nonce and timestamp reaches the consumer once', async () => {
    const callback = callbacks.messageDelivery({ status: 'READ' });
    const first = await handler(signedRequest(callback), {} as Context);
    const retry = await handler(
      signedRequest(callback, { timestamp: Math.floor(Date.now() / 1000) - 20 }),
      {} as Context,
    );
    expect([first.statusCode, retry.statusCode]).toEqual([200, 200]);
    expect(retry.body).toBe(first.body);
    expect(await drain()).toHaveLength(1);
  });

  it('accepts a body API Gateway delivered base64-encoded, verified over its raw bytes', async () => {
    const event = signedRequest(callbacks.eventInbound(), { contentType: 'application/octet-stream' });
    expect(event.isBase64Encoded).toBe(true);
    expect((await handler(event, {} as Context)).statusCode).toBe(200);
    expect(await drain()).toHaveLength(1);
  });

  it('accepts the previous secret during rotation, and project-wide callbacks with an empty app_id', async () => {
    const rotated = await handler(
      signedRequest(callbacks.optIn(), { secret: 'whsec-previous-11aa' }),
      {} as Context,
    );
    const contact = await handler(signedRequest(callbacks.contactCreate({ appId: '' })), {} as Context);
    expect([rotated.statusCode, contact.statusCode]).toEqual([200, 200]);
    const types = (await drain()).map((m) => m.MessageAttributes?.type?.StringValue).sort();
    expect(types).toEqual(['sinch.conversation.contact_create', 'sinch.conversation.opt_in']);
  });

  it('a callback carrying U+FFFE, U+FFFF and a lone surrogate escape reaches SQS as a valid body', async () => {
    // Prepare: the characters SQS refuses raw; Sinch may deliver them (the lone surrogate as \\ud800).
    const text = 'x\uFFFEy\uFFFFz\uD800';
    const callback = callbacks.messageInbound({ content: contactMessages.text(text) });
    // Act
    const response = await handler(signedRequest(callback), {} as Context);
    const [message] = await drain();
    // Assess
    expect(response.statusCode).toBe(200);
    const body = message?.Body ?? '';
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    // Lone surrogates do not survive a UTF-8 round trip: a well-formed body does.
    expect(Buffer.from(body, 'utf8').toString('utf8')).toBe(body);
    const payload = JSON.parse(body).data.payload;
    expect(payload.message.contact_message.text_message.text).toBe(text);
  });

  it('enqueues a signed callback with no known key as sinch.conversation.unrecognized', async () => {
    const response = await handler(
      signedRequest({
        app_id: TEST_APP_ID,
        project_id: TEST_PROJECT_ID,
        accepted_time: '2026-11-25T06:30:00Z',
        x: {},
      }),
      {} as Context,
    );
    expect(response.statusCode).toBe(200);
    const [message] = await drain();
    expect(message?.MessageAttributes?.type?.StringValue).toBe('sinch.conversation.unrecognized');
    expect(message?.Attributes?.MessageGroupId).toBe(TEST_APP_ID);
  });
});

describe('webhook handler: rejections enqueue nothing', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, () => APIGatewayProxyEventV2, number, string]> = [
    [
      'no signature headers',
      () =>
        apiGatewayEvent({
          path: `/webhooks/${TEST_APP_ID}`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(callbacks.messageInbound()),
        }),
      401,
      'missing_signature',
    ],
    [
      'a wrong secret',
      () => signedRequest(callbacks.messageInbound(), { secret: 'guess' }),
      401,
      'invalid_signature',
    ],
    [
      'an unknown app',
      () => signedRequest(callbacks.messageInbound({ appId: 'UNKNOWNAPP' }), { appId: 'UNKNOWNAPP' }),
      401,
      'unknown_app',
    ],
    [
      'a timestamp 301 s old',
      () => signedRequest(callbacks.messageInbound(), { timestamp: now() - 301 }),
      401,
      'timestamp_out_of_range',
    ],
    [
      'another algorithm',
      () => {
        const event = signedRequest(callbacks.messageInbound());
        event.headers['x-sinch-webhook-signature-algorithm'] = 'HmacSHA1';
        return event;
      },
      401,
      'unsupported_algorithm',
    ],
    [
      'a body signed for another app',
      () =>
        signedRequest(callbacks.messageInbound({ appId: 'other' }), {
          appId: 'other',
          secret: 'other-secret',
        }),
      200,
      'accepted (control: the same app in path and body)',
    ],
    [
      "a body whose app_id is not the path's",
      () => signedRequest(callbacks.messageInbound({ appId: 'other' })),
      403,
      'app_mismatch',
    ],
    ['a JSON array', () => signedRequest([1, 2] as never), 400, 'invalid_json'],
    [
      'a body that is not JSON',
      () => {
        const body = 'app_id=x';
        return apiGatewayEvent({
          path: `/webhooks/${TEST_APP_ID}`,
          headers: { 'content-type': 'text/plain', ...signSinchCallback({ secret: SECRET, body }) },
          body,
        });
      },
      400,
      'invalid_json',
    ],
    [
      'a body over 256 KiB',
      () =>
        signedRequest(
          callbacks.messageInbound({ content: { text_message: { text: 'x'.repeat(256 * 1024) } } }),
        ),
      413,
      'body_too_large',
    ],
    [
      'GET on the webhook route',
      () => apiGatewayEvent({ method: 'GET', path: `/webhooks/${TEST_APP_ID}` }),
      405,
      'method_not_allowed',
    ],
    ['another route', () => apiGatewayEvent({ path: '/hooks' }), 404, 'route_not_found'],
  ];

  it.each(cases)('%s: answers %s', async (_label, build, status, reason) => {
    const response = await handler(build(), {} as Context);
    expect(response.statusCode).toBe(status);
    const enqueued = await drain();
    if (status === 200) {
      expect(enqueued).toHaveLength(1);
      return;
    }
    expect(enqueued).toEqual([]);
    expect(JSON.parse(response.body!)).toEqual({ error: expect.any(String) });
    expect(response.body).not.toContain(SECRET);
    expect(metricsNamed('WebhookRejected')).toEqual([
      expect.objectContaining({ reason, WebhookRejected: 1 }),
    ]);
  });

  it('never logs signatures, secrets or message text', async () => {
    const event = signedRequest(
      callbacks.messageInbound({ content: { text_message: { text: 'my pin is 4321' } } }),
    );
    await handler(event, {} as Context);
    await handler(signedRequest(callbacks.messageInbound(), { secret: 'guess' }), {} as Context);
    const written = JSON.stringify(output);
    expect(written).not.toContain('4321');
    expect(written).not.toContain(event.headers['x-sinch-webhook-signature']);
    expect(written).not.toContain(SECRET);
    expect(written).toContain('callback enqueued');
    expect(written).toContain('invalid_signature');
    expect(output.find((line) => line.message === 'callback enqueued')).toMatchObject({
      level: 'INFO',
      appId: TEST_APP_ID,
      type: 'sinch.conversation.message_inbound',
      eventId: expect.any(String),
      channel: 'WHATSAPP',
      apiRequestId: event.requestContext.requestId,
    });
    expect(output.find((line) => line.message === 'webhook request rejected')).toMatchObject({
      level: 'WARN',
      appId: TEST_APP_ID,
      reason: 'invalid_signature',
      status: 401,
    });
  });
});

describe('webhook handler: secrets refresh and failures', () => {
  it('an app added to the secret is accepted after the early refresh', async () => {
    const fresh = await coldHandler({ UNKNOWN_APP_REFRESH_SECONDS: '0' });
    await fresh(signedRequest(callbacks.messageInbound()), {} as Context);
    const before = sm.calls(SECRET_ID);
    sm.put(SECRET_ID, JSON.stringify({ [TEST_APP_ID]: SECRET, NEWAPP: 'new-secret' }));
    const response = await fresh(
      signedRequest(callbacks.messageInbound({ appId: 'NEWAPP' }), { appId: 'NEWAPP', secret: 'new-secret' }),
      {} as Context,
    );
    expect(response.statusCode).toBe(200);
    expect(sm.calls(SECRET_ID)).toBe(before + 1);
    expect(await drain()).toHaveLength(2);
  });

  it('a flood of unknown app ids does not hammer Secrets Manager', async () => {
    const fresh = await coldHandler({ UNKNOWN_APP_REFRESH_SECONDS: '60' });
    await fresh(signedRequest(callbacks.messageInbound()), {} as Context);
    const before = sm.calls(SECRET_ID);
    for (let i = 0; i < 25; i++) {
      const appId = `FORGED${i}`;
      const response = await fresh(
        signedRequest(callbacks.messageInbound({ appId }), { appId }),
        {} as Context,
      );
      expect(response.statusCode).toBe(401);
    }
    expect(sm.calls(SECRET_ID) - before).toBeLessThanOrEqual(1);
  });

  it('answers 5xx and enqueues nothing while Secrets Manager fails (cold container)', async () => {
    const fresh = await coldHandler();
    sm.failing = true;
    try {
      const response = await fresh(signedRequest(callbacks.messageInbound()), {} as Context);
      expect(response.statusCode).toBeGreaterThanOrEqual(500);
      expect(await drain()).toEqual([]);
    } finally {
      sm.failing = false;
    }
  });

  it('a secret rotated at Sinch is fetched again (rate-limited) before a 401, warm container', async () => {
    // Prepare: a warm container that cached the old secrets for five minutes.
    const fresh = await coldHandler({ UNKNOWN_APP_REFRESH_SECONDS: '60' });
    expect((await fresh(signedRequest(callbacks.messageInbound()), {} as Context)).statusCode).toBe(200);
    const before = sm.calls(SECRET_ID);
    sm.put(SECRET_ID, JSON.stringify({ [TEST_APP_ID]: ['whsec-rotated-77', SECRET], other: 'other-secret' }));
    // Past the early-refresh interval of the cold start's fetch, within the 5-minute cache.
    // Only Date is faked: the HTTP calls keep their real timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    try {
      // Act: Sinch signs with the new secret at once.
      const rotated = await fresh(
        signedRequest(callbacks.messageInbound(), { secret: 'whsec-rotated-77' }),
        {} as Context,
      );
      // A forger's wrong signatures right after cost no more fetches (shared budget).
      const forged = [];
      for (let i = 0; i < 10; i++) {
        forged.push(
          (await fresh(signedRequest(callbacks.messageInbound(), { secret: `nope-${i}` }), {} as Context))
            .statusCode,
        );
      }
      // Assess
      expect(rotated.statusCode).toBe(200);
      expect(forged.every((status) => status === 401)).toBe(true);
      expect(sm.calls(SECRET_ID) - before).toBe(1);
    } finally {
      vi.useRealTimers();
      sm.put(
        SECRET_ID,
        JSON.stringify({ [TEST_APP_ID]: [SECRET, 'whsec-previous-11aa'], other: 'other-secret' }),
      );
    }
  });

  it('Secrets Manager failing after the cache aged: the last good secret serves, with a metric and a log', async () => {
    // Prepare: a warm container whose cache ages at once.
    const fresh = await coldHandler({ SECRETS_MAX_AGE_SECONDS: '0' });
    expect((await fresh(signedRequest(callbacks.messageInbound()), {} as Context)).statusCode).toBe(200);
    await drain();
    output = [];
    sm.failing = true;
    try {
      // Act
      const known = await fresh(signedRequest(callbacks.messageDelivery()), {} as Context);
      const unknown = await fresh(
        signedRequest(callbacks.messageInbound({ appId: 'NEVERSEEN' }), { appId: 'NEVERSEEN' }),
        {} as Context,
      );
      // Assess
      expect(known.statusCode).toBe(200);
      expect(await drain()).toHaveLength(1);
      expect(unknown.statusCode).toBeGreaterThanOrEqual(500);
      expect(metricsNamed('StaleSecretsUsed')).toHaveLength(1);
      const warning = output.find((line) => String(line.message).includes('last good webhook secret'));
      expect(warning).toMatchObject({ appId: TEST_APP_ID });
      expect(JSON.stringify(output)).not.toContain(SECRET);
    } finally {
      sm.failing = false;
      delete process.env.SECRETS_MAX_AGE_SECONDS;
    }
  });

  it('logs malformed entries of the secret by app id, never their values', async () => {
    sm.put(
      SECRET_ID,
      JSON.stringify({ [TEST_APP_ID]: SECRET, BROKEN: { webhook: 42, leak: 'whsec-leak-5' } }),
    );
    try {
      const fresh = await coldHandler();
      output = [];
      expect((await fresh(signedRequest(callbacks.messageInbound()), {} as Context)).statusCode).toBe(200);
      const line = output.find((entry) => String(entry.message).includes('malformed'));
      expect(line).toMatchObject({ appIds: ['BROKEN'] });
      expect(metricsNamed('SecretEntriesMalformed')).toHaveLength(1);
      expect(JSON.stringify(output)).not.toContain('whsec-leak-5');
    } finally {
      sm.put(
        SECRET_ID,
        JSON.stringify({ [TEST_APP_ID]: [SECRET, 'whsec-previous-11aa'], other: 'other-secret' }),
      );
    }
  });

  it('a secret that is not JSON answers 500 without quoting it in any log line', async () => {
    sm.put(SECRET_ID, `{"${TEST_APP_ID}": "whsec-half-typed`);
    try {
      const fresh = await coldHandler();
      output = [];
      const response = await fresh(signedRequest(callbacks.messageInbound()), {} as Context);
      expect(response.statusCode).toBe(500);
      expect(JSON.stringify(output)).not.toContain('whsec-half');
    } finally {
      sm.put(
        SECRET_ID,
        JSON.stringify({ [TEST_APP_ID]: [SECRET, 'whsec-previous-11aa'], other: 'other-secret' }),
      );
    }
  });

  it("accepts a delivery report signed with the app's overridden-callback-URL secret", async () => {
    sm.put(
      SECRET_ID,
      JSON.stringify({
        [TEST_APP_ID]: { webhook: [SECRET], callbackUrl: 'whsec-callback-url-3' },
        other: 'other-secret',
      }),
    );
    try {
      const fresh = await coldHandler();
      const viaCallbackUrl = await fresh(
        signedRequest(callbacks.messageDelivery({ status: 'DELIVERED' }), { secret: 'whsec-callback-url-3' }),
        {} as Context,
      );
      const viaWebhook = await fresh(signedRequest(callbacks.messageInbound()), {} as Context);
      expect([viaCallbackUrl.statusCode, viaWebhook.statusCode]).toEqual([200, 200]);
      expect(await drain()).toHaveLength(2);
    } finally {
      sm.put(
        SECRET_ID,
        JSON.stringify({ [TEST_APP_ID]: [SECRET, 'whsec-previous-11aa'], other: 'other-secret' }),
      );
    }
  });

  it('answers 500 when the environment is incomplete', async () => {
    const saved = process.env.EVENTS_QUEUE_URL;
    delete process.env.EVENTS_QUEUE_URL;
    try {
      const fresh = await coldHandler();
      const response = await fresh(signedRequest(callbacks.messageInbound()), {} as Context);
      expect(response.statusCode).toBe(500);
    } finally {
      process.env.EVENTS_QUEUE_URL = saved;
    }
  });
});

describe('webhook handler: SQS down', () => {
  it('answers 5xx when SQS does not accept the event (Sinch then retries)', async () => {
    await sqs.close();
    const response = await handler(signedRequest(callbacks.messageInbound()), {} as Context);
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    expect(metricsNamed('EnqueueFailures')).toHaveLength(1);
  });
});

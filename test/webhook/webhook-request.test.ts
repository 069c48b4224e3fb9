import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageGroupIdOf } from '../../functions/events/message-group';
import { signSinchCallback } from '../../functions/sinch/signature';
import { toEventQueueMessage } from '../../functions/webhook/event-queue-message';
import { readWebhookConfig } from '../../functions/webhook/webhook-config';
import {
  decideWebhookRequest,
  fromApiGatewayEvent,
  MAX_BODY_BYTES,
  type WebhookRequest,
} from '../../functions/webhook/webhook-request';
import { rejectionResponse, type WEBHOOK_ANSWERS } from '../../functions/webhook/webhook-response';
import type { SecretsLookup, WebhookSecretStore } from '../../functions/webhook/webhook-secrets';
import { apiGatewayEvent, isTextContentType } from '../support/apigw';
import { callbacks, TEST_APP_ID } from '../support/callbacks';

const SECRET = 'decide-secret';
const settings = { region: 'us', projectId: 'proj', toleranceSeconds: 300 };

/** A secret store over a fixed map: the store's own caching is tested against the SM double. */
function fixedSecrets(map: Record<string, string[]>, failure?: SecretsLookup): WebhookSecretStore {
  return { secretsFor: async (appId) => failure ?? { ok: true, secrets: map[appId] ?? [] } };
}
const secrets = fixedSecrets({ [TEST_APP_ID]: [SECRET] });

function request(body: string | Buffer, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    method: 'POST',
    appId: TEST_APP_ID,
    headers: signSinchCallback({ secret: SECRET, body }),
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    receivedAt: Date.now(),
    ...overrides,
  };
}

describe('decideWebhookRequest', () => {
  it('enqueues a signed callback with its FIFO attributes', async () => {
    const body = JSON.stringify(callbacks.messageInbound({ channel: 'SMS', identity: '15551230000' }));
    const decision = await decideWebhookRequest(request(body), { settings, secrets });
    expect(decision.outcome).toBe('enqueue');
    if (decision.outcome !== 'enqueue') return;
    expect(decision.message.MessageGroupId).toBe(`${TEST_APP_ID}:SMS:15551230000`);
    expect(decision.message.MessageDeduplicationId).toBe(decision.event.id);
    expect(JSON.parse(decision.message.MessageBody)).toEqual(JSON.parse(JSON.stringify(decision.event)));
  });

  it('checks headers before secrets: a request without a signature costs no lookup', async () => {
    let lookups = 0;
    const counting: WebhookSecretStore = {
      secretsFor: async () => {
        lookups++;
        return { ok: true, secrets: [SECRET] };
      },
    };
    const decision = await decideWebhookRequest(request('{}', { headers: {} }), {
      settings,
      secrets: counting,
    });
    expect(decision).toMatchObject({ outcome: 'reject', kind: 'missing_signature' });
    expect(lookups).toBe(0);
  });

  it('maps secret store failures to their kinds', async () => {
    const down = fixedSecrets({}, { ok: false, kind: 'secrets_unavailable', cause: 'boom' });
    expect(await decideWebhookRequest(request('{}'), { settings, secrets: down })).toMatchObject({
      kind: 'secrets_unavailable',
    });
  });

  it('refuses a body one byte over the limit, and accepts one at the limit', async () => {
    const padded = (size: number) => {
      const base = JSON.stringify({ app_id: TEST_APP_ID, pad: '' });
      return base.replace('"pad":""', `"pad":"${'x'.repeat(size - base.length)}"`);
    };
    expect(
      await decideWebhookRequest(request(padded(MAX_BODY_BYTES + 1)), { settings, secrets }),
    ).toMatchObject({
      kind: 'body_too_large',
    });
    expect((await decideWebhookRequest(request(padded(MAX_BODY_BYTES)), { settings, secrets })).outcome).toBe(
      'enqueue',
    );
  });

  it('a signed request is enqueued only if it is unchanged (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.values(callbacks)).map((make) => JSON.stringify(make())),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (body, position, flip) => {
          const signed = request(body);
          const bytes = Buffer.from(signed.body);
          bytes[position % bytes.length]! ^= flip;
          const tampered = await decideWebhookRequest({ ...signed, body: bytes }, { settings, secrets });
          expect(tampered).toMatchObject({ outcome: 'reject', kind: 'invalid_signature' });
          expect((await decideWebhookRequest(signed, { settings, secrets })).outcome).toBe('enqueue');
        },
      ),
      { numRuns: 50 },
    );
  });

  it('any unsigned input is rejected, never enqueued (property)', async () => {
    const headerName = fc.constantFrom(
      'x-sinch-webhook-signature',
      'x-sinch-webhook-signature-timestamp',
      'x-sinch-webhook-signature-nonce',
      'x-sinch-webhook-signature-algorithm',
      'content-type',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(headerName, fc.string({ maxLength: 60 })),
        fc.string({ maxLength: 200 }),
        fc.constantFrom('POST', 'GET', 'PUT'),
        fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        async (headers, body, method, appId) => {
          const decision = await decideWebhookRequest(
            { method, appId, headers, body: Buffer.from(body), receivedAt: Date.now() },
            { settings, secrets },
          );
          expect(decision.outcome).toBe('reject');
        },
      ),
    );
  });
});

describe('fromApiGatewayEvent and the API Gateway payload 2.0 builder', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['text/plain', true],
    ['application/cloudevents+json', true],
    ['application/xml', true],
    ['application/octet-stream', false],
    ['application/x-www-form-urlencoded', false],
    [undefined, false],
  ])('content type %s arrives as text: %s', (contentType, asText) => {
    expect(isTextContentType(contentType)).toBe(asText);
    const event = apiGatewayEvent({
      path: '/webhooks/A',
      headers: contentType ? { 'content-type': contentType } : {},
      body: '{"a":"é"}',
    });
    expect(event.isBase64Encoded).toBe(!asText);
    expect(fromApiGatewayEvent(event).body.toString('utf8')).toBe('{"a":"é"}');
  });

  it('reads the app id from pathParameters, else from a /webhooks/{appId} path (stage prefix allowed)', () => {
    expect(fromApiGatewayEvent(apiGatewayEvent({ path: '/webhooks/01ABC' })).appId).toBe('01ABC');
    const staged = apiGatewayEvent({ path: '/prod/webhooks/01ABC', routeKey: '$default' });
    expect(fromApiGatewayEvent(staged).appId).toBe('01ABC');
    expect(fromApiGatewayEvent(apiGatewayEvent({ path: '/webhooks' })).appId).toBeUndefined();
  });
});

describe('event queue message', () => {
  it('groups by app and channel identity, by app alone without one', () => {
    expect(messageGroupIdOf('A', 'WHATSAPP', '4670')).toBe('A:WHATSAPP:4670');
    expect(messageGroupIdOf('A', 'WHATSAPP')).toBe('A');
    expect(messageGroupIdOf('A')).toBe('A');
  });

  it('keeps group ids within what SQS accepts (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (identity) => {
        expect(messageGroupIdOf('01HQ8Z0ZB6W1S4VJ4NPXAQ4E5T', 'INSTAGRAM', identity)).toMatch(
          /^[\x21-\x7e]{1,128}$/,
        );
      }),
    );
  });

  it('omits the channel attribute when there is no channel', async () => {
    const body = JSON.stringify(callbacks.contactCreate());
    const decision = await decideWebhookRequest(request(body), { settings, secrets });
    if (decision.outcome !== 'enqueue') throw new Error(`expected enqueue, got ${decision.kind}`);
    expect(Object.keys(toEventQueueMessage(decision.event).MessageAttributes)).toEqual(['type', 'appId']);
  });
});

describe('answers and configuration', () => {
  it('every rejection answers per the contract with a JSON error', () => {
    const expected: Record<string, number> = {
      route_not_found: 404,
      method_not_allowed: 405,
      body_too_large: 413,
      missing_signature: 401,
      unsupported_algorithm: 401,
      timestamp_out_of_range: 401,
      invalid_signature: 401,
      unknown_app: 401,
      app_mismatch: 403,
      invalid_json: 400,
    };
    for (const [kind, status] of Object.entries(expected)) {
      const response = rejectionResponse(kind as keyof typeof WEBHOOK_ANSWERS);
      expect([kind, response.statusCode]).toEqual([kind, status]);
      expect(JSON.parse(response.body!)).toEqual({ error: expect.any(String) });
    }
    for (const kind of [
      'secrets_unavailable',
      'secrets_misconfigured',
      'enqueue_failed',
      'misconfigured',
    ] as const) {
      expect(rejectionResponse(kind).statusCode).toBeGreaterThanOrEqual(500);
    }
  });

  it('reads the environment with defaults, and names the missing variables', () => {
    const env = { SINCH_REGION: 'eu', SINCH_PROJECT_ID: 'p', EVENTS_QUEUE_URL: 'q', WEBHOOK_SECRETS_ID: 's' };
    expect(readWebhookConfig(env)).toEqual({
      ok: true,
      config: {
        region: 'eu',
        projectId: 'p',
        eventsQueueUrl: 'q',
        secretsId: 's',
        toleranceSeconds: 300,
        secretsMaxAgeSeconds: 300,
        unknownAppRefreshSeconds: 60,
        secretsMaxStaleSeconds: 3600,
      },
    });
    expect(readWebhookConfig({ ...env, SIGNATURE_TOLERANCE_SECONDS: '60' })).toMatchObject({
      config: { toleranceSeconds: 60 },
    });
    const bad = readWebhookConfig({ ...env, SINCH_REGION: 'asia', WEBHOOK_SECRETS_ID: '' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.join()).toMatch(/SINCH_REGION.*WEBHOOK_SECRETS_ID/);
  });
});

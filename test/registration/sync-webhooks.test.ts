import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { currentSecret, syncWebhooks, type WebhookSpec } from '../../functions/registration/sync-webhooks';
import { SinchClient } from '../../functions/sinch/client';
import { SinchWebhooksApi } from '../../functions/sinch/webhooks-api';
import { type SinchDouble, startSinchDouble } from '../support/sinch-double';
import { type SinchWebhooksRoutes, sinchWebhooksRoutes } from '../support/sinch-webhooks-routes';

const projectId = 'a1b2c3d4-0000-4000-8000-000000000001';
const appId = '01JD4T8R0Y6W9E2B7KQ5M3NXZA';
const target = `https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/${appId}`;
const spec = (overrides: Partial<WebhookSpec> = {}): WebhookSpec => ({
  appId,
  target,
  secret: 'bridge-secret-0123456789',
  triggers: ['MESSAGE_INBOUND', 'MESSAGE_DELIVERY'],
  ...overrides,
});

describe('syncWebhooks against the Sinch webhooks admin API double', () => {
  let webhooks: SinchWebhooksRoutes;
  let sinch: SinchDouble;
  let client: SinchClient;

  beforeAll(async () => {
    webhooks = sinchWebhooksRoutes({ projectId });
    sinch = await startSinchDouble({ projectId, routes: [webhooks.route] });
    client = new SinchClient({
      projectId,
      apiUrl: sinch.apiUrl,
      authUrl: sinch.authUrl,
      credentials: { keyId: sinch.keyId, keySecret: sinch.keySecret },
      // Loopback on a loaded 2-core machine: the production 3 s connect timeout failed a create
      // now and then, and the property then saw 'create'/'update' on the second sync.
      timeouts: { connectMs: 60_000, totalMs: 120_000 },
    });
  });
  afterAll(() => sinch.close());
  beforeEach(() => {
    webhooks.webhooks.clear();
    webhooks.calls.length = 0;
  });

  it('creates the webhook when the app has none, then leaves it alone', async () => {
    // Act
    const first = await syncWebhooks({ client, apps: [spec()] });
    const second = await syncWebhooks({ client, apps: [spec()] });

    // Assess
    expect(first).toMatchObject({ ok: true, results: [{ appId, action: 'create' }] });
    const [stored] = webhooks.ofApp(appId);
    expect(stored).toMatchObject({
      target,
      target_type: 'HTTP',
      secret: spec().secret,
      triggers: spec().triggers,
    });
    expect(first.results[0]?.webhookId).toBe(stored?.id);
    expect(second.results[0]).toMatchObject({ action: 'none', webhookId: stored?.id, changes: [] });
    expect(webhooks.calls.filter((c) => c.method !== 'GET')).toHaveLength(1);
  });

  it('updates the webhook with the same target instead of creating a duplicate', async () => {
    // Prepare
    const existing = webhooks.seed({ app_id: appId, target, secret: 'old', triggers: ['MESSAGE_INBOUND'] });

    // Act
    const result = await syncWebhooks({ client, apps: [spec()] });

    // Assess
    expect(result.results[0]).toMatchObject({ action: 'update', webhookId: existing.id });
    expect(result.results[0]?.changes).toEqual(expect.arrayContaining(['secret', 'triggers']));
    expect(webhooks.ofApp(appId)).toEqual([
      expect.objectContaining({ id: existing.id, secret: spec().secret, triggers: spec().triggers }),
    ]);
    const patch = webhooks.calls.find((c) => c.method === 'PATCH');
    expect(patch?.path).toMatch(/update_mask=.*secret/);
  });

  it('moves its previous webhook to a new target rather than taking a second slot', async () => {
    // Prepare
    const previous = webhooks.seed({
      app_id: appId,
      target: 'https://old.example.com/hook',
      secret: 's',
      triggers: ['MESSAGE_INBOUND'],
    });

    // Act
    const result = await syncWebhooks({ client, apps: [spec({ previousWebhookId: previous.id })] });

    // Assess
    expect(result.results[0]).toMatchObject({ action: 'update', webhookId: previous.id });
    expect(result.results[0]?.changes).toContain('target');
    expect(webhooks.ofApp(appId)).toEqual([expect.objectContaining({ id: previous.id, target })]);
  });

  it('refuses with a clear webhook_limit error when the app already has 5 other webhooks', async () => {
    // Prepare
    for (let i = 0; i < 5; i++) {
      webhooks.seed({
        app_id: appId,
        target: `https://other.example.com/${i}`,
        secret: '',
        triggers: ['MESSAGE_INBOUND'],
      });
    }

    // Act
    const result = await syncWebhooks({ client, apps: [spec()] });

    // Assess
    expect(result.ok).toBe(false);
    expect(result.results[0]).toMatchObject({ action: 'failed', error: { kind: 'webhook_limit' } });
    expect(result.results[0]?.error?.message).toMatch(/5 webhooks.*maximum is 5/);
    expect(webhooks.calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('is refused by the double like Sinch: a sixth webhook or a duplicate target is a 400', async () => {
    // Prepare
    const api = new SinchWebhooksApi(client);
    for (let i = 0; i < 5; i++)
      await api.create(appId, { ...spec(), target: `https://other.example.com/${i}` });

    // Act / Assess
    await expect(api.create(appId, spec())).rejects.toMatchObject({ kind: 'rejected', status: 400 });
    await expect(api.create('01JD4T9C3VGW7YAQ2H8N5PRF6D', spec())).resolves.toMatchObject({ target });
    await expect(api.create('01JD4T9C3VGW7YAQ2H8N5PRF6D', spec())).rejects.toMatchObject({ status: 400 });
  });

  it('changes nothing on a dry run, but says what it would do', async () => {
    // Prepare
    const other = '01JD4T9C3VGW7YAQ2H8N5PRF6D';
    webhooks.seed({ app_id: other, target: `${target}-x`, secret: 'old', triggers: ['MESSAGE_INBOUND'] });
    const before = JSON.stringify([...webhooks.webhooks.values()]);

    // Act
    const result = await syncWebhooks({
      client,
      dryRun: true,
      apps: [spec(), spec({ appId: other, target: `${target}-x` })],
    });

    // Assess
    expect(result.dryRun).toBe(true);
    expect(result.results.map((r) => r.action)).toEqual(['create', 'update']);
    expect(webhooks.calls.every((c) => c.method === 'GET')).toBe(true);
    expect(JSON.stringify([...webhooks.webhooks.values()])).toBe(before);
  });

  it('returns Sinch failures as values with a kind', async () => {
    // Prepare
    webhooks.failNext(503);
    const retryable = await syncWebhooks({ client, apps: [spec()] });
    webhooks.failNext(403);
    const rejected = await syncWebhooks({ client, apps: [spec()] });

    // Assess
    expect(retryable.results[0]).toMatchObject({ action: 'failed', error: { kind: 'retryable' } });
    expect(rejected.results[0]).toMatchObject({ action: 'failed', error: { kind: 'rejected' } });
    expect(webhooks.ofApp(appId)).toHaveLength(0);
  });

  it('converges from any starting set of webhooks: one ours, the others untouched, never more than 5', async () => {
    const targetArb = fc.oneof(fc.constant(target), fc.webUrl({ validSchemes: ['https'] }));
    const existingArb = fc.uniqueArray(
      fc.record({
        target: targetArb,
        secret: fc.string({ maxLength: 8 }),
        triggers: fc.subarray(['MESSAGE_INBOUND', 'MESSAGE_DELIVERY', 'EVENT_INBOUND', 'OPT_IN'], {
          minLength: 1,
        }),
      }),
      { maxLength: 5, selector: (w) => w.target },
    );
    await fc.assert(
      fc.asyncProperty(existingArb, async (existing) => {
        // Prepare
        webhooks.webhooks.clear();
        const seeded = existing.map((w) => webhooks.seed({ app_id: appId, ...w }));
        const others = seeded.filter((w) => w.target !== target);

        // Act
        const first = await syncWebhooks({ client, apps: [spec()] });
        const second = await syncWebhooks({ client, apps: [spec()] });

        // Assess
        const now = webhooks.ofApp(appId);
        expect(now.length).toBeLessThanOrEqual(5);
        for (const other of others) expect(webhooks.webhooks.get(other.id)).toEqual(other);
        if (others.length === 5) {
          expect(first.results[0]?.error?.kind).toBe('webhook_limit');
          return;
        }
        expect(first.results[0]?.error).toBeUndefined();
        const ours = now.filter((w) => w.target === target);
        expect(ours).toEqual([expect.objectContaining({ secret: spec().secret, triggers: spec().triggers })]);
        expect(second.results[0]?.action).toBe('none');
      }),
      { numRuns: 40 },
    );
  });
});

describe('currentSecret', () => {
  it('takes the string, or the current (first) of a [current, previous] pair', () => {
    expect(currentSecret({ [appId]: 'one' }, appId)).toBe('one');
    expect(currentSecret({ [appId]: ['new', 'old'] }, appId)).toBe('new');
    expect(currentSecret({ [appId]: { webhook: ['w-new', 'w-old'], callbackUrl: 'cb' } }, appId)).toBe(
      'w-new',
    );
    expect(currentSecret({ [appId]: '' }, appId)).toBeUndefined();
    expect(currentSecret({}, appId)).toBeUndefined();
    expect(currentSecret(null, appId)).toBeUndefined();
  });
});

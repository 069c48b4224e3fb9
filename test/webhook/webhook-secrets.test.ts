import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createWebhookSecretStore,
  parseWebhookSecrets,
  type SecretStoreNotice,
} from '../../functions/webhook/webhook-secrets';
import { type SecretsManagerDouble, startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';

let sm: SecretsManagerDouble;
let secretId: string;
let serial = 0;

beforeAll(async () => {
  sm = await startSecretsManagerDouble();
});
afterAll(() => sm.close());
beforeEach(() => {
  // A fresh secret per test keeps the call counts apart.
  secretId = `webhook-secrets-${++serial}`;
  sm.failing = false;
});

function storeWithClock(options: { secretId?: string; maxAgeSeconds?: number } = {}) {
  const clock = { now: 1_000_000 };
  const notices: SecretStoreNotice[] = [];
  const client = new SecretsManagerClient({
    endpoint: sm.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const store = createWebhookSecretStore({
    secretId: options.secretId ?? secretId,
    provider: new SecretsProvider({ awsSdkV3Client: client }),
    maxAgeSeconds: options.maxAgeSeconds ?? 300,
    unknownAppRefreshSeconds: 60,
    now: () => clock.now,
    notify: (notice) => notices.push(notice),
  });
  return { store, clock, notices };
}

describe('parseWebhookSecrets', () => {
  it('reads single secrets and [current, previous] pairs, and skips malformed entries', () => {
    const parsed = parseWebhookSecrets(JSON.stringify({ a: 's1', b: ['new', 'old'], c: 42, d: [], e: '' }));
    expect(parsed?.secrets).toEqual(
      new Map([
        ['a', ['s1']],
        ['b', ['new', 'old']],
      ]),
    );
    expect(parsed?.malformedApps).toEqual(['c', 'd', 'e']);
  });

  it.each(['not json', '[]', '"x"', 'null'])('refuses %s', (raw) => {
    expect(parseWebhookSecrets(raw)).toBeUndefined();
  });
});

describe('createWebhookSecretStore against a Secrets Manager double', () => {
  it('fetches once per container for known apps', async () => {
    sm.put(secretId, JSON.stringify({ app1: 'secret-1', app2: ['current', 'previous'] }));
    const { store } = storeWithClock();
    for (let i = 0; i < 5; i++) {
      expect(await store.secretsFor('app1')).toEqual({ ok: true, secrets: ['secret-1'] });
    }
    expect(await store.secretsFor('app2')).toEqual({ ok: true, secrets: ['current', 'previous'] });
    expect(sm.calls(secretId)).toBe(1);
  });

  it('refreshes after maxAge, so a changed secret is picked up without a redeploy', async () => {
    // Only Date is faked: the HTTP calls to the double keep their real timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      sm.put(secretId, JSON.stringify({ app1: 'old' }));
      const { store } = storeWithClock();
      expect(await store.secretsFor('app1')).toEqual({ ok: true, secrets: ['old'] });
      sm.put(secretId, JSON.stringify({ app1: ['new', 'old'] }));
      vi.setSystemTime(Date.now() + 299_000);
      expect(await store.secretsFor('app1')).toEqual({ ok: true, secrets: ['old'] });
      vi.setSystemTime(Date.now() + 2_000);
      expect(await store.secretsFor('app1')).toEqual({ ok: true, secrets: ['new', 'old'] });
      expect(sm.calls(secretId)).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('an unknown app at cold start costs no second fetch', async () => {
    sm.put(secretId, JSON.stringify({ app1: 'secret-1' }));
    const { store } = storeWithClock();
    expect(await store.secretsFor('nobody')).toEqual({ ok: true, secrets: [] });
    expect(sm.calls(secretId)).toBe(1);
  });

  it('an app added to the secret is found by one early refresh; a flood of unknown ids refreshes once a minute', async () => {
    // Prepare: a warm container.
    sm.put(secretId, JSON.stringify({ app1: 'secret-1' }));
    const { store, clock } = storeWithClock();
    await store.secretsFor('app1');
    clock.now += 61_000;
    sm.put(secretId, JSON.stringify({ app1: 'secret-1', app3: 'secret-3' }));
    // Act + Assess: the new app is found at once, with one refresh.
    expect(await store.secretsFor('app3')).toEqual({ ok: true, secrets: ['secret-3'] });
    expect(sm.calls(secretId)).toBe(2);
    // A flood of unknown ids within the minute: no more calls.
    for (let i = 0; i < 50; i++) await store.secretsFor(`forged-${i}`);
    expect(sm.calls(secretId)).toBe(2);
    // After the minute: exactly one more.
    clock.now += 60_000;
    for (let i = 0; i < 50; i++) await store.secretsFor(`forged-${i}`);
    expect(sm.calls(secretId)).toBe(3);
  });

  it('concurrent lookups at cold start share one fetch', async () => {
    sm.put(secretId, JSON.stringify({ app1: 'secret-1' }));
    const { store } = storeWithClock();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.secretsFor('app1')));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sm.calls(secretId)).toBe(1);
  });

  it('Secrets Manager failing is secrets_unavailable (the webhook answers 5xx)', async () => {
    sm.put(secretId, JSON.stringify({ app1: 'secret-1' }));
    sm.failing = true;
    const { store } = storeWithClock();
    expect(await store.secretsFor('app1')).toMatchObject({ ok: false, kind: 'secrets_unavailable' });
  });

  it('a missing or malformed secret is secrets_misconfigured', async () => {
    expect(await storeWithClock({ secretId: 'does-not-exist' }).store.secretsFor('app1')).toMatchObject({
      ok: false,
      kind: 'secrets_misconfigured',
    });
    sm.put(secretId, 'app1=secret');
    expect(await storeWithClock().store.secretsFor('app1')).toMatchObject({
      ok: false,
      kind: 'secrets_misconfigured',
    });
  });

  it('stale-on-error: last good secrets of known apps for at most an hour, then 5xx', async () => {
    // Prepare: fetched once; the cache ages at once (maxAge 0).
    sm.put(secretId, JSON.stringify({ app1: 'secret-1' }));
    const { store, clock, notices } = storeWithClock({ maxAgeSeconds: 0 });
    expect(await store.secretsFor('app1')).toEqual({ ok: true, secrets: ['secret-1'] });
    sm.failing = true;
    // Act + Assess: within the hour, served stale and reported.
    clock.now += 30 * 60_000;
    expect(await store.secretsFor('app1')).toEqual({
      ok: true,
      secrets: ['secret-1'],
      stale: { ageSeconds: 1800 },
    });
    expect(notices).toContainEqual(
      expect.objectContaining({ kind: 'stale_secrets', appId: 'app1', ageSeconds: 1800 }),
    );
    // Never seen: no secret to be stale with.
    expect(await store.secretsFor('app2')).toMatchObject({ ok: false, kind: 'secrets_unavailable' });
    // Past the hour: 5xx, so Sinch retries.
    clock.now += 31 * 60_000;
    expect(await store.secretsFor('app1')).toMatchObject({ ok: false, kind: 'secrets_unavailable' });
    // Back: fresh again, and the failures did not queue a fetch per request.
    sm.failing = false;
    clock.now += 10_000;
    expect(await store.secretsFor('app1')).toEqual({ ok: true, secrets: ['secret-1'] });
  });

  it('a failed signature refresh shares the early-refresh budget with unknown apps', async () => {
    sm.put(secretId, JSON.stringify({ app1: 'old' }));
    const { store, clock } = storeWithClock();
    await store.secretsFor('app1');
    sm.put(secretId, JSON.stringify({ app1: ['new', 'old'] }));
    expect(await store.refreshedSecretsFor('app1')).toBeUndefined(); // the cold start's fetch is 0 s old
    clock.now += 60_000;
    expect(await store.refreshedSecretsFor('app1')).toEqual({ ok: true, secrets: ['new', 'old'] });
    expect(await store.secretsFor('unknown')).toEqual({ ok: true, secrets: [] });
    expect(sm.calls(secretId)).toBe(2);
  });

  it('reports malformed entries by app id each time a new value is parsed', async () => {
    sm.put(secretId, JSON.stringify({ app1: 'ok', bad: { webhook: '' } }));
    const { store, notices } = storeWithClock();
    await store.secretsFor('app1');
    expect(notices).toEqual([{ kind: 'malformed_entries', appIds: ['bad'] }]);
  });
});

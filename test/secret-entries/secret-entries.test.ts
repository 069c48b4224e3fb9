/**
 * The deploy-time secret entries (Custom::WebhookSecretEntries) and the compare-and-swap writes
 * under them, against the Secrets Manager double through the real AWS SDK client.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAppEntries } from '../../functions/secret-entries/secret-entries';
import { readAppEntry } from '../../functions/webhook/webhook-secrets-document';
import { updateWebhookSecrets } from '../../functions/webhook/webhook-secrets-store';
import { type SecretsManagerDouble, startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';

const A = '01JD4T8R0Y6W9E2B7KQ5M3NXZA';
const B = '01JD4T8R0Y6W9E2B7KQ5M3NXZB';
const C = '01JD4T8R0Y6W9E2B7KQ5M3NXZC';

let sm: SecretsManagerDouble;
let client: SecretsManagerClient;
let handler: (event: CloudFormationCustomResourceEvent) => Promise<{
  PhysicalResourceId: string;
  Data?: Record<string, unknown>;
}>;

function event(
  requestType: 'Create' | 'Update' | 'Delete',
  props: Record<string, unknown>,
): CloudFormationCustomResourceEvent {
  return {
    RequestType: requestType,
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/SinchBridge-eu/x',
    RequestId: 'r-1',
    LogicalResourceId: 'IngressSecretEntriesEntries',
    ResourceType: 'Custom::WebhookSecretEntries',
    ResourceProperties: { ServiceToken: 'x', ...props },
    ...(requestType === 'Create'
      ? {}
      : { PhysicalResourceId: 'webhook-secret-entries', OldResourceProperties: { ServiceToken: 'x' } }),
  } as CloudFormationCustomResourceEvent;
}

beforeAll(async () => {
  sm = await startSecretsManagerDouble({ region: 'eu-west-1' });
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = sm.endpoint;
  process.env.AWS_REGION = 'eu-west-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  client = new SecretsManagerClient({});
  ({ handler } = await import('../../functions/secret-entries/handler'));
});
afterAll(async () => {
  client.destroy();
  await sm.close();
});

const read = (id: string) => JSON.parse(sm.value(id) ?? 'null') as Record<string, unknown>;

describe('withAppEntries', () => {
  it('never rewrites an existing entry, whatever the app list (property)', () => {
    const appId = fc.constantFrom(A, B, C, 'other');
    const entry = fc.oneof(
      fc.string({ minLength: 1 }),
      fc.tuple(fc.string({ minLength: 1 }), fc.string({ minLength: 1 })),
      fc.record({ webhook: fc.string({ minLength: 1 }), callbackUrl: fc.string({ minLength: 1 }) }),
      fc.constant(42),
    );
    fc.assert(
      fc.property(
        fc.dictionary(appId, entry),
        fc.uniqueArray(appId),
        fc.uniqueArray(appId),
        (document, appIds, callbackUrlAppIds) => {
          const { next, change } = withAppEntries(document, { appIds, callbackUrlAppIds, prune: false });
          const after = next ?? document;
          for (const [id, value] of Object.entries(document)) {
            const before = readAppEntry(value);
            if (!before || change.addedCallbackUrl.includes(id)) {
              if (!before) expect(after[id]).toEqual(value);
              else expect(readAppEntry(after[id])?.webhook).toEqual(before.webhook);
            } else {
              expect(after[id]).toEqual(value);
            }
          }
          for (const id of appIds) expect(Object.hasOwn(after, id)).toBe(true);
          expect(next === undefined).toBe(change.added.length + change.addedCallbackUrl.length === 0);
        },
      ),
    );
  });

  it('drops entries of apps no longer configured only when asked', () => {
    const document = { [A]: 'a', [B]: ['b-new', 'b-old'] };
    expect(
      withAppEntries(document, { appIds: [A], callbackUrlAppIds: [], prune: false }).next,
    ).toBeUndefined();
    const pruned = withAppEntries(document, { appIds: [A], callbackUrlAppIds: [], prune: true });
    expect(pruned.next).toEqual({ [A]: 'a' });
    expect(pruned.change.removed).toEqual([B]);
  });
});

describe('Custom::WebhookSecretEntries', () => {
  it('fills an empty secret, then only adds: a rotated app survives adding and removing apps', async () => {
    sm.create('entries-1');
    const created = await handler(event('Create', { SecretId: 'entries-1', AppIds: [A, B] }));
    expect(created.PhysicalResourceId).toBe('webhook-secret-entries');
    const first = read('entries-1');
    expect(Object.keys(first).sort()).toEqual([A, B]);
    expect(first[A]).toMatch(/^[A-Za-z0-9_-]{48}$/);
    expect(first[A]).not.toBe(first[B]);

    // An operator rotates A, then a deploy adds C and removes B.
    sm.put('entries-1', JSON.stringify({ ...first, [A]: ['rotated-new', first[A]] }));
    await handler(event('Update', { SecretId: 'entries-1', AppIds: [A, C], PruneRemovedApps: 'false' }));
    const second = read('entries-1');
    expect(second[A]).toEqual(['rotated-new', first[A]]);
    expect(second[B]).toBe(first[B]);
    expect(typeof second[C]).toBe('string');

    // The same deploy again writes nothing.
    const writes = sm.writes('entries-1');
    await handler(event('Update', { SecretId: 'entries-1', AppIds: [A, C] }));
    expect(sm.writes('entries-1')).toBe(writes);
  });

  it('adds a callback URL secret to an existing app, keeping its webhook secrets', async () => {
    sm.put('entries-2', JSON.stringify({ [A]: ['w-new', 'w-old'] }));
    await handler(event('Update', { SecretId: 'entries-2', AppIds: [A], CallbackUrlAppIds: [A] }));
    const entry = readAppEntry(read('entries-2')[A]);
    expect(entry?.webhook).toEqual(['w-new', 'w-old']);
    expect(entry?.callbackUrl).toHaveLength(1);
    expect(entry?.callbackUrl[0]).toMatch(/^[A-Za-z0-9_-]{48}$/);
  });

  it('prunes removed apps only with PruneRemovedApps (the teardown switch)', async () => {
    sm.put('entries-3', JSON.stringify({ [A]: 'a', [B]: 'b' }));
    await handler(event('Update', { SecretId: 'entries-3', AppIds: [A], PruneRemovedApps: 'true' }));
    expect(read('entries-3')).toEqual({ [A]: 'a' });
  });

  it('keeps a malformed entry as it is and never quotes a secret in its errors', async () => {
    sm.put('entries-4', JSON.stringify({ [A]: { webhook: '' }, [B]: 'keep-me' }));
    await handler(event('Update', { SecretId: 'entries-4', AppIds: [A, B] }));
    expect(read('entries-4')).toEqual({ [A]: { webhook: '' }, [B]: 'keep-me' });

    sm.put('entries-5', '{"01JD4T8R0Y6W9E2B7KQ5M3NXZA": "half-typed-secret-value');
    const error = await handler(event('Update', { SecretId: 'entries-5', AppIds: [A] })).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('the webhook secrets: not valid JSON');
    expect((error as Error).message).not.toContain('half-typed');
    // Nothing was written over the operator's value.
    expect(sm.value('entries-5')).toContain('half-typed');

    sm.failing = true;
    try {
      const unavailable = await handler(event('Update', { SecretId: 'entries-4', AppIds: [A] })).catch(
        (e) => e,
      );
      expect((unavailable as Error).message).toBe('cannot read the webhook secrets: InternalServiceError');
    } finally {
      sm.failing = false;
    }
  });

  it('does nothing on Delete (the secret goes with the stack)', async () => {
    sm.put('entries-6', JSON.stringify({ [A]: 'a' }));
    const writes = sm.writes('entries-6');
    await handler(event('Delete', { SecretId: 'entries-6', AppIds: [] }));
    expect(sm.writes('entries-6')).toBe(writes);
    expect(read('entries-6')).toEqual({ [A]: 'a' });
  });
});

describe('updateWebhookSecrets (compare-and-swap)', () => {
  it('never loses a concurrent writer: every one of many parallel changes lands', async () => {
    sm.put('cas-1', '{}');
    const ids = Array.from({ length: 12 }, (_, i) => `app-${i}`);
    await Promise.all(
      ids.map((id) =>
        updateWebhookSecrets({
          client,
          secretId: 'cas-1',
          maxAttempts: 20,
          change: (doc) => ({ next: { ...doc, [id]: `secret-${id}` }, result: undefined }),
        }),
      ),
    );
    expect(Object.keys(read('cas-1')).sort()).toEqual([...ids].sort());
  });

  it('a writer based on a replaced version is refused by Secrets Manager and reapplies on top', async () => {
    sm.put('cas-2', JSON.stringify({ [A]: 'a' }));
    let interleaved = false;
    // Writer 1's client: just before its first write, writer 2 runs a whole update based on the
    // same version writer 1 read.
    const racing = {
      send: async (command: Parameters<SecretsManagerClient['send']>[0]) => {
        if (!interleaved && command.constructor.name === 'PutSecretValueCommand') {
          interleaved = true;
          await updateWebhookSecrets({
            client,
            secretId: 'cas-2',
            change: (doc) => ({ next: { ...doc, [B]: 'b' }, result: undefined }),
          });
        }
        return client.send(command as never);
      },
    } as Pick<SecretsManagerClient, 'send'>;
    let changes = 0;
    await updateWebhookSecrets({
      client: racing,
      secretId: 'cas-2',
      change: (doc) => {
        changes++;
        return { next: { ...doc, [C]: 'c' }, result: undefined };
      },
    });
    expect(interleaved).toBe(true);
    expect(changes).toBe(2);
    expect(read('cas-2')).toEqual({ [A]: 'a', [B]: 'b', [C]: 'c' });
  });
});

describe('the propagation wait after adding', () => {
  it('waits PropagationSeconds only when it added a secret, so Sinch is told after every container knows it', async () => {
    const { ensureSecretEntries } = await import('../../functions/secret-entries/secret-entries');
    sm.put('wait-1', JSON.stringify({ [A]: 'a' }));
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    const props = (appIds: string[]) => ({
      SecretId: 'wait-1',
      AppIds: appIds,
      CallbackUrlAppIds: [],
      PruneRemovedApps: 'false' as const,
      PropagationSeconds: '330',
    });
    await ensureSecretEntries(client, props([A]), sleep);
    expect(waits).toEqual([]);
    await ensureSecretEntries(client, props([A, B]), sleep);
    expect(waits).toEqual([330_000]);
  });
});

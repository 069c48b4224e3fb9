import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SecretsManagerDouble, startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import { type SinchDouble, startSinchDouble } from '../support/sinch-double';
import { type SinchWebhooksRoutes, sinchWebhooksRoutes } from '../support/sinch-webhooks-routes';

const projectId = 'a1b2c3d4-0000-4000-8000-000000000002';
const appId = '01JD4T8R0Y6W9E2B7KQ5M3NXZA';
const target = `https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/${appId}`;
const SECRETS_ID = 'bridge/webhook-secrets';
const CREDENTIALS_ID = 'bridge/sinch-credentials';

/** A CloudFormation custom resource event as the Provider framework hands it to onEvent. */
function cfnEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  overrides: {
    physicalId?: string;
    properties?: Record<string, unknown>;
    old?: Record<string, unknown>;
  } = {},
): CloudFormationCustomResourceEvent {
  const ResourceProperties = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
    AppId: appId,
    Target: target,
    Triggers: ['MESSAGE_INBOUND', 'MESSAGE_DELIVERY', 'EVENT_INBOUND', 'MESSAGE_SUBMIT'],
    WebhookSecretsId: SECRETS_ID,
    SinchCredentialsId: CREDENTIALS_ID,
    SinchRegion: 'eu',
    ProjectId: projectId,
    Revision: '1',
    ...overrides.properties,
  };
  const base = {
    ServiceToken: ResourceProperties.ServiceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/SinchBridge-eu/1',
    RequestId: 'request-1',
    LogicalResourceId: `RegistrationWebhook${appId}`,
    ResourceType: 'Custom::SinchWebhook',
    ResourceProperties,
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  if (requestType === 'Update') {
    return {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId: overrides.physicalId ?? 'none',
      OldResourceProperties: ResourceProperties,
    };
  }
  return { ...base, RequestType: 'Delete', PhysicalResourceId: overrides.physicalId ?? 'none' };
}

describe('registration custom resource handler (Provider framework onEvent)', () => {
  let sm: SecretsManagerDouble;
  let sinch: SinchDouble;
  let webhooks: SinchWebhooksRoutes;
  let handler: (event: CloudFormationCustomResourceEvent) => Promise<{
    PhysicalResourceId: string;
    Data: { WebhookId: string; Status: string };
  }>;

  beforeAll(async () => {
    sm = await startSecretsManagerDouble();
    webhooks = sinchWebhooksRoutes({ projectId });
    sinch = await startSinchDouble({ projectId, routes: [webhooks.route] });
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      SINCH_API_URL: sinch.apiUrl,
      SINCH_AUTH_URL: sinch.authUrl,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    ({ handler } = await import('../../functions/registration/handler'));
  });
  afterAll(async () => {
    await Promise.all([sinch.close(), sm.close()]);
  });
  beforeEach(() => {
    webhooks.webhooks.clear();
    webhooks.calls.length = 0;
    sm.put(SECRETS_ID, JSON.stringify({ [appId]: 'generated-secret-1' }));
    sm.put(CREDENTIALS_ID, JSON.stringify({ keyId: sinch.keyId, keySecret: sinch.keySecret }));
  });

  it('registers on Create, moves the same webhook on Update, removes it on Delete', async () => {
    // Act: create
    const created = await handler(cfnEvent('Create'));

    // Assess
    const [stored] = webhooks.ofApp(appId);
    expect(created).toEqual({
      PhysicalResourceId: stored?.id,
      Data: { WebhookId: stored?.id, Status: 'REGISTERED' },
    });
    expect(stored).toMatchObject({ target, secret: 'generated-secret-1', target_type: 'HTTP' });
    expect(stored?.triggers).toEqual([
      'MESSAGE_INBOUND',
      'MESSAGE_DELIVERY',
      'EVENT_INBOUND',
      'MESSAGE_SUBMIT',
    ]);

    // Act: update to a new URL and a rotated secret
    sm.put(SECRETS_ID, JSON.stringify({ [appId]: ['generated-secret-2', 'generated-secret-1'] }));
    const updated = await handler(
      cfnEvent('Update', { physicalId: created.PhysicalResourceId, properties: { Target: `${target}/v2` } }),
    );

    // Assess: same physical id, so CloudFormation deletes nothing
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(webhooks.ofApp(appId)).toEqual([
      expect.objectContaining({
        id: created.PhysicalResourceId,
        target: `${target}/v2`,
        secret: 'generated-secret-2',
      }),
    ]);

    // Act: delete, twice (CloudFormation may retry)
    await handler(cfnEvent('Delete', { physicalId: created.PhysicalResourceId }));
    const again = await handler(cfnEvent('Delete', { physicalId: created.PhysicalResourceId }));

    // Assess
    expect(webhooks.ofApp(appId)).toHaveLength(0);
    expect(again.Data.Status).toBe('DELETED');
  });

  it('waits instead of failing the deploy while the access key secret is still empty', async () => {
    // Prepare
    sm.put(CREDENTIALS_ID, JSON.stringify({ keyId: '', keySecret: '' }));

    // Act
    const pending = await handler(cfnEvent('Create'));
    const deleted = await handler(cfnEvent('Delete', { physicalId: pending.PhysicalResourceId }));

    // Assess
    expect(pending).toEqual({
      PhysicalResourceId: `pending:${appId}`,
      Data: { WebhookId: '', Status: 'AWAITING_CREDENTIALS' },
    });
    expect(deleted.Data.Status).toBe('DELETED');
    expect(webhooks.calls.length).toBe(0);
  });

  it('registers on the Update that follows filling the access key (revision bump)', async () => {
    // Act
    const updated = await handler(
      cfnEvent('Update', { physicalId: `pending:${appId}`, properties: { Revision: '2' } }),
    );

    // Assess
    expect(updated.Data.Status).toBe('REGISTERED');
    expect(webhooks.ofApp(appId)).toEqual([
      expect.objectContaining({ id: updated.PhysicalResourceId, target }),
    ]);
  });

  it('fails the deploy with a message naming the limit when the app has 5 webhooks', async () => {
    // Prepare
    for (let i = 0; i < 5; i++) {
      webhooks.seed({
        app_id: appId,
        target: `https://other.example.com/${i}`,
        secret: '',
        triggers: ['MESSAGE_INBOUND'],
      });
    }

    // Act / Assess
    await expect(handler(cfnEvent('Create'))).rejects.toMatchObject({
      kind: 'webhook_limit',
      message: expect.stringMatching(/maximum is 5/),
    });
  });

  it('fails when the webhook secrets have no secret for the app', async () => {
    sm.put(SECRETS_ID, JSON.stringify({ someOtherApp: 'x' }));
    await expect(handler(cfnEvent('Create'))).rejects.toMatchObject({ kind: 'missing_secret' });
    expect(webhooks.ofApp(appId)).toHaveLength(0);
  });

  it('refuses invalid properties on Create, and lets a never-valid resource be deleted', async () => {
    await expect(handler(cfnEvent('Create', { properties: { Target: 'not a url' } }))).rejects.toMatchObject({
      kind: 'invalid_properties',
      message: expect.stringContaining('Target'),
    });
    const deleted = await handler(
      cfnEvent('Delete', { physicalId: 'x', properties: { Target: 'not a url' } }),
    );
    expect(deleted.Data.Status).toBe('DELETED');
    expect(webhooks.calls).toHaveLength(0);
  });

  it('fails (so CloudFormation reports it) when Secrets Manager is down', async () => {
    sm.failing = true;
    try {
      await expect(handler(cfnEvent('Create'))).rejects.toThrow();
    } finally {
      sm.failing = false;
    }
  });

  it('never fails a stack delete because the access key secret is unreadable: the webhook stays', async () => {
    // Prepare
    const created = await handler(cfnEvent('Create'));
    sm.failing = true;
    try {
      // Act
      const deleted = await handler(cfnEvent('Delete', { physicalId: created.PhysicalResourceId }));
      // Assess
      expect(deleted.Data.Status).toBe('DELETED');
    } finally {
      sm.failing = false;
    }
    expect(webhooks.ofApp(appId)).toHaveLength(1);
  });

  it('retries transient Sinch answers (429, 5xx) within its budget, on Create and on Delete', async () => {
    // Prepare
    webhooks.failNext(503, 429);
    // Act
    const created = await handler(cfnEvent('Create'));
    // Assess
    expect(created.Data.Status).toBe('REGISTERED');
    expect(webhooks.ofApp(appId)).toHaveLength(1);

    webhooks.failNext(502);
    await handler(cfnEvent('Delete', { physicalId: created.PhysicalResourceId }));
    expect(webhooks.ofApp(appId)).toHaveLength(0);
  });

  it('names a secret that is not JSON without quoting it', async () => {
    sm.put(SECRETS_ID, `{"${appId}": "whsec-half-typed`);
    const failure = await handler(cfnEvent('Create')).catch((error: Error) => error);
    expect((failure as Error).message).toContain(SECRETS_ID);
    expect((failure as Error).message).not.toContain('whsec-half');
  });
});

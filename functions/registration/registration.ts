/**
 * The deploy-time registration of one app's webhook, as a CloudFormation custom resource (CDK
 * Provider framework): create or update on Create/Update, delete on Delete. Knows nothing of
 * Lambda: the handler passes the event and the dependencies in.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import type { SinchRequester } from '../sinch/webhooks-api';
import { currentSecret, removeWebhook, syncWebhooks } from './sync-webhooks';

/** The custom resource's properties, as the stack sets them (CloudFormation passes strings). */
export const RegistrationPropertiesSchema = z.object({
  AppId: z.string().check(z.minLength(1)),
  Target: z.url(),
  Triggers: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  WebhookSecretsId: z.string().check(z.minLength(1)),
  SinchCredentialsId: z.string().check(z.minLength(1)),
  SinchRegion: z.string().check(z.minLength(1)),
  ProjectId: z.string().check(z.minLength(1)),
});
export type RegistrationProperties = z.infer<typeof RegistrationPropertiesSchema>;

/** Physical id while the access key secret is still empty: nothing was registered, nothing to delete. */
export const PENDING_PREFIX = 'pending:';

export interface RegistrationDependencies {
  /** Reads a Secrets Manager secret's SecretString, parsed as JSON. */
  readSecretJson: (secretId: string) => Promise<unknown>;
  /** A Sinch client for the project and region, with the access key given. */
  sinchClient: (
    props: RegistrationProperties,
    credentials: { keyId: string; keySecret: string },
  ) => SinchRequester;
  log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

export interface RegistrationResponse {
  PhysicalResourceId: string;
  Data: { WebhookId: string; Status: 'REGISTERED' | 'AWAITING_CREDENTIALS' | 'DELETED' };
}

/** Registration could not be done; the message says what to fix (CloudFormation shows it). */
export class RegistrationError extends Error {
  override name = 'RegistrationError';
  constructor(
    readonly kind: 'invalid_properties' | 'missing_secret' | 'webhook_limit' | 'rejected' | 'retryable',
    message: string,
  ) {
    super(message);
  }
}

const CredentialsSchema = z.object({
  keyId: z._default(z.string(), ''),
  keySecret: z._default(z.string(), ''),
});

/**
 * Handles one custom resource event.
 *
 * @example
 * export const handler = (event) => handleRegistrationEvent(event, dependencies);
 */
export async function handleRegistrationEvent(
  event: CloudFormationCustomResourceEvent,
  deps: RegistrationDependencies,
): Promise<RegistrationResponse> {
  const parsed = RegistrationPropertiesSchema.safeParse(event.ResourceProperties);
  if (!parsed.success) {
    if (event.RequestType === 'Delete') {
      // A resource that never got valid properties never registered anything: let the stack go.
      return { PhysicalResourceId: event.PhysicalResourceId, Data: { WebhookId: '', Status: 'DELETED' } };
    }
    throw new RegistrationError(
      'invalid_properties',
      `invalid registration properties: ${parsed.error.message}`,
    );
  }
  const props = parsed.data;
  const credentials = CredentialsSchema.safeParse(await deps.readSecretJson(props.SinchCredentialsId));
  const filled = credentials.success && credentials.data.keyId !== '' && credentials.data.keySecret !== '';

  if (event.RequestType === 'Delete') {
    const webhookId = event.PhysicalResourceId;
    if (webhookId.startsWith(PENDING_PREFIX)) {
      return { PhysicalResourceId: webhookId, Data: { WebhookId: '', Status: 'DELETED' } };
    }
    if (!filled) {
      deps.log('warn', 'access key secret is empty: webhook left in place', {
        appId: props.AppId,
        webhookId,
      });
      return { PhysicalResourceId: webhookId, Data: { WebhookId: webhookId, Status: 'DELETED' } };
    }
    const client = deps.sinchClient(props, credentials.data);
    try {
      const existed = await removeWebhook({ client, webhookId });
      deps.log('info', existed ? 'webhook deleted' : 'webhook was already gone', {
        appId: props.AppId,
        webhookId,
      });
    } catch (error) {
      // A refusal (4xx) must not block stack deletion forever; anything retryable fails the delete.
      if ((error as { kind?: string }).kind !== 'rejected') throw error;
      deps.log('warn', 'Sinch refused to delete the webhook: left in place', {
        appId: props.AppId,
        webhookId,
        error: (error as Error).message,
      });
    }
    return { PhysicalResourceId: webhookId, Data: { WebhookId: webhookId, Status: 'DELETED' } };
  }

  if (!filled) {
    deps.log('warn', 'access key secret is empty: webhook not registered yet', { appId: props.AppId });
    const pending = `${PENDING_PREFIX}${props.AppId}`;
    return { PhysicalResourceId: pending, Data: { WebhookId: '', Status: 'AWAITING_CREDENTIALS' } };
  }
  const secret = currentSecret(await deps.readSecretJson(props.WebhookSecretsId), props.AppId);
  if (!secret) {
    throw new RegistrationError(
      'missing_secret',
      `the webhook secrets have no secret for app ${props.AppId}`,
    );
  }
  const previous =
    event.RequestType === 'Update' && !event.PhysicalResourceId.startsWith(PENDING_PREFIX)
      ? { previousWebhookId: event.PhysicalResourceId }
      : {};
  const result = await syncWebhooks({
    client: deps.sinchClient(props, credentials.data),
    apps: [{ appId: props.AppId, target: props.Target, secret, triggers: props.Triggers, ...previous }],
  });
  const [outcome] = result.results;
  if (!outcome || outcome.action === 'failed' || !outcome.webhookId) {
    const error = outcome?.error ?? { kind: 'retryable' as const, message: 'no result' };
    throw new RegistrationError(error.kind, error.message);
  }
  deps.log('info', `webhook ${outcome.action === 'none' ? 'unchanged' : `${outcome.action}d`}`, {
    appId: props.AppId,
    webhookId: outcome.webhookId,
    changes: outcome.changes,
  });
  return {
    PhysicalResourceId: outcome.webhookId,
    Data: { WebhookId: outcome.webhookId, Status: 'REGISTERED' },
  };
}

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
  /** Waits between retries of a transient Sinch answer; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Waits before each retry of a 429/5xx/network failure, in ms: about 45 s in all, well inside
 * the registration function's 2-minute timeout, so a short Sinch hiccup does not fail a deploy.
 */
export const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 15000];

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` again after each delay while it reports a retryable failure. */
async function withRetries<T>(
  deps: RegistrationDependencies,
  attempt: () => Promise<T>,
  isRetryable: (value: T) => boolean,
): Promise<T> {
  let result = await attempt();
  for (const delay of RETRY_DELAYS_MS) {
    if (!isRetryable(result)) break;
    await (deps.sleep ?? sleepFor)(delay);
    result = await attempt();
  }
  return result;
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

  if (event.RequestType === 'Delete') {
    const webhookId = event.PhysicalResourceId;
    const left = (reason: string, fields: Record<string, unknown> = {}) => {
      deps.log('warn', `${reason}: webhook left in place`, { appId: props.AppId, webhookId, ...fields });
      return { PhysicalResourceId: webhookId, Data: { WebhookId: webhookId, Status: 'DELETED' as const } };
    };
    if (webhookId.startsWith(PENDING_PREFIX)) {
      return { PhysicalResourceId: webhookId, Data: { WebhookId: '', Status: 'DELETED' } };
    }
    // A stack delete must never fail here: an unreadable access key leaves the webhook in place.
    let deleteCredentials: unknown;
    try {
      deleteCredentials = await deps.readSecretJson(props.SinchCredentialsId);
    } catch (error) {
      return left('access key secret unreadable', { error: (error as Error).name });
    }
    const key = CredentialsSchema.safeParse(deleteCredentials);
    if (!key.success || key.data.keyId === '' || key.data.keySecret === '') {
      return left('access key secret is empty');
    }
    const client = deps.sinchClient(props, key.data);
    type Removal = { existed: boolean; error?: undefined } | { error: Error & { kind?: string } };
    const outcome = await withRetries<Removal>(
      deps,
      async () => {
        try {
          return { existed: await removeWebhook({ client, webhookId }) };
        } catch (error) {
          return { error: error as Error & { kind?: string } };
        }
      },
      (result) => result.error?.kind === 'retryable',
    );
    if (outcome.error) {
      // Refused, or still failing after the retries: never block the stack delete on it.
      return left('Sinch did not delete the webhook', { error: outcome.error.message });
    }
    deps.log('info', outcome.existed ? 'webhook deleted' : 'webhook was already gone', {
      appId: props.AppId,
      webhookId,
    });
    return { PhysicalResourceId: webhookId, Data: { WebhookId: webhookId, Status: 'DELETED' } };
  }

  const credentials = CredentialsSchema.safeParse(await deps.readSecretJson(props.SinchCredentialsId));
  const filled = credentials.success && credentials.data.keyId !== '' && credentials.data.keySecret !== '';

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
  const client = deps.sinchClient(props, credentials.data);
  // A transient Sinch answer (429, 5xx, network) is retried within the function's budget.
  const result = await withRetries(
    deps,
    () =>
      syncWebhooks({
        client,
        apps: [{ appId: props.AppId, target: props.Target, secret, triggers: props.Triggers, ...previous }],
      }),
    (synced) => synced.results.some((r) => r.error?.kind === 'retryable'),
  );
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

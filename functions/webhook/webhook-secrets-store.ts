/**
 * Read-modify-write of the webhook secrets document in Secrets Manager, shared by every writer
 * (the deploy-time entries resource, `sinch-bridge webhooks rotate`), so that two writers never
 * lose each other's change.
 *
 * Secrets Manager has no conditional write, but a version cannot be modified: `PutSecretValue`
 * with a `ClientRequestToken` that already names a version with another value fails with
 * `ResourceExistsException`. Each write uses a token derived from the version it was based on,
 * so of two writers based on the same version only the first succeeds; the second reads again
 * and reapplies its change on top (a compare-and-swap). A retried write of the same change is
 * idempotent (same token, same value).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { readSecretsObject, WebhookSecretsFormatError } from './webhook-secrets-document';

/** The raw document: app id to entry, entries this writer does not touch kept exactly as they were. */
export type SecretsObject = Record<string, unknown>;

export interface SecretsUpdate<T> {
  /** The document to write, or `undefined` to leave the secret as it is. */
  next: SecretsObject | undefined;
  /** Whatever the caller wants back (e.g. the apps it added). */
  result: T;
}

export interface UpdateSecretsOptions<T> {
  client: Pick<SecretsManagerClient, 'send'>;
  secretId: string;
  /**
   * Computes the new document from the current one (a copy: mutate freely). Called again with the
   * newer document when another writer got in first, so it must be a pure function of its input.
   */
  change: (current: SecretsObject) => SecretsUpdate<T>;
  /** Writes attempted before giving up on a busy secret. @default 8 */
  maxAttempts?: number;
}

export interface SecretsUpdated<T> {
  result: T;
  written: boolean;
  /** The version the document now has (undefined while the secret has none). */
  versionId: string | undefined;
}

/** The secret could not be updated; the message never quotes the secret's value. */
export class WebhookSecretsWriteError extends Error {
  override name = 'WebhookSecretsWriteError';
  constructor(
    readonly kind: 'conflict' | 'unreadable' | 'write_failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A new signing secret: 48 characters of base64url from the platform's CSPRNG (288 bits), the
 * same length as the secrets the stack generated before. Node's `randomBytes` rather than
 * Secrets Manager's `GetRandomPassword`: one call fewer per secret and the same entropy source.
 *
 * @example
 * const secret = generateWebhookSecret(); // 'q3X...'
 */
export function generateWebhookSecret(): string {
  return randomBytes(36).toString('base64url');
}

/** A token naming the version written on top of `baseVersionId` (32 hex characters, as the API requires 32..64). */
export function nextVersionToken(secretId: string, baseVersionId: string | undefined): string {
  return createHash('sha256')
    .update(`${secretId}\u0000${baseVersionId ?? 'no-version'}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * Reads the document and its version; a secret without any version yet reads as `{}`.
 *
 * @example
 * const { document, versionId } = await readWebhookSecrets(client, arn);
 */
export async function readWebhookSecrets(
  client: Pick<SecretsManagerClient, 'send'>,
  secretId: string,
): Promise<{ document: SecretsObject; versionId: string | undefined }> {
  let answer: { SecretString?: string | undefined; VersionId?: string | undefined };
  try {
    answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  } catch (error) {
    const err = error as Error;
    // A secret created without a value has no AWSCURRENT version yet: an empty document.
    if (err.name === 'ResourceNotFoundException' && /secret value/i.test(err.message)) {
      return { document: {}, versionId: undefined };
    }
    throw new WebhookSecretsWriteError('unreadable', `cannot read the webhook secrets: ${err.name}`);
  }
  if (answer.SecretString === undefined) {
    throw new WebhookSecretsWriteError('unreadable', 'the webhook secrets have no SecretString');
  }
  try {
    return { document: readSecretsObject(answer.SecretString), versionId: answer.VersionId };
  } catch (error) {
    // readSecretsObject never quotes the value; keep its fixed message.
    if (error instanceof WebhookSecretsFormatError) {
      throw new WebhookSecretsWriteError('unreadable', error.message);
    }
    throw error;
  }
}

/**
 * Applies `change` to the webhook secrets with a compare-and-swap write, retrying on top of a
 * concurrent writer's version.
 *
 * @example
 * await updateWebhookSecrets({ client, secretId, change: (doc) => ({ next: { ...doc, [appId]: 's' }, result: undefined }) });
 */
export async function updateWebhookSecrets<T>(options: UpdateSecretsOptions<T>): Promise<SecretsUpdated<T>> {
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const { document, versionId } = await readWebhookSecrets(options.client, options.secretId);
    const copy = Object.assign(Object.create(null), structuredClone({ ...document })) as SecretsObject;
    const { next, result } = options.change(copy);
    if (next === undefined) return { result, written: false, versionId };
    const token = nextVersionToken(options.secretId, versionId);
    try {
      await options.client.send(
        new PutSecretValueCommand({
          SecretId: options.secretId,
          SecretString: JSON.stringify({ ...next }),
          ClientRequestToken: token,
        }),
      );
      return { result, written: true, versionId: token };
    } catch (error) {
      const name = (error as Error).name;
      if (name !== 'ResourceExistsException') {
        throw new WebhookSecretsWriteError('write_failed', `cannot write the webhook secrets: ${name}`);
      }
      // Someone wrote on top of the same version first: read theirs and reapply.
      if (attempt >= maxAttempts) {
        throw new WebhookSecretsWriteError(
          'conflict',
          `the webhook secrets kept changing under ${maxAttempts} attempts to update them: try again`,
        );
      }
    }
  }
}

/**
 * CDK Provider framework `onEvent` handler of `Custom::WebhookSecretEntries`: wiring only (the
 * logic is `secret-entries.ts`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { WebhookSecretsWriteError } from '../webhook/webhook-secrets-store';
import { ensureSecretEntries, SecretEntriesPropertiesSchema } from './secret-entries';

const logger = new Logger();
const secrets = new SecretsManagerClient({});

/** Stable: the resource is never replaced, so CloudFormation never sends a Delete for an update. */
export const PHYSICAL_ID = 'webhook-secret-entries';

export const handler = async (event: CloudFormationCustomResourceEvent) => {
  logger.info('secret entries event', {
    requestType: event.RequestType,
    logicalResourceId: event.LogicalResourceId,
  });
  // The secret goes with the stack; a Delete (stack delete) has nothing to undo.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const props = SecretEntriesPropertiesSchema.safeParse(event.ResourceProperties);
  if (!props.success) throw new Error(`invalid secret entries properties: ${props.error.message}`);
  try {
    const change = await ensureSecretEntries(secrets, props.data);
    // App ids only: a secret never reaches a log line or CloudFormation.
    if (change.malformed.length > 0) {
      logger.error('malformed webhook secret entries kept as they are', { appIds: change.malformed });
    }
    logger.info('webhook secret entries ensured', { ...change });
    return {
      PhysicalResourceId: PHYSICAL_ID,
      Data: { Added: change.added.length, Removed: change.removed.length },
    };
  } catch (error) {
    // CloudFormation shows this message to anyone who can describe the stack: ours never quotes
    // the secret; anything else is reduced to its name.
    if (error instanceof WebhookSecretsWriteError) throw new Error(error.message);
    throw new Error(`webhook secret entries failed: ${(error as Error).name}`);
  }
};

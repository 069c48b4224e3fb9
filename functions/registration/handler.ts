import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { SinchClient } from '../sinch/client';
import { readSecretsObject } from '../webhook/webhook-secrets-document';
import { handleRegistrationEvent, type RegistrationDependencies } from './registration';

const logger = new Logger();
const secrets = new SecretsManagerClient({});

const dependencies: RegistrationDependencies = {
  readSecretJson: async (secretId) => {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    // Never JSON.parse's own error: it quotes the input, and CloudFormation shows custom resource
    // errors to anyone who can describe the stack.
    return SecretString ? readSecretsObject(SecretString, `secret ${secretId}`) : undefined;
  },
  sinchClient: (props, credentials) =>
    new SinchClient({
      region: props.SinchRegion,
      projectId: props.ProjectId,
      credentials,
      // Optional overrides, as for the send function (a loopback double in tests).
      apiUrl: process.env.SINCH_API_URL || undefined,
      authUrl: process.env.SINCH_AUTH_URL || undefined,
    }),
  log: (level, message, fields) => logger[level](message, { ...fields }),
};

/** CDK Provider framework `onEvent` handler of `Custom::SinchWebhook`. */
export const handler = async (event: CloudFormationCustomResourceEvent) => {
  logger.info('registration event', {
    requestType: event.RequestType,
    logicalResourceId: event.LogicalResourceId,
    appId: event.ResourceProperties.AppId,
  });
  return handleRegistrationEvent(event, dependencies);
};

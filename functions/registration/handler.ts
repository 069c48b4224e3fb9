import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { SinchClient } from '../sinch/client';
import { handleRegistrationEvent, type RegistrationDependencies } from './registration';

const logger = new Logger();
const secrets = new SecretsManagerClient({});

const dependencies: RegistrationDependencies = {
  readSecretJson: async (secretId) => {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    return SecretString ? JSON.parse(SecretString) : undefined;
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

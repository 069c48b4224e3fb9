import { type Acknowledgment, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Every cdk-nag AwsSolutions finding the bridge accepts, with its reason: one list for a security
 * review to read. The constructs attach them to the exact resources they concern; anything else
 * fails `cdk synth` and the tests.
 */
export const NAG_ACKNOWLEDGEMENTS = {
  runtimeVersion: {
    id: 'AwsSolutions-L1',
    reason:
      'The bridge contract pins nodejs22.x (bundles target node22 and the cold-start benchmark measures it); ' +
      'moving to a newer runtime is a deliberate, tested change.',
  },
  xrayWildcard: {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
  },
  webhookAuthorization: {
    id: 'AwsSolutions-APIG4',
    reason:
      'Sinch Conversation API webhooks cannot sign requests with IAM or send a JWT: every request is ' +
      'authenticated in the function by the Sinch HMAC signature (per-app secret, timestamp at most 300 s old and 60 s ahead); ' +
      'unsigned requests get 401 and nothing is enqueued. Stage throttling bounds the cost of probing.',
  },
  webhookSecretRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'Webhook signing secrets must change in Sinch and in the bridge together: rotation is the documented ' +
      '[current, previous] procedure (docs/deploy.md) followed by `npm run webhooks -- sync`, not a Secrets Manager rotation Lambda.',
  },
  accessKeyRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'The Sinch access key is issued in the Sinch dashboard, which has no API to rotate it: the operator creates ' +
      'a new key there and writes it here (docs/deploy.md, secret rotation).',
  },
} as const satisfies Record<string, Acknowledgment>;

/**
 * Acknowledges findings on one construct (and the resources below it).
 *
 * @example
 * acknowledge(api, NAG_ACKNOWLEDGEMENTS.webhookAuthorization);
 */
export function acknowledge(scope: IConstruct, ...acknowledgements: Acknowledgment[]): void {
  Validations.of(scope).acknowledge(...acknowledgements);
}

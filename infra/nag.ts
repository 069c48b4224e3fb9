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
      'The bridge pins nodejs24.x (bundles target node24, `npm test` runs on Node 24 and the cold-start benchmark ' +
      'measures it); moving to a newer runtime is a deliberate, tested change.',
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
      'unsigned requests get 401 and nothing is enqueued. Per-route throttling (the webhook route sized from the app count, every other route 10/s) bounds the cost of probing.',
  },
  webhookSecretRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'Webhook signing secrets must change in Sinch and in the bridge together, in a set order with waits: ' +
      '`sinch-bridge webhooks rotate` ([new, old], Sinch updated, old dropped after a grace period; docs/webhook.md), not a Secrets Manager rotation Lambda.',
  },
  accessKeyRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'The Sinch access key is issued in the Sinch dashboard, which has no API to rotate it: the operator creates ' +
      'a new key there and writes it here (docs/deploy.md, secret rotation).',
  },
  archiveDeliveryWildcards: {
    id: 'AwsSolutions-IAM5',
    reason:
      'Firehose writes objects under generated keys (app and day partitions, a UUID per object) in the archive ' +
      'bucket only: the grant is the bucket ARN and its objects (bucket/*), plus the KMS actions of its one key.',
  },
  archiveOperatorObjects: {
    id: 'AwsSolutions-IAM5',
    reason:
      'Replay reads and erase rewrites or deletes any archived event object of the stack (keys are generated per ' +
      'app, day and delivery): the grant is the archive bucket objects under events/ and its one KMS key only.',
  },
  accessLogsBucketLogging: {
    id: 'AwsSolutions-S1',
    reason:
      'This is the bucket that receives the S3 server access logs of the archive and media buckets; logging its ' +
      'own access would write logs about logs without end.',
  },
  mediaObjects: {
    id: 'AwsSolutions-IAM5',
    reason:
      'The media function writes one object per inbound media message under keys it derives at run time ' +
      '(<appId>/<hash>/<eventId>/<name>): s3:PutObject/GetObject/AbortMultipartUpload on the media bucket objects only.',
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

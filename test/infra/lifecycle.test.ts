/**
 * The message lifecycle in a synthesized region stack: the table's sparse indexes, the router's
 * lifecycle step configuration and grants, the scheduled sweep, the unconfirmed alarm.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TUNABLE_DEFAULTS } from '../../infra/config';
import { synthRegions } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown> };
const { stacks, templates } = synthRegions();
const [name] = Object.keys(stacks);
const template: Template = templates[name!]!;

function fnByService(service: string): Resource {
  const found = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) } },
    }) as Record<string, Resource>,
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}
const envOf = (fn: Resource) =>
  (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

describe('MessageLifecycle in a region stack', () => {
  it('gives the command table a sparse message id index and a sparse sweep index', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'messageId',
          KeySchema: [{ AttributeName: 'messageId', KeyType: 'HASH' }],
        }),
        Match.objectLike({
          IndexName: 'sweep',
          KeySchema: [
            { AttributeName: 'sweepBucket', KeyType: 'HASH' },
            { AttributeName: 'dueAtEpoch', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
  });

  it('turns on the router lifecycle step with the table, the timeout and the message id index', () => {
    expect(envOf(fnByService('sinch-bridge-router'))).toMatchObject({
      IDEMPOTENCY_TABLE: expect.anything(),
      DELIVERY_TIMEOUT_SECONDS: String(TUNABLE_DEFAULTS.deliveryTimeoutSeconds),
      LIFECYCLE_MESSAGE_ID_INDEX: 'messageId',
    });
  });

  it('runs the sweep every 5 minutes, publishing through the router queue', () => {
    const sweep = fnByService('sinch-bridge-lifecycle');
    expect(Object.keys(envOf(sweep))).toEqual(
      expect.arrayContaining([
        'IDEMPOTENCY_TABLE',
        'DELIVERY_TIMEOUT_SECONDS',
        'ROUTER_QUEUE_URL',
        'EVENTS_QUEUE_URL',
      ]),
    );
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  it('alarms when unconfirmed messages per hour reach the threshold', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OutboundUnconfirmed',
      Namespace: 'SinchConversationBridge',
      Period: 3600,
      Threshold: TUNABLE_DEFAULTS.unconfirmedAlarmThreshold,
      AlarmActions: [Match.anyValue()],
    });
  });
});

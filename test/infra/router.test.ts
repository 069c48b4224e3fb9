/**
 * The event router in a synthesized region stack: its queue, function and event source, the
 * producers pointed at it, and least-privilege grants.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROUTER_MAX_RECEIVE_COUNT, ROUTER_TIMEOUT_SECONDS } from '../../infra/constructs/router';
import { LOCAL_QUEUE_SETTINGS } from '../../local/bridge';
import { synthRegions } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown> };

const { stacks, templates } = synthRegions();
const [name] = Object.keys(stacks);
const template: Template = templates[name!]!;
const stack = stacks[name!]!;
const logicalId = (construct: { node: { defaultChild?: unknown } } | object) =>
  stack.getLogicalId((construct as { node: { defaultChild: never } }).node.defaultChild);

function fnByService(service: string): [string, Resource] {
  const found = Object.entries(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) } },
    }) as Record<string, Resource>,
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

function statementsOfRole(roleId: string): Array<{ Action: string | string[]; Resource: unknown }> {
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: never[] }).Statement);
}

const roleOf = (fn: Resource) => (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
const refOf = (id: string) => ({ Ref: id });

describe('EventRouter in a region stack', () => {
  const routerQueueId = logicalId(stack.router.routerQueue);
  const eventsQueueId = logicalId(stack.ingress.eventsQueue);

  it('has a FIFO router queue with a FIFO dead-letter queue, encrypted and TLS-only', () => {
    const queue = template.toJSON().Resources[routerQueueId] as Resource;
    expect(queue.Properties).toMatchObject({
      FifoQueue: true,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: ROUTER_TIMEOUT_SECONDS * 6,
      RedrivePolicy: { maxReceiveCount: ROUTER_MAX_RECEIVE_COUNT },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [refOf(routerQueueId)],
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });

  it('feeds the router function with partial batch responses and lets it publish to the events queue only', () => {
    const [routerId, router] = fnByService('sinch-bridge-router');
    expect(router.Properties).toMatchObject({ Timeout: ROUTER_TIMEOUT_SECONDS, Architectures: ['arm64'] });
    expect(
      (router.Properties.Environment as { Variables: Record<string, unknown> }).Variables.EVENTS_QUEUE_URL,
    ).toEqual(refOf(eventsQueueId));
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: refOf(routerId),
      EventSourceArn: { 'Fn::GetAtt': [routerQueueId, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    const sends = statementsOfRole(roleOf(router)).filter((s) =>
      [s.Action].flat().includes('sqs:SendMessage'),
    );
    // The events queue, and the media step's job queue (the only step that enqueues elsewhere).
    expect(sends.flatMap((s) => [s.Resource].flat())).toEqual([
      { 'Fn::GetAtt': [eventsQueueId, 'Arn'] },
      { 'Fn::GetAtt': [logicalId(stack.media!.jobQueue), 'Arn'] },
    ]);
  });

  it.each(['sinch-bridge-webhook', 'sinch-bridge-send'])(
    'points %s at the router queue and lets it send there, not to the events queue',
    (service) => {
      const [, fn] = fnByService(service);
      expect(
        (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.ROUTER_QUEUE_URL,
      ).toEqual(refOf(routerQueueId));
      const grants = statementsOfRole(roleOf(fn));
      const sends = grants.filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
      expect(sends.flatMap((s) => [s.Resource].flat())).toContainEqual({
        'Fn::GetAtt': [routerQueueId, 'Arn'],
      });
      // The router publishes to the events queue; a producer needs no grant there.
      expect(JSON.stringify(grants)).not.toContain(`"${eventsQueueId}"`);
    },
  );

  it('alarms on the router dead-letter queue and the router queue age', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(stack.router.routerDeadLetterQueue), 'QueueName'] },
        },
      ],
      MetricName: 'ApproximateNumberOfMessagesVisible',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [routerQueueId, 'QueueName'] } }],
      MetricName: 'ApproximateAgeOfOldestMessage',
    });
  });

  it('is mirrored by the local bridge', () => {
    expect(LOCAL_QUEUE_SETTINGS.routerTimeoutSeconds).toBe(ROUTER_TIMEOUT_SECONDS);
    expect(LOCAL_QUEUE_SETTINGS.routerMaxReceiveCount).toBe(ROUTER_MAX_RECEIVE_COUNT);
  });
});

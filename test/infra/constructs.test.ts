import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { TUNABLE_DEFAULTS } from '../../infra/config';
import { WebhookIngress } from '../../infra/constructs/ingress';
import { BridgeMonitoring } from '../../infra/constructs/monitoring';
import { WebhookRegistration } from '../../infra/constructs/registration';
import { OutboundSender } from '../../infra/constructs/sender';
import { EU_APP } from './example-config';

const ACCOUNT = '123456789012';
const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:${ACCOUNT}:${resource}`;
const code = lambda.Code.fromInline('exports.handler = async () => ({})');

/** A user's own stack that reuses the bridge's constructs with resources it already has. */
function userStack() {
  const app = new App();
  const stack = new Stack(app, 'MyMessaging', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const eventsQueue = sqs.Queue.fromQueueArn(stack, 'MyEvents', arn('sqs', 'my-events.fifo'));
  const webhookSecret = secretsmanager.Secret.fromSecretCompleteArn(
    stack,
    'MySecrets',
    arn('secretsmanager', 'secret:my-hooks-AbC123'),
  );
  const credentialsSecret = secretsmanager.Secret.fromSecretCompleteArn(
    stack,
    'MyKey',
    arn('secretsmanager', 'secret:my-key-XyZ789'),
  );
  const outbound = {
    queue: sqs.Queue.fromQueueArn(stack, 'MyOutbound', arn('sqs', 'my-outbound.fifo')),
    deadLetterQueue: sqs.Queue.fromQueueArn(stack, 'MyOutboundDlq', arn('sqs', 'my-outbound-dlq.fifo')),
  };
  const idempotencyTable = dynamodb.TableV2.fromTableName(stack, 'MyTable', 'my-idempotency');
  const common = { sinchRegion: 'eu' as const, projectId: 'my-project', tunables: TUNABLE_DEFAULTS };

  const ingress = new WebhookIngress(stack, 'Ingress', {
    ...common,
    apps: [{ id: EU_APP }],
    eventsQueue,
    webhookSecret,
    code,
  });
  const sender = new OutboundSender(stack, 'Sender', {
    ...common,
    eventsQueue: ingress.eventsQueue,
    outbound,
    credentialsSecret,
    idempotencyTable,
    code,
  });
  new WebhookRegistration(stack, 'Registration', {
    ...common,
    apps: [{ id: EU_APP, triggers: ['MESSAGE_INBOUND'] }],
    webhookUrl: (appId) => ingress.webhookUrl(appId),
    webhookSecret: ingress.webhookSecret,
    credentialsSecret: sender.credentialsSecret,
    revision: 1,
    logRetentionDays: 7,
    logLevel: 'INFO',
    code,
  });
  new BridgeMonitoring(stack, 'Monitoring', {
    ...common,
    api: ingress.api,
    functions: { Webhook: ingress.webhookFunction, Send: sender.sendFunction },
    queues: { Events: ingress.eventsQueue, Outbound: sender.outboundQueue },
    deadLetterQueues: { OutboundDlq: sender.outboundDeadLetterQueue },
    alarmTopic: sns.Topic.fromTopicArn(stack, 'MyTopic', arn('sns', 'my-alarms')),
  });

  const producer = new iam.Role(stack, 'Producer', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  const consumer = new iam.Role(stack, 'Consumer', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  sender.grantSendCommands(producer);
  ingress.grantConsumeEvents(consumer);
  return { app, stack, template: Template.fromStack(stack) };
}

describe('the constructs, reused in a stack that brings its own queues, secrets, table and topic', () => {
  const { app, stack, template } = userStack();

  it('creates none of what was brought', () => {
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  it('points the functions at the brought resources', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          EVENTS_QUEUE_URL: Match.anyValue(),
          SINCH_CREDENTIALS_ID: arn('secretsmanager', 'secret:my-key-XyZ789'),
          IDEMPOTENCY_TABLE: 'my-idempotency',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ WEBHOOK_SECRETS_ID: arn('secretsmanager', 'secret:my-hooks-AbC123') }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arn('sqs', 'my-outbound.fifo'),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('Custom::SinchWebhook', { AppId: EU_APP, Triggers: ['MESSAGE_INBOUND'] });
  });

  it('grants producers and consumers exactly their queue', () => {
    const policyOf = (role: string) =>
      JSON.stringify(
        Object.values(
          template.findResources('AWS::IAM::Policy') as Record<string, { Properties: { Roles: unknown } }>,
        ).find((p) => JSON.stringify(p.Properties.Roles).includes(role)),
      );
    const producer = policyOf('Producer');
    const consumer = policyOf('Consumer');
    expect(producer).toContain('sqs:SendMessage');
    expect(producer).toContain('my-outbound.fifo');
    expect(producer).not.toContain('my-events');
    expect(consumer).toContain('sqs:ReceiveMessage');
    expect(consumer).toContain('my-events.fifo');
    expect(consumer).not.toContain('my-outbound');
  });

  it('stays cdk-nag clean', () => {
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

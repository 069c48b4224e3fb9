import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EU_APP, EU_SMS_APP, exampleConfig, US_APP } from './example-config';
import { synthRegions } from './synth';

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; [key: string]: unknown }
>;

const CONTRACT_ENV = {
  webhook: ['SINCH_REGION', 'SINCH_PROJECT_ID', 'EVENTS_QUEUE_URL', 'WEBHOOK_SECRETS_ID'],
  send: [
    'SINCH_REGION',
    'SINCH_PROJECT_ID',
    'EVENTS_QUEUE_URL',
    'SINCH_CREDENTIALS_ID',
    'OUTBOUND_DLQ_URL',
    'IDEMPOTENCY_TABLE',
    'MAX_ATTEMPTS',
    'SINCH_TIMEOUT_MS',
  ],
  powertools: ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_LOG_LEVEL'],
  /** Set by the event router: producers write to its queue (docs/router.md). */
  routed: ['ROUTER_QUEUE_URL'],
  /** Set by the opt-outs: the send function reads the suppression list (docs/opt-outs.md). */
  suppression: ['SUPPRESSION_TABLE'],
};

function findOne(
  template: Template,
  type: string,
  props: Record<string, unknown>,
): [string, Resources[string]] {
  const found = Object.entries(
    template.findResources(type, { Properties: Match.objectLike(props) }) as Resources,
  );
  expect(found, `${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0]!;
}

function functionByService(template: Template, service: string): [string, Resources[string]] {
  return findOne(template, 'AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) },
  });
}

/** The statements of the inline policies attached to a function's role. */
function statementsOf(
  template: Template,
  fn: Resources[string],
): Array<{ Action: string | string[]; Resource: unknown }> {
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(`"${role}"`),
  );
  return policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: never[] }).Statement);
}

function actionsOn(
  statements: Array<{ Action: string | string[]; Resource: unknown }>,
  resourceRef: string,
): string[] {
  return statements
    .filter((s) => JSON.stringify(s.Resource).includes(resourceRef))
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

const IMPORTED_CREDENTIALS = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sinch/access-key-AbC123';
const OPS_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ops';

/** The example with every knob turned: tunables, imported topic and access key, registration off. */
function variantConfig() {
  const config = exampleConfig();
  config.tunables = {
    maxAttempts: 9,
    batchSize: 3,
    maxConcurrency: 20,
    sendMemoryMb: 1024,
    sendTimeoutSeconds: 20,
  };
  config.alarms = { topicArn: OPS_TOPIC, email: 'ops@example.com' };
  config.registration = { enabled: false };
  config.regions.eu!.credentialsSecretArn = IMPORTED_CREDENTIALS;
  return config;
}

describe('RegionStack (synthesized from the shipped cdk.json)', () => {
  let eu: Template;
  let us: Template;
  /** The eu stack of {@link variantConfig}. */
  let variant: Template;
  let stackEnv: Record<string, { region: string; account: string }>;

  beforeAll(() => {
    const { stacks, templates } = synthRegions();
    eu = templates['SinchBridge-eu']!;
    us = templates['SinchBridge-us']!;
    variant = synthRegions(variantConfig()).templates['SinchBridge-eu']!;
    stackEnv = Object.fromEntries(
      Object.entries(stacks).map(([name, s]) => [name, { region: s.region, account: s.account }]),
    );
    // Two full synths with cdk-nag: minutes when the 2 cores are shared by every suite.
  }, 240_000);

  it('makes one stack per configured Sinch region, in its AWS region, with no account lookup', () => {
    expect(Object.keys(stackEnv).sort()).toEqual(['SinchBridge-eu', 'SinchBridge-us']);
    expect(stackEnv['SinchBridge-eu']?.region).toBe('eu-west-1');
    expect(stackEnv['SinchBridge-us']?.region).toBe('us-east-1');
    expect(stackEnv['SinchBridge-eu']?.account).toMatch(/^\$\{Token/);
  });

  describe('ingress', () => {
    it('routes POST /webhooks/{appId} (and the rest, for the 405/404) to the webhook function, payload 2.0', () => {
      eu.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/{appId}' });
      eu.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /webhooks/{appId}' });
      eu.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
      eu.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
      const [webhookId] = functionByService(eu, 'sinch-bridge-webhook');
      eu.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [webhookId, 'Arn'] },
      });
    });

    it('throttles the webhook route from the app count, every other route low, and writes access logs without headers or query strings', () => {
      const [, stage] = findOne(eu, 'AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true });
      expect(stage.Properties.DefaultRouteSettings).toEqual({
        ThrottlingRateLimit: 10,
        ThrottlingBurstLimit: 20,
      });
      // Two apps: 2 x 25/s x 2 is below the 100/s floor.
      expect(stage.Properties.RouteSettings).toEqual({
        'POST /webhooks/{appId}': { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      });
      const [routeId] = findOne(eu, 'AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/{appId}' });
      expect(stage.DependsOn).toEqual(expect.arrayContaining([routeId]));
      const logs = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
      expect(logs.DestinationArn).toBeDefined();
      expect(JSON.parse(logs.Format)).toMatchObject({
        requestId: '$context.requestId',
        status: '$context.status',
      });
      expect(logs.Format).not.toMatch(/header|querystring|body/i);
    });

    it('gives the webhook secrets no value CloudFormation could write: a custom resource adds missing app entries', () => {
      const [secretId, secret] = findOne(eu, 'AWS::SecretsManager::Secret', {
        Description: Match.stringLikeRegexp('signing secrets by app id'),
      });
      // No per-app seeds, no Fn::Join of them: nothing for a config change to rewrite.
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toBeUndefined();
      expect(Object.keys(eu.findResources('AWS::SecretsManager::Secret'))).toHaveLength(2);
      const [entriesId, entries] = findOne(eu, 'Custom::WebhookSecretEntries', {
        SecretId: { Ref: secretId },
      });
      expect(entries.Properties).toMatchObject({
        AppIds: [EU_APP, EU_SMS_APP],
        CallbackUrlAppIds: [],
        PruneRemovedApps: 'false',
      });
      // Registration reads the secret the entries resource produced.
      for (const webhook of Object.values(eu.findResources('Custom::SinchWebhook') as Resources)) {
        expect(webhook.DependsOn).toEqual(expect.arrayContaining([entriesId]));
      }
      expect(
        Object.values(us.findResources('Custom::WebhookSecretEntries') as Resources).map(
          (r) => r.Properties.AppIds,
        ),
      ).toEqual([[US_APP]]);
    });
  });

  describe('functions', () => {
    it.each(['sinch-bridge-webhook', 'sinch-bridge-send', 'sinch-bridge-registration'])(
      '%s runs nodejs24.x on arm64 with JSON logs into its own log group',
      (service) => {
        const [, fn] = functionByService(eu, service);
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        });
        const logGroup = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(eu.toJSON().Resources[logGroup].Properties.RetentionInDays).toBe(30);
      },
    );

    it('gives the webhook and send functions exactly the contract environment', () => {
      const [, webhook] = functionByService(eu, 'sinch-bridge-webhook');
      const [, send] = functionByService(eu, 'sinch-bridge-send');
      const envOf = (fn: Resources[string]) =>
        (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(envOf(webhook)).sort()).toEqual(
        [...CONTRACT_ENV.webhook, ...CONTRACT_ENV.powertools, ...CONTRACT_ENV.routed].sort(),
      );
      expect(Object.keys(envOf(send)).sort()).toEqual(
        [
          ...CONTRACT_ENV.send,
          ...CONTRACT_ENV.powertools,
          ...CONTRACT_ENV.routed,
          ...CONTRACT_ENV.suppression,
        ].sort(),
      );
      expect(envOf(send)).toMatchObject({
        SINCH_REGION: 'eu',
        SINCH_PROJECT_ID: exampleConfig().projectId,
        MAX_ATTEMPTS: '5',
        POWERTOOLS_METRICS_NAMESPACE: 'SinchConversationBridge',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      expect(envOf(webhook)).toMatchObject({
        SINCH_REGION: 'eu',
        POWERTOOLS_METRICS_NAMESPACE: 'SinchConversationBridge',
      });
    });

    it('wires the send function to the outbound queue with partial batch responses and bounded concurrency', () => {
      const [sendId] = functionByService(eu, 'sinch-bridge-send');
      eu.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: sendId },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 5 },
        BatchSize: 10,
      });
    });
  });

  describe('queues', () => {
    const queues = (t: Template) => Object.entries(t.findResources('AWS::SQS::Queue') as Resources);

    it('makes the events queue a high-throughput FIFO queue with a FIFO DLQ', () => {
      const [, events] = queues(eu).find(([id]) => id.includes('EventsQueue'))!;
      expect(events.Properties).toMatchObject({
        FifoQueue: true,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringContaining('EventsDeadLetterQueue'), 'Arn'] },
        },
      });
    });

    it('lets every queue hold 1 MiB messages: an event carries a 256 KiB callback and its normalized copy', () => {
      for (const [id, queue] of queues(eu)) {
        expect(queue.Properties.MaximumMessageSize, id).toBe(1_048_576);
      }
    });

    it('encrypts every queue with SQS-managed keys and denies requests without TLS', () => {
      const all = queues(eu);
      // events, outbound, router and media jobs, each with its dead-letter queue
      expect(all).toHaveLength(8);
      const policies = Object.values(eu.findResources('AWS::SQS::QueuePolicy') as Resources);
      for (const [id, queue] of all) {
        expect(queue.Properties).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true });
        const tlsOnly = policies.find(
          (p) =>
            JSON.stringify(p.Properties.Queues).includes(`"${id}"`) &&
            JSON.stringify(p.Properties.PolicyDocument).includes('"aws:SecureTransport":"false"'),
        );
        expect(tlsOnly, `TLS-only policy on ${id}`).toBeDefined();
      }
    });

    it('gives the outbound queue six times the send timeout and a redrive above MAX_ATTEMPTS', () => {
      const [, send] = functionByService(eu, 'sinch-bridge-send');
      const [, outbound] = queues(eu).find(([id]) => id.includes('OutboundQueue'))!;
      const timeout = send.Properties.Timeout as number;
      expect(outbound.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
      const maxAttempts = Number(
        (send.Properties.Environment as { Variables: { MAX_ATTEMPTS: string } }).Variables.MAX_ATTEMPTS,
      );
      expect(
        (outbound.Properties.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount,
      ).toBeGreaterThan(maxAttempts);
    });

    it('follows the tunables: max attempts, batch size, concurrency, memory', () => {
      const t = variant;
      const [, send] = functionByService(t, 'sinch-bridge-send');
      expect(send.Properties).toMatchObject({ MemorySize: 1024, Timeout: 20 });
      const [, outbound] = queues(t).find(([id]) => id.includes('OutboundQueue'))!;
      expect(outbound.Properties).toMatchObject({
        VisibilityTimeout: 120,
        RedrivePolicy: { maxReceiveCount: 100 },
      });
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: 3,
        ScalingConfig: { MaximumConcurrency: 20 },
      });
    });
  });

  it('keeps send idempotency in an on-demand table keyed by id, with TTL and point-in-time recovery', () => {
    eu.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      // Plus the lifecycle's index keys (test/infra/lifecycle.test.ts).
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'id', AttributeType: 'S' }]),
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
  });

  describe('least privilege', () => {
    it('lets the webhook function only send to the router queue and read its secret', () => {
      const [, webhook] = functionByService(eu, 'sinch-bridge-webhook');
      const statements = statementsOf(eu, webhook);
      const resources = statements.map((s) => JSON.stringify(s.Resource));
      expect(actionsOn(statements, 'RouterQueue')).toEqual(
        expect.arrayContaining(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']),
      );
      expect(actionsOn(statements, 'RouterQueue')).not.toContain('sqs:ReceiveMessage');
      // Its events go through the router: no grant on the events queue itself.
      expect(actionsOn(statements, 'EventsQueue')).toEqual([]);
      expect(actionsOn(statements, 'WebhookSecrets').sort()).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
      expect(resources.join()).not.toMatch(/Outbound|SinchCredentials|Idempotency/);
      // The only wildcard is X-Ray's, which has no resource-level permissions.
      const wildcard = statements.filter((s) => s.Resource === '*');
      expect(wildcard.flatMap((s) => s.Action).sort()).toEqual([
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    });

    it('lets the secret entries function only read and put a version of the webhook secrets', () => {
      const [, entries] = functionByService(eu, 'sinch-bridge-secret-entries');
      const statements = statementsOf(eu, entries);
      const [secretId] = findOne(eu, 'AWS::SecretsManager::Secret', {
        Description: Match.stringLikeRegexp('signing secrets by app id'),
      });
      const onSecrets = statements.filter((s) => JSON.stringify(s.Resource).includes(secretId));
      expect(onSecrets.flatMap((s) => s.Action).sort()).toEqual([
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
      ]);
      expect(onSecrets.map((s) => s.Resource)).toEqual([{ Ref: secretId }]);
      // Otherwise only its own log group: no wildcard at all (tracing is off).
      expect(statements.filter((s) => s.Resource === '*')).toEqual([]);
      expect(JSON.stringify(statements)).not.toMatch(/Queue|SinchCredentials|Idempotency/);
    });

    it('lets the send function consume the outbound queue, write the DLQ and the router queue, read credentials and the table', () => {
      const [, send] = functionByService(eu, 'sinch-bridge-send');
      const statements = statementsOf(eu, send);
      expect(actionsOn(statements, 'OutboundQueue')).toEqual(
        expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage']),
      );
      expect(actionsOn(statements, 'OutboundDeadLetterQueue')).toContain('sqs:SendMessage');
      expect(actionsOn(statements, 'RouterQueue')).toContain('sqs:SendMessage');
      expect(actionsOn(statements, 'EventsQueue')).toEqual([]);
      expect(actionsOn(statements, 'SinchCredentials')).toContain('secretsmanager:GetSecretValue');
      expect(actionsOn(statements, 'IdempotencyTable')).toEqual(
        expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']),
      );
      expect(JSON.stringify(statements)).not.toContain('WebhookSecrets');
    });

    it('publishes managed policies for producers (outbound queue) and consumers (events queue)', () => {
      const [, producer] = findOne(eu, 'AWS::IAM::ManagedPolicy', {
        Description: Match.stringLikeRegexp('^Put outbound'),
      });
      const [, consumer] = findOne(eu, 'AWS::IAM::ManagedPolicy', {
        Description: Match.stringLikeRegexp('^Read normalized'),
      });
      expect(producer.Properties.PolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: expect.arrayContaining(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']),
            Resource: { 'Fn::GetAtt': [expect.stringContaining('OutboundQueue'), 'Arn'] },
          },
        ],
      });
      const consumerDoc = JSON.stringify(consumer.Properties.PolicyDocument);
      expect(consumerDoc).toContain('sqs:ReceiveMessage');
      expect(consumerDoc).toMatch(/EventsQueue/);
      expect(consumerDoc).not.toMatch(/Outbound|DeadLetter/);
    });
  });

  describe('webhook registration', () => {
    it('declares one custom resource per app with its URL, secret, triggers (default four) and the access key', () => {
      const webhooks = Object.values(eu.findResources('Custom::SinchWebhook') as Resources);
      expect(webhooks).toHaveLength(2);
      const byApp = Object.fromEntries(webhooks.map((w) => [w.Properties.AppId, w.Properties]));
      expect(byApp[EU_APP]).toMatchObject({
        Triggers: ['MESSAGE_INBOUND', 'MESSAGE_DELIVERY', 'EVENT_INBOUND', 'MESSAGE_SUBMIT'],
        SinchRegion: 'eu',
        ProjectId: exampleConfig().projectId,
        WebhookSecretsId: { Ref: expect.stringContaining('WebhookSecrets') },
        SinchCredentialsId: { Ref: expect.stringContaining('SinchCredentials') },
        Revision: '1',
      });
      expect(JSON.stringify(byApp[EU_APP]?.Target)).toContain(`/webhooks/${EU_APP}`);
      expect(byApp[EU_SMS_APP]?.Triggers).toEqual(['MESSAGE_DELIVERY', 'MESSAGE_SUBMIT']);
      expect(Object.values(us.findResources('Custom::SinchWebhook') as Resources)[0]?.Properties.AppId).toBe(
        US_APP,
      );
    });

    it('registers only after the API stage and the webhook function exist', () => {
      const [webhook] = Object.values(eu.findResources('Custom::SinchWebhook') as Resources);
      const dependsOn = (webhook!.DependsOn as string[]).join();
      expect(dependsOn).toMatch(/IngressApiDefaultStage/);
      expect(dependsOn).toMatch(/IngressWebhookFunction/);
    });

    it('can be switched off, leaving no provider behind', () => {
      variant.resourceCountIs('Custom::SinchWebhook', 0);
      variant.resourceCountIs('AWS::CloudFormation::CustomResource', 0);
      expect(() => functionByService(variant, 'sinch-bridge-registration')).toThrow();
    });
  });

  describe('monitoring', () => {
    it('alarms on DLQs, message age, webhook 5xx, signature rejections, send failures, function errors and throttles', () => {
      const alarms = Object.values(eu.findResources('AWS::CloudWatch::Alarm') as Resources).map(
        (a) => a.Properties,
      );
      const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name);
      expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(4);
      expect(byMetric('ApproximateAgeOfOldestMessage')).toHaveLength(4);
      expect(byMetric('5xx')).toHaveLength(1);
      expect(byMetric('Errors')).toHaveLength(5);
      // Math over the functions' own counts: the metric names and dimensions they emit.
      const math = (name: string) => {
        const found = alarms.find((a) => JSON.stringify(a.AlarmDescription).includes(name));
        const queries = found?.Metrics as Array<{ MetricStat?: { Metric: Record<string, unknown> } }>;
        return {
          alarm: found,
          metrics: queries.filter((q) => q.MetricStat).map((q) => q.MetricStat!.Metric),
        };
      };
      const signature = math('signature rejections');
      expect(signature.alarm?.Threshold).toBe(10);
      expect(signature.metrics).toContainEqual({
        Namespace: 'SinchConversationBridge',
        MetricName: 'WebhookRejected',
        Dimensions: expect.arrayContaining([
          { Name: 'service', Value: 'sinch-bridge-webhook' },
          { Name: 'reason', Value: 'invalid_signature' },
        ]),
      });
      expect(signature.metrics).toHaveLength(5);
      const send = math('Outbound commands failed');
      expect(send.metrics.map((m) => m.MetricName)).toEqual(
        expect.arrayContaining(['SendInvalidCommand', 'SendExhausted', 'SendRejected']),
      );
      expect(JSON.stringify(send.metrics)).toContain('sinch-bridge-send');
      expect(byMetric('Throttles')).toHaveLength(5);
      for (const alarm of alarms) {
        expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringContaining('AlarmTopic') }]);
        expect(alarm.AlarmDescription).toMatch(/Sinch region eu/);
      }
      eu.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    });

    it('sends alarms to a KMS-encrypted, TLS-only topic, or to a topic the user brings, with an e-mail subscription', () => {
      eu.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      eu.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        }),
      });
      eu.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });

      variant.resourceCountIs('AWS::SNS::Topic', 0);
      const [alarm] = Object.values(variant.findResources('AWS::CloudWatch::Alarm') as Resources);
      expect(alarm?.Properties.AlarmActions).toEqual([OPS_TOPIC]);
      variant.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: OPS_TOPIC,
      });
    });
  });

  it('imports an existing access key secret by ARN instead of creating one', () => {
    const arn = IMPORTED_CREDENTIALS;
    const t = variant;
    expect(
      Object.keys(
        t.findResources('AWS::SecretsManager::Secret', {
          Properties: { Description: Match.stringLikeRegexp('access key') },
        }),
      ),
    ).toHaveLength(0);
    const [, send] = functionByService(t, 'sinch-bridge-send');
    expect(
      (send.Properties.Environment as { Variables: Record<string, unknown> }).Variables.SINCH_CREDENTIALS_ID,
    ).toBe(arn);
  });

  it('outputs what operators and producers need', () => {
    const outputs = eu.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        `WebhookUrl${EU_APP}`,
        `WebhookUrl${EU_SMS_APP}`,
        'SinchServiceConnectionUrl',
        'EventsQueueUrl',
        'EventsQueueArn',
        'EventsDeadLetterQueueUrl',
        'OutboundQueueUrl',
        'OutboundQueueArn',
        'OutboundDeadLetterQueueUrl',
        'WebhookSecretsArn',
        'SinchCredentialsArn',
        'ProducerPolicyArn',
        'ConsumerPolicyArn',
        'AlarmTopicArn',
        'DashboardName',
      ]),
    );
    expect(outputs.SinchServiceConnectionUrl?.Value).toBe(
      `https://eu.conversation.api.sinch.com/v1/projects/${exampleConfig().projectId}/messages:send`,
    );
    expect(JSON.stringify(outputs[`WebhookUrl${EU_APP}`]?.Value)).toContain(`/webhooks/${EU_APP}`);
  });
});

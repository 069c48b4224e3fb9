import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCallback } from '../../cli/sample-callbacks';
import { postSignedCallback } from '../../cli/simulate';
import { ConsumerStack } from '../../examples/consumer/consumer-stack';
import { createConsumer } from '../../examples/consumer/handler';
import { sendCommand } from '../../examples/producer/send-command';
import { type LocalBridge, startLocalBridge } from '../../local/bridge';
import { toSqsEvent } from '../../local/event-source-mapping';

describe('examples/: the producer and the consumer against the local bridge', () => {
  let bridge: LocalBridge;
  let sqs: SQSClient;
  let appId: string;

  beforeAll(async () => {
    bridge = await startLocalBridge({ port: 0, logLevel: 'SILENT' });
    appId = Object.keys(bridge.secrets)[0]!;
    sqs = new SQSClient({
      endpoint: bridge.endpoints.sqs,
      region: bridge.environment.AWS_REGION!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    sqs?.destroy();
    await bridge?.stop();
  });

  /** What the events queue holds, as the Lambda event source would hand it to the consumer. */
  const nextEvents = async (count: number) => {
    const messages = [];
    for (let i = 0; i < 20 && messages.length < count; i++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: bridge.queueUrls.events,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      messages.push(...(out.Messages ?? []));
    }
    return toSqsEvent(messages, 'arn:aws:sqs:us-east-1:123456789012:events.fifo', 'us-east-1');
  };

  it('a produced command is sent, and the consumer sees its outcome and an inbound text', async () => {
    // Prepare
    const seen: string[] = [];
    const consumer = createConsumer({
      inboundText: async (app, from, text) => void seen.push(`inbound ${app} ${from} ${text}`),
      sent: async (id, messageId) => void seen.push(`sent ${id} ${messageId ? 'with message id' : ''}`),
      failed: async (id, reason) => void seen.push(`failed ${id} ${reason}`),
    });
    // Act
    await sendCommand(sqs, bridge.queueUrls.outbound, {
      id: 'example-1',
      appId,
      to: { channel: 'SMS', identity: '+46700000001' },
      text: 'Your order shipped',
    });
    const secret = bridge.secrets[appId]!;
    await postSignedCallback({
      url: bridge.webhookUrl(appId),
      secret: Array.isArray(secret) ? secret[0]! : secret,
      body: JSON.stringify(
        sampleCallback('MESSAGE_INBOUND', { appId, channel: 'SMS', identity: '46700000002', text: 'hi' }),
      ),
    });
    const events = await nextEvents(2);
    const result = await consumer(events);
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(seen).toEqual(
      expect.arrayContaining(['sent example-1 with message id', `inbound ${appId} SMS:46700000002 hi`]),
    );
  });

  it('reports a record that is not a bridge event as a batch item failure', async () => {
    const consumer = createConsumer({
      inboundText: async () => {},
      sent: async () => {},
      failed: async () => {},
    });
    const result = await consumer({
      Records: [{ ...(await nextEvents(0)).Records[0], messageId: 'junk', body: '{"hello":1}' } as never],
    });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'junk' }]);
  });

  it('the producer refuses a command the published schema refuses, before SQS', async () => {
    await expect(
      sendCommand(sqs, bridge.queueUrls.outbound, {
        id: 'bad',
        appId,
        to: { channel: 'SMS', identity: '1' },
      } as never),
    ).rejects.toThrow(/invalid command/);
  });

  it("the consumer stack attaches the bridge's ConsumerPolicy and reports batch item failures", {
    timeout: 240_000,
  }, () => {
    const policyArn = 'arn:aws:iam::123456789012:policy/SinchBridge-eu-ConsumerPolicy';
    // No bundling: the assertions are about IAM and the event source, not the code (and esbuild is slow here).
    const stack = new ConsumerStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Consumer', {
      eventsQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:sinch-bridge-eu-events.fifo',
      consumerPolicyArn: policyArn,
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([policyArn]),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:sinch-bridge-eu-events.fifo',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
    });
  });
});

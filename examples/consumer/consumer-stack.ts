/**
 * Example: deploy the consumer next to a bridge stack. The bridge's outputs come in as context
 * (`-c eventsQueueArn=<EventsQueueArn> -c consumerPolicyArn=<ConsumerPolicyArn>`); the function's
 * role gets exactly the bridge's ConsumerPolicy (receive, delete and change visibility on the
 * events queue, decrypt with its key), nothing more.
 */
import { fileURLToPath } from 'node:url';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface ConsumerStackProps extends StackProps {
  eventsQueueArn: string;
  consumerPolicyArn: string;
}

/**
 * A consumer Lambda on the bridge's events queue.
 *
 * @example
 * new ConsumerStack(app, 'BridgeConsumer', { eventsQueueArn, consumerPolicyArn, env: { region: 'eu-west-1' } });
 */
export class ConsumerStack extends Stack {
  readonly consumer: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: ConsumerStackProps) {
    super(scope, id, props);
    this.consumer = new nodejs.NodejsFunction(this, 'Consumer', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(30),
    });
    this.consumer.role!.addManagedPolicy(
      iam.ManagedPolicy.fromManagedPolicyArn(this, 'BridgeConsumerPolicy', props.consumerPolicyArn),
    );
    const eventsQueue = sqs.Queue.fromQueueArn(this, 'EventsQueue', props.eventsQueueArn);
    // The policy grants the queue; the event source must not add its own grants on top.
    this.consumer.addEventSource(
      new SqsEventSource(eventsQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );
  }
}

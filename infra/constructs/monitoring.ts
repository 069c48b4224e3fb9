import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SinchRegion, Tunables } from '../config';
import {
  METRICS_NAMESPACE,
  SEND_REJECTED_STATUSES,
  SERVICE_NAMES,
  SIGNATURE_REJECTION_REASONS,
} from './bridge-metrics';

export interface BridgeMonitoringProps {
  sinchRegion: SinchRegion;
  tunables: Tunables;
  api: apigw.HttpApi;
  functions: Record<string, lambda.IFunction>;
  /** Queues whose oldest message must not get old, by display name. */
  queues: Record<string, sqs.IQueue>;
  /** Dead-letter queues that must stay empty, by display name. */
  deadLetterQueues: Record<string, sqs.IQueue>;
  /**
   * Bring your own alarm topic.
   * @default - a topic encrypted with its own KMS key, TLS-only
   */
  alarmTopic?: sns.ITopic;
  /** Subscribes this address to the alarm topic (created or brought). */
  alarmEmail?: string;
}

/**
 * Alarms on everything that needs a human (DLQs not empty, old messages, webhook 5xx, signature
 * rejections, send failures, function errors and throttles) to one SNS topic, and a dashboard.
 *
 * @example
 * new BridgeMonitoring(this, 'Monitoring', { sinchRegion: 'eu', tunables, api, functions, queues, deadLetterQueues });
 */
export class BridgeMonitoring extends Construct {
  readonly alarmTopic: sns.ITopic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: BridgeMonitoringProps) {
    super(scope, id);
    this.alarmTopic = props.alarmTopic ?? this.createTopic();
    if (props.alarmEmail)
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new actions.SnsAction(this.alarmTopic);
    const period = Duration.minutes(5);
    const alarm = (alarmId: string, description: string, metric: cloudwatch.IMetric, threshold: number) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: `${description} (Sinch region ${props.sinchRegion})`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}NotEmpty`,
        `${name} has messages: they need a look and a redrive`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        1,
      );
    }
    for (const [name, queue] of Object.entries(props.queues)) {
      alarm(
        `${name}OldestMessage`,
        `${name}: oldest message older than ${props.tunables.oldestMessageAgeSeconds} s`,
        queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
        props.tunables.oldestMessageAgeSeconds,
      );
    }
    alarm(
      'Webhook5xx',
      'Webhook answered 5xx: Sinch is retrying, check SQS and Secrets Manager access',
      props.api.metricServerError({ period, statistic: 'Sum' }),
      1,
    );
    const signatureRejected = sumOf(
      'Signature rejections',
      SIGNATURE_REJECTION_REASONS.map((reason) =>
        bridgeMetric('WebhookRejected', { service: SERVICE_NAMES.webhook, reason }, period),
      ),
      period,
    );
    alarm(
      'SignatureRejections',
      `${props.tunables.signatureRejectionThreshold} or more webhook signature rejections in 5 minutes: wrong secret or someone probing`,
      signatureRejected,
      props.tunables.signatureRejectionThreshold,
    );
    // Every send failure also lands in the outbound DLQ (alarmed above); this one says why.
    const sendFailed = sumOf(
      'Send failures',
      [
        bridgeMetric('SendInvalidCommand', { service: SERVICE_NAMES.send }, period),
        bridgeMetric('SendExhausted', { service: SERVICE_NAMES.send }, period),
        ...SEND_REJECTED_STATUSES.map((status) =>
          bridgeMetric('SendRejected', { service: SERVICE_NAMES.send, status }, period),
        ),
      ],
      period,
    );
    alarm(
      'SendFailures',
      'Outbound commands failed for good (rejected, invalid or exhausted)',
      sendFailed,
      1,
    );
    alarm(
      'SendProjectBlocked',
      'Sinch refuses the whole project (403 such as BILLING_CREDIT_LIMIT_BREACHED, or a 404 naming the app or project: wrong region): outbound commands are held, not sent',
      bridgeMetric('SendProjectBlocked', { service: SERVICE_NAMES.send }, period),
      1,
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, `${name} function errors`, fn.metricErrors({ period, statistic: 'Sum' }), 1);
      alarm(
        `${name}Throttles`,
        `${name} function throttled`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
        1,
      );
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Webhook API',
            left: [
              props.api.metricCount({ period, statistic: 'Sum' }),
              props.api.metricClientError({ period, statistic: 'Sum' }),
              props.api.metricServerError({ period, statistic: 'Sum' }),
              signatureRejected,
            ],
            right: [props.api.metricLatency({ period, statistic: 'p99' })],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Queues: oldest message (s)',
            left: Object.values(props.queues).map((q) =>
              q.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
            ),
            right: Object.values(props.deadLetterQueues).map((q) =>
              q.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
            ),
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Functions: errors and throttles',
            left: Object.values(props.functions).flatMap((fn) => [
              fn.metricErrors({ period, statistic: 'Sum' }),
              fn.metricThrottles({ period, statistic: 'Sum' }),
            ]),
            right: [sendFailed],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Functions: duration p99 (ms)',
            left: Object.values(props.functions).map((fn) => fn.metricDuration({ period, statistic: 'p99' })),
            width: 12,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }

  private createTopic(): sns.Topic {
    const stack = Stack.of(this);
    // CloudWatch publishes on behalf of this account's alarms only (confused-deputy guard).
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
      },
    };
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    // CloudWatch cannot publish to a topic under the AWS-managed SNS key: it needs its own key.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the Sinch bridge alarm topic',
      enableKeyRotation: true,
      // Teardown leaves nothing behind: the key is scheduled for deletion with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsEncryptForTheTopic',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });
    // A topic policy replaces SNS's default one: without this statement the TLS-only policy
    // alone refuses CloudWatch's publishes, and every alarm is lost.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
    return topic;
  }
}

function bridgeMetric(
  metricName: string,
  dimensionsMap: Record<string, string>,
  period: Duration,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap,
    period,
    statistic: 'Sum',
  });
}

/** The sum of counts that each exist only once something happened (missing means zero). */
function sumOf(label: string, metrics: cloudwatch.Metric[], period: Duration): cloudwatch.MathExpression {
  const usingMetrics = Object.fromEntries(metrics.map((metric, index) => [`m${index}`, metric]));
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    label,
    period,
  });
}

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { OptOutApps } from '../../functions/suppression/opt-out-keywords';
import { SUPPRESSION_TABLE_INDEXES } from '../../functions/suppression/suppression-list';
import type { SinchApp } from '../config';
import { METRICS_NAMESPACE, SERVICE_NAMES } from './bridge-metrics';
import type { EventRouter } from './router';

export interface SuppressionListProps {
  sinchRegion: string;
  apps: readonly SinchApp[];
  router: EventRouter;
  /** The send function: it reads the list before every send. */
  sendFunction: lambda.Function;
  /** Where opt-out confirmation texts go (only granted when an app has one). */
  outboundQueue: sqs.IQueue;
  /** Opt-outs (keywords and callbacks) per hour that raise the alarm. */
  optOutAlarmThreshold: number;
}

/**
 * Opt-outs: the suppression table (kept when the stack is deleted: it is the consent trail),
 * the router's suppression step with its keywords per app and channel, the send function's read
 * of the list, an alarm on a surge of opt-outs and a dashboard row.
 *
 * @example
 * const suppression = new SuppressionList(this, 'Suppression', { apps, router, sendFunction, outboundQueue, optOutAlarmThreshold: 50 });
 */
export class SuppressionList extends Construct {
  readonly table: dynamodb.TableV2;
  readonly optOuts: cloudwatch.Metric;
  private readonly threshold: number;
  private readonly sinchRegion: string;

  constructor(scope: Construct, id: string, props: SuppressionListProps) {
    super(scope, id);
    this.threshold = props.optOutAlarmThreshold;
    this.sinchRegion = props.sinchRegion;
    const [byApp] = SUPPRESSION_TABLE_INDEXES;
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: byApp!.indexName,
          partitionKey: { name: byApp!.partitionKey.name, type: dynamodb.AttributeType.STRING },
          sortKey: { name: byApp!.sortKey.name, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        },
      ],
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Who opted out, when and how: losing it with a stack would mean messaging them again.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const apps: OptOutApps = Object.fromEntries(
      props.apps.filter((app) => app.optOut).map((app) => [app.id, app.optOut!]),
    );
    props.router.addStepEnvironment('SUPPRESSION_TABLE', this.table.tableName);
    if (Object.keys(apps).length > 0) {
      props.router.addStepEnvironment('SUPPRESSION_APPS', JSON.stringify(apps));
    }
    // The step changes items, one conditional write each; it never reads, scans or deletes.
    props.router.routerFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [this.table.tableArn] }),
    );
    if (Object.values(apps).some((app) => app.confirmationText)) {
      props.router.addStepEnvironment('OUTBOUND_QUEUE_URL', props.outboundQueue.queueUrl);
      props.outboundQueue.grantSendMessages(props.router.routerFunction);
    }

    props.sendFunction.addEnvironment('SUPPRESSION_TABLE', this.table.tableName);
    // One consistent read per recipient identity before the claim: the checks of a batch's
    // groups share BatchGetItem calls. Read only: the send function never changes the list.
    props.sendFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:BatchGetItem'], resources: [this.table.tableArn] }),
    );

    this.optOuts = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'SuppressionAdded',
      dimensionsMap: { service: SERVICE_NAMES.router },
      statistic: 'Sum',
      period: Duration.hours(1),
    });
  }

  /**
   * The opt-out surge alarm to the stack's topic, and the suppression row on the dashboard.
   *
   * @example
   * suppression.alarmTo(monitoring.alarmTopic, monitoring.dashboard);
   */
  alarmTo(topic: sns.ITopic, dashboard?: cloudwatch.Dashboard): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'OptOutSurgeAlarm', {
      alarmDescription: `${this.threshold} or more recipients opted out within an hour: check what was sent (Sinch region ${this.sinchRegion})`,
      metric: this.optOuts,
      threshold: this.threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(topic));
    alarm.addOkAction(new actions.SnsAction(topic));
    const metric = (metricName: string, service: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    dashboard?.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Opt-outs',
        left: [
          metric('SuppressionAdded', SERVICE_NAMES.router),
          metric('SuppressionRemoved', SERVICE_NAMES.router),
        ],
        right: [
          metric('SendSuppressed', SERVICE_NAMES.send),
          metric('SendSuppressionBypassed', SERVICE_NAMES.send),
        ],
        width: 24,
      }),
    );
    return alarm;
  }
}

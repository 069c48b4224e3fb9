import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  COMMAND_TABLE_INDEXES,
  MESSAGE_ID_INDEX,
  SWEEP_INDEX,
} from '../../functions/lifecycle/command-status-store';
import type { SinchRegion, Tunables } from '../config';
import { bridgeFunction } from './bridge-function';
import { METRICS_NAMESPACE, SERVICE_NAMES } from './bridge-metrics';
import type { EventRouter } from './router';

/** How often the sweep looks for overdue commands. */
export const SWEEP_INTERVAL_MINUTES = 5;

export interface MessageLifecycleProps {
  sinchRegion: SinchRegion;
  projectId: string;
  tunables: Tunables;
  /** The command records (the send function's idempotency table). */
  table: dynamodb.ITableV2;
  router: EventRouter;
  eventsQueue: sqs.IQueue;
  /** @default - bundles `functions/lifecycle/handler.ts` */
  code?: lambda.Code;
}

/**
 * The message lifecycle: the router's lifecycle step (delivery reports -> `outbound.status`) gets
 * the command table, the table gets the lifecycle's two sparse indexes (when the stack owns it),
 * and a scheduled sweep publishes `outbound.unconfirmed` for commands with no confirmation within
 * `deliveryTimeoutSeconds`, counted and alarmed.
 *
 * @example
 * const lifecycle = new MessageLifecycle(this, 'Lifecycle', { sinchRegion, projectId, tunables, table, router, eventsQueue });
 * lifecycle.alarmTo(monitoring.alarmTopic);
 */
export class MessageLifecycle extends Construct {
  readonly sweepFunction: lambda.Function;
  readonly unconfirmed: cloudwatch.Metric;
  readonly statusChanges: cloudwatch.Metric;
  private readonly tunables: Tunables;
  private readonly sinchRegion: SinchRegion;

  constructor(scope: Construct, id: string, props: MessageLifecycleProps) {
    super(scope, id);
    const { tunables, table, router } = props;
    this.tunables = tunables;
    this.sinchRegion = props.sinchRegion;
    // A table brought in is the user's: its indexes too (the lifecycle then matches by correlation id only).
    const ownTable = table instanceof dynamodb.TableV2;
    if (ownTable) {
      for (const index of COMMAND_TABLE_INDEXES) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
          ...(index.sortKey
            ? { sortKey: { name: index.sortKey.name, type: attributeType(index.sortKey.type) } }
            : {}),
          projectionType: dynamodb.ProjectionType.KEYS_ONLY,
        });
      }
    }

    const lifecycleEnv = {
      IDEMPOTENCY_TABLE: table.tableName,
      DELIVERY_TIMEOUT_SECONDS: String(tunables.deliveryTimeoutSeconds),
      ...(ownTable ? { LIFECYCLE_MESSAGE_ID_INDEX: MESSAGE_ID_INDEX } : {}),
    };
    for (const [name, value] of Object.entries(lifecycleEnv)) router.addStepEnvironment(name, value);
    // Exactly what the step does: read and update records, query the message id index.
    router.routerFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
      }),
    );
    if (ownTable) {
      router.routerFunction.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [`${table.tableArn}/index/${MESSAGE_ID_INDEX}`],
        }),
      );
    }

    this.sweepFunction = bridgeFunction(this, 'SweepFunction', {
      entry: 'lifecycle',
      description: `Publishes outbound.unconfirmed for commands with no delivery confirmation in time (${props.sinchRegion})`,
      memorySize: 256,
      timeout: Duration.minutes(2),
      logRetentionDays: tunables.logRetentionDays,
      environment: {
        SINCH_REGION: props.sinchRegion,
        SINCH_PROJECT_ID: props.projectId,
        EVENTS_QUEUE_URL: props.eventsQueue.queueUrl,
        ...lifecycleEnv,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.lifecycle,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: tunables.logLevel,
      },
      ...(props.code ? { code: props.code } : {}),
    });
    router.routeEventsFrom(this.sweepFunction);
    this.sweepFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [table.tableArn] }),
    );
    this.sweepFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/${SWEEP_INDEX}`],
      }),
    );
    new events.Rule(this, 'SweepSchedule', {
      description: 'Runs the unconfirmed sweep',
      schedule: events.Schedule.rate(Duration.minutes(SWEEP_INTERVAL_MINUTES)),
      targets: [new targets.LambdaFunction(this.sweepFunction, { retryAttempts: 0 })],
    });

    this.unconfirmed = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'OutboundUnconfirmed',
      dimensionsMap: { service: SERVICE_NAMES.lifecycle },
      statistic: 'Sum',
      period: Duration.hours(1),
    });
    this.statusChanges = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'LifecycleStatusChanged',
      dimensionsMap: { service: SERVICE_NAMES.router },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
  }

  /**
   * The alarm on the unconfirmed rate (per hour, from the tunables) to the stack's topic, and the
   * lifecycle's row on the dashboard.
   *
   * @example
   * lifecycle.alarmTo(monitoring.alarmTopic, monitoring.dashboard);
   */
  alarmTo(topic: sns.ITopic, dashboard?: cloudwatch.Dashboard): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'UnconfirmedAlarm', {
      alarmDescription: `${this.tunables.unconfirmedAlarmThreshold} or more sent messages per hour got no delivery confirmation within ${this.tunables.deliveryTimeoutSeconds} s (Sinch region ${this.sinchRegion})`,
      metric: this.unconfirmed,
      threshold: this.tunables.unconfirmedAlarmThreshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(topic));
    alarm.addOkAction(new actions.SnsAction(topic));
    dashboard?.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Message lifecycle',
        left: [this.statusChanges],
        right: [this.unconfirmed],
        width: 24,
      }),
    );
    return alarm;
  }
}

const attributeType = (type: 'S' | 'N') =>
  type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER;

import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type LocalBridgeState, readLocalBridgeState } from '../local/state';
import { CliError, usageError } from './cli-error';

/** Where the CLI works: a deployed stack (AWS environment) or the running local bridge. */
export interface BridgeTarget {
  source: 'environment' | 'local';
  sqs: SQSClient;
  queueUrls: {
    events?: string | undefined;
    eventsDlq?: string | undefined;
    outbound?: string | undefined;
    outboundDlq?: string | undefined;
  };
  /** The local bridge, when the CLI talks to it. */
  local?: LocalBridgeState;
}

/** Queue names the CLI accepts for `--queue`, and the variables that locate them. */
export const QUEUE_VARIABLES = {
  events: 'EVENTS_QUEUE_URL',
  eventsDlq: 'EVENTS_DLQ_URL',
  outbound: 'OUTBOUND_QUEUE_URL',
  outboundDlq: 'OUTBOUND_DLQ_URL',
} as const;
export type QueueName = keyof typeof QUEUE_VARIABLES;

/**
 * Resolves the target: when any of `AWS_ENDPOINT_URL_SQS` or the queue URL variables is set,
 * the AWS environment (a deployed stack, default SDK configuration); otherwise the local bridge
 * that `npm start` recorded in `.bridge/local.json`.
 *
 * @example
 * const target = resolveTarget(process.env);
 * await target.sqs.send(new SendMessageCommand({ QueueUrl: queueUrlOf(target, 'outbound'), ... }));
 */
export function resolveTarget(
  env: NodeJS.ProcessEnv,
  local: LocalBridgeState | undefined = readLocalBridgeState(),
): BridgeTarget {
  const fromEnvironment =
    Boolean(env.AWS_ENDPOINT_URL_SQS) || Object.values(QUEUE_VARIABLES).some((name) => Boolean(env[name]));
  if (fromEnvironment || !local) {
    return {
      source: 'environment',
      sqs: new SQSClient({}),
      queueUrls: {
        events: env.EVENTS_QUEUE_URL,
        eventsDlq: env.EVENTS_DLQ_URL,
        outbound: env.OUTBOUND_QUEUE_URL,
        outboundDlq: env.OUTBOUND_DLQ_URL,
      },
    };
  }
  return {
    source: 'local',
    // The local bridge's SQS accepts any key; a profile from the shell must not be needed.
    sqs: new SQSClient({
      endpoint: local.endpoints.sqs,
      region: local.awsRegion,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    queueUrls: local.queueUrls,
    local,
  };
}

/**
 * The URL of one of the bridge's queues, from `--queue-url`, else the target; a usage error
 * naming the variable to set when neither knows it.
 *
 * @example
 * queueUrlOf(target, 'events', flags.queueUrl);
 */
export function queueUrlOf(target: BridgeTarget, queue: QueueName, override?: string): string {
  const url = override ?? target.queueUrls[queue];
  if (!url) {
    throw usageError(
      `no ${queue} queue URL: pass --queue-url, set ${QUEUE_VARIABLES[queue]}, or start the local bridge (npm start)`,
    );
  }
  return url;
}

/**
 * The URL of a dead-letter queue: `--queue-url`, the variable, or else found from the source
 * queue's `RedrivePolicy` (so a stack needs only EVENTS_QUEUE_URL and OUTBOUND_QUEUE_URL set).
 *
 * @example
 * const dlqUrl = await deadLetterQueueUrlOf(target, 'outbound');
 */
export async function deadLetterQueueUrlOf(
  target: BridgeTarget,
  source: 'events' | 'outbound',
  override?: string,
): Promise<string> {
  const dlq = source === 'events' ? 'eventsDlq' : 'outboundDlq';
  const known = override ?? target.queueUrls[dlq];
  if (known) return known;
  if (!target.queueUrls[source]) return queueUrlOf(target, dlq);
  const attributes = await target.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: target.queueUrls[source], AttributeNames: ['RedrivePolicy'] }),
  );
  const policy = attributes.Attributes?.RedrivePolicy;
  const arn = policy
    ? (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
    : undefined;
  if (!arn)
    throw new CliError('failed', `${target.queueUrls[source]} has no dead-letter queue (no RedrivePolicy)`);
  const [, , , , account, name] = arn.split(':');
  const found = await target.sqs.send(
    new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
  );
  return found.QueueUrl!;
}

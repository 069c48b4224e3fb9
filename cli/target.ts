/**
 * Where a command works, decided once per run and said on stderr: the running local bridge
 * (`npm start`) or AWS (a deployed stack). Local wins while the local bridge runs, unless
 * `--aws` or `--stack` says otherwise, so exporting the banner's variables for other AWS tools
 * never silently moves the CLI away from the bridge you are looking at.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalBridgeState } from '../local/state';
import { CliError, usageError } from './cli-error';

/** The global flags that choose the mode. */
export interface TargetChoice {
  aws?: boolean | undefined;
  local?: boolean | undefined;
  stack?: string | undefined;
}

export interface BridgeQueueUrls {
  events?: string | undefined;
  eventsDlq?: string | undefined;
  outbound?: string | undefined;
  outboundDlq?: string | undefined;
}

/** Where the CLI works. */
export interface BridgeTarget {
  mode: 'local' | 'aws';
  /** What decided the mode, in words (printed on stderr and by `doctor`). */
  reason: string;
  /** The target in a few words: the bridge's pid and endpoint, or the AWS region and stack. */
  description: string;
  awsRegion?: string | undefined;
  sqs: SQSClient;
  queueUrls: BridgeQueueUrls;
  /** The local bridge, when the CLI talks to it. */
  local?: LocalBridgeState;
  /** The deployed stack's outputs, with `--stack`. */
  stack?: { name: string; outputs: Record<string, string> };
}

/** Queue names the CLI accepts, and the variables that locate them in AWS mode. */
export const QUEUE_VARIABLES = {
  events: 'EVENTS_QUEUE_URL',
  eventsDlq: 'EVENTS_DLQ_URL',
  outbound: 'OUTBOUND_QUEUE_URL',
  outboundDlq: 'OUTBOUND_DLQ_URL',
} as const;
export type QueueName = keyof typeof QUEUE_VARIABLES;

/** The stack outputs that locate each queue (infra/region-stack.ts). */
const QUEUE_OUTPUTS: Record<QueueName, string> = {
  events: 'EventsQueueUrl',
  eventsDlq: 'EventsDeadLetterQueueUrl',
  outbound: 'OutboundQueueUrl',
  outboundDlq: 'OutboundDeadLetterQueueUrl',
};

/** Variables that point the CLI at AWS when no local bridge runs. */
const AWS_VARIABLES = ['AWS_ENDPOINT_URL_SQS', ...Object.values(QUEUE_VARIABLES)];

/** `https://sqs.eu-west-1.amazonaws.com/...` -> `eu-west-1`. */
function regionOfQueueUrl(url: string | undefined): string | undefined {
  return url ? /sqs[.-]([a-z]{2}(?:-[a-z]+)+-\d)\./.exec(url)?.[1] : undefined;
}

/**
 * Decides the target from the global flags, the environment and the local bridge's state file.
 *
 * @example
 * const target = await resolveTarget(process.env, { aws: false });
 * process.stderr.write(`${describeTarget(target)}\n`);
 */
export async function resolveTarget(
  env: NodeJS.ProcessEnv,
  choice: TargetChoice,
  local?: LocalBridgeState | undefined,
): Promise<BridgeTarget> {
  if (choice.local && (choice.aws || choice.stack)) {
    throw usageError('--local conflicts with --aws and --stack: pick one mode');
  }
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  const running = local ?? (await import('../local/state')).readLocalBridgeState();
  if (choice.local && !running) {
    throw usageError('--local: no local bridge is running (start one with `npm start`)');
  }
  if (running && !choice.aws && !choice.stack) {
    const ignored = AWS_VARIABLES.filter((name) => env[name]);
    return {
      mode: 'local',
      reason: choice.local
        ? '--local'
        : `a local bridge is running (pid ${running.pid})${
            ignored.length > 0 ? `; ${ignored.join(', ')} ignored` : ''
          }; --aws or --stack for AWS`,
      description: `local bridge pid ${running.pid}, ${running.webhookBaseUrl}`,
      awsRegion: running.awsRegion,
      // The local bridge's SQS accepts any key; a profile from the shell must not be needed.
      sqs: new SQSClient({
        endpoint: running.endpoints.sqs,
        region: running.awsRegion,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      queueUrls: running.queueUrls,
      local: running,
    };
  }
  let stack: BridgeTarget['stack'];
  let queueUrls: BridgeQueueUrls = {
    events: env.EVENTS_QUEUE_URL,
    eventsDlq: env.EVENTS_DLQ_URL,
    outbound: env.OUTBOUND_QUEUE_URL,
    outboundDlq: env.OUTBOUND_DLQ_URL,
  };
  if (choice.stack) {
    stack = { name: choice.stack, outputs: await stackOutputs(choice.stack) };
    queueUrls = Object.fromEntries(
      Object.entries(QUEUE_OUTPUTS).map(([queue, output]) => [queue, stack!.outputs[output]]),
    );
  }
  const awsRegion =
    env.AWS_REGION || env.AWS_DEFAULT_REGION || regionOfQueueUrl(queueUrls.events ?? queueUrls.outbound);
  const set = AWS_VARIABLES.filter((name) => env[name]);
  const reason = choice.stack
    ? `--stack ${choice.stack}`
    : choice.aws
      ? '--aws'
      : set.length > 0
        ? `no local bridge is running; ${set.join(', ')} set`
        : 'no local bridge is running (start one with `npm start`) and no queue variables are set';
  return {
    mode: 'aws',
    reason,
    description: `region ${awsRegion ?? 'unknown: set AWS_REGION'}${stack ? `, stack ${stack.name}` : ''}${
      env.AWS_ENDPOINT_URL_SQS ? `, SQS ${env.AWS_ENDPOINT_URL_SQS}` : ''
    }`,
    awsRegion,
    sqs: new SQSClient(awsRegion ? { region: awsRegion } : {}),
    queueUrls,
    ...(stack ? { stack } : {}),
  };
}

/**
 * The outputs of a deployed stack (CloudFormation DescribeStacks, default SDK configuration).
 *
 * @example
 * const outputs = await stackOutputs('SinchBridge-eu'); // { EventsQueueUrl: 'https://sqs...', ... }
 */
export async function stackOutputs(stackName: string): Promise<Record<string, string>> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = new CloudFormationClient({});
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = out.Stacks?.[0]?.Outputs ?? [];
    return Object.fromEntries(outputs.map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    const err = error as Error;
    throw new CliError(
      err.name === 'ValidationError' ? 'usage' : 'failed',
      `cannot read the outputs of stack ${stackName}: ${err.name}: ${err.message}`,
    );
  } finally {
    client.destroy();
  }
}

/**
 * One line for stderr naming the mode, the target and why.
 *
 * @example
 * describeTarget(target); // 'mode: local (local bridge pid 42, http://127.0.0.1:3000): a local bridge is running ...'
 */
export function describeTarget(target: BridgeTarget): string {
  return `mode: ${target.mode === 'local' ? 'local' : 'AWS'} (${target.description}): ${target.reason}`;
}

/**
 * The URL of one of the bridge's queues, from `--queue-url`, else the target; a usage error
 * naming what to set when neither knows it.
 *
 * @example
 * queueUrlOf(target, 'events', flags.queueUrl);
 */
export function queueUrlOf(target: BridgeTarget, queue: QueueName, override?: string): string {
  const url = override ?? target.queueUrls[queue];
  if (!url) {
    throw usageError(
      target.stack
        ? `stack ${target.stack.name} has no ${QUEUE_OUTPUTS[queue]} output`
        : `no ${queue} queue URL: start the local bridge (npm start), pass --stack <name>, set ${QUEUE_VARIABLES[queue]}, or pass --queue-url`,
    );
  }
  return url;
}

/**
 * The URL of a dead-letter queue: `--queue-url`, the target, or else found from the source
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
  const { GetQueueAttributesCommand, GetQueueUrlCommand } = await import('@aws-sdk/client-sqs');
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

/**
 * What `sinch-bridge verify` does: one signed callback and (with `--to`) one test send, each
 * followed to the events queue. It takes from the queue only the events it caused itself (found
 * by a unique test identity, which also gives them their own FIFO group), so consumers never see
 * them unless they raced it; each look costs the other waiting events one receive, and it looks
 * at most every 2 seconds.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { CliContext } from './cli-context';
import { CliError, usageError } from './cli-error';
import { commandFromFlags, toOutboundQueueMessage, validateCommand } from './outbound-message';
import { sampleCallback } from './sample-callbacks';
import { postSignedCallback } from './simulate';
import { followEvents, type TailedEvent } from './tail';
import { type BridgeTarget, queueUrlOf } from './target';

/** Parsed flags of `verify`. */
export interface VerifyFlags {
  app?: string;
  to?: string;
  timeout: number;
}

interface Step {
  name: string;
  ok: boolean;
  detail: string;
}

async function webhookSecret(target: BridgeTarget, appId: string): Promise<string | undefined> {
  if (target.local) {
    const secret = target.local.secrets[appId];
    return Array.isArray(secret) ? secret[0] : secret;
  }
  const arn = target.stack?.outputs.WebhookSecretsArn;
  if (!arn) return undefined;
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient(target.awsRegion ? { region: target.awsRegion } : {});
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const secrets = JSON.parse(out.SecretString ?? '{}') as Record<string, string | string[]>;
    const secret = secrets[appId];
    return Array.isArray(secret) ? secret[0] : secret;
  } finally {
    client.destroy();
  }
}

/** Looks at the events queue until `match` finds an event, then deletes just that event. */
async function findOwnEvent(
  context: CliContext,
  target: BridgeTarget,
  match: (event: TailedEvent) => boolean,
  timeoutSeconds: number,
): Promise<TailedEvent | undefined> {
  const queueUrl = queueUrlOf(target, 'events');
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline && !context.io.signal?.aborted) {
    let found: TailedEvent | undefined;
    await followEvents({
      sqs: target.sqs,
      queueUrl,
      mode: 'peek',
      filter: match,
      take: match,
      limit: 1,
      ...(context.io.signal ? { signal: context.io.signal } : {}),
      onEvent: (event) => {
        found = event;
      },
    });
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return undefined;
}

/**
 * Runs `verify`: prints each step, exits 1 when one failed.
 *
 * @example
 * await verifyCommand(context, { to: 'SMS:+46700000000', timeout: 60 });
 */
export async function verifyCommand(context: CliContext, flags: VerifyFlags): Promise<void> {
  const { io } = context;
  const target = await context.target();
  if (target.mode === 'aws' && !target.stack) {
    throw usageError(
      'verify needs --stack <name> (e.g. sinch-bridge --stack SinchBridge-eu verify) or a running local bridge',
    );
  }
  const steps: Step[] = [];
  const report = async (step: Step) => {
    steps.push(step);
    await io.stdout(
      `${step.ok ? context.paint('green', 'ok  ') : context.paint('red', 'FAIL')}  ${step.name}: ${step.detail}\n`,
    );
  };
  const apps = target.local
    ? Object.keys(target.local.secrets)
    : Object.keys(target.stack!.outputs)
        .filter((k) => k.startsWith('WebhookUrl'))
        .map((k) => k.slice('WebhookUrl'.length));
  const appId = flags.app ?? apps[0];
  if (!appId || !apps.includes(appId)) {
    throw usageError(
      `no such app${flags.app ? ` ${flags.app}` : ''}: the target has ${apps.join(', ') || 'none'}`,
    );
  }
  const webhookUrl = target.local
    ? `${target.local.webhookBaseUrl}/webhooks/${appId}`
    : target.stack!.outputs[`WebhookUrl${appId}`]!;
  await report({
    name: 'outputs',
    ok: true,
    detail: `app ${appId}, webhook ${webhookUrl}, events ${queueUrlOf(target, 'events')}`,
  });

  // 1. A signed callback from a test identity nobody else uses.
  const run = randomUUID().slice(0, 8);
  const identity = `verify-${run}`;
  const secret = await webhookSecret(target, appId).catch((error: Error) => {
    throw new CliError('failed', `cannot read the webhook secret: ${error.message}`);
  });
  if (!secret) throw new CliError('failed', `no webhook secret for app ${appId}`);
  const body = JSON.stringify(
    sampleCallback('MESSAGE_INBOUND', {
      appId,
      projectId:
        target.local?.projectId ??
        /\/projects\/([^/]+)\//.exec(target.stack?.outputs.SinchServiceConnectionUrl ?? '')?.[1] ??
        'verify',
      channel: 'SMS',
      identity,
      text: `sinch-bridge verify ${run}`,
    }),
  );
  let answer: { status: number; body: string };
  try {
    answer = await postSignedCallback({ url: webhookUrl, secret, body });
  } catch (error) {
    answer = { status: 0, body: String((error as Error).cause ?? (error as Error).message) };
  }
  await report({
    name: 'signed callback',
    ok: answer.status === 200,
    detail:
      answer.status === 200
        ? 'the webhook answered 200'
        : `the webhook answered ${answer.status || 'nothing'} ${answer.body}`,
  });
  if (answer.status === 200) {
    const event = await findOwnEvent(
      context,
      target,
      (e) => String(e.event?.subject ?? '').endsWith(`:${identity}`),
      flags.timeout,
    );
    await report({
      name: 'event on the events queue',
      ok: Boolean(event),
      detail: event
        ? `${String(event.event?.type)} arrived (and was taken off the queue)`
        : `nothing within ${flags.timeout} s (a consumer may have taken it: look for subject SMS:${identity} in its logs)`,
    });
  }

  // 2. A test send, when asked for.
  if (flags.to) {
    const command = validateCommand(
      commandFromFlags({
        id: `verify-${run}`,
        app: appId,
        to: [flags.to],
        text: `sinch-bridge verify ${run}`,
      }),
    );
    await target.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrlOf(target, 'outbound'),
        ...toOutboundQueueMessage(command),
      }),
    );
    const outcome = await findOwnEvent(
      context,
      target,
      (e) =>
        (e.event?.data as { id?: unknown } | undefined)?.id === command.id &&
        /outbound\.(accepted|failed)$/.test(String(e.event?.type)),
      flags.timeout,
    );
    const data = outcome?.event?.data as
      | { messageId?: string; error?: { kind?: string; status?: number; message?: string } }
      | undefined;
    await report({
      name: 'test send',
      ok: /accepted$/.test(String(outcome?.event?.type)),
      detail: !outcome
        ? `no outcome within ${flags.timeout} s: is the send function running? (sinch-bridge doctor)`
        : data?.error
          ? `failed: ${data.error.kind}${data.error.status ? ` ${data.error.status}` : ''}: ${data.error.message} (sinch-bridge dlq inspect)`
          : `accepted by Sinch, message ${data?.messageId ?? '?'}`,
    });
  }
  const failed = steps.filter((s) => !s.ok);
  if (failed.length > 0)
    throw new CliError('failed', `verify failed: ${failed.map((s) => s.name).join(', ')}`);
  io.stderr('verified\n');
}

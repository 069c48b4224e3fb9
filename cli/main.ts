/**
 * `sinch-bridge`: the operator CLI. Works against the running local bridge (`npm start`) or a
 * deployed stack (the usual AWS environment variables plus the queue URL variables).
 */
import { readFileSync } from 'node:fs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { OutboundCommand } from '../functions/send/command';
import { CliError, EXIT_CODES, usageError } from './cli-error';
import { inspectDeadLetters, redriveDeadLetters } from './dlq';
import {
  commandFromFlags,
  type SendFlags,
  toOutboundQueueMessage,
  validateCommand,
} from './outbound-message';
import { SIMULATED_TRIGGERS, type SimulatedTrigger, sampleCallback } from './sample-callbacks';
import { postSignedCallback } from './simulate';
import { followEvents, formatEvent } from './tail';
import { type BridgeTarget, deadLetterQueueUrlOf, queueUrlOf, resolveTarget } from './target';
import { registerWebhookCommands } from './webhooks';

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Variables the CLI reads itself; AWS SDK clients read `process.env` (default configuration). */
  env: NodeJS.ProcessEnv;
  /** Aborts long-running commands (tail); Ctrl-C in the real CLI. */
  signal?: AbortSignal;
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

/** The text itself, once it is known to be JSON. */
function jsonText(text: string, what: string): string {
  try {
    JSON.parse(text);
  } catch {
    throw usageError(`${what} is not JSON`);
  }
  return text;
}

function readJsonFile(path: string, what: string): unknown {
  return JSON.parse(jsonText(readTextFile(path, what), `${what} ${path}`));
}

/**
 * Builds the `sinch-bridge` program. Every command writes results to `io.stdout` and progress or
 * errors to `io.stderr`.
 *
 * @example
 * const code = await runCli(['tail', '--json', '--limit', '1'], { stdout, stderr, env: process.env });
 */
export function createProgram(io: CliIo): Command {
  let target: BridgeTarget | undefined;
  const getTarget = () => {
    target ??= resolveTarget(io.env);
    if (target.source === 'local') io.stderr(`using the local bridge (pid ${target.local!.pid})\n`);
    return target;
  };

  const program = new Command('sinch-bridge')
    .description(
      'Operate a Sinch Conversation bridge: send commands, simulate callbacks, follow events, handle dead letters. ' +
        'Targets the local bridge started by `npm start`, or a deployed stack when AWS_ENDPOINT_URL_SQS or a ' +
        'queue URL variable (EVENTS_QUEUE_URL, OUTBOUND_QUEUE_URL, EVENTS_DLQ_URL, OUTBOUND_DLQ_URL) is set.',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 the operation failed, 2 wrong usage or missing configuration, 3 nothing arrived in time.',
    )
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command('send')
    .description('enqueue an outbound command (contracts section 4) from flags or a JSON file')
    .option('-f, --file <path>', 'the command as JSON ("-" reads stdin); replaces the flags below')
    .option('--id <id>', 'idempotency key and Sinch correlation_id (default: cli-<uuid>)')
    .option('--app <appId>', 'the Sinch app to send from (default with the local bridge: its first app)')
    .option('--from <queueAddress>', 'send from <appId>@<subchannel>.sinchconversation.com')
    .option('--to <CHANNEL:identity>', 'recipient, repeatable for channel fallback', collect)
    .option('--contact <contactId>', 'recipient contact (CONVERSATION-mode apps only)')
    .option('--text <text>', 'a text message')
    .option('--media <url>', 'a media message')
    .option('--template <id>', 'a template message')
    .option('--template-version <version>', 'template version')
    .option('--language <code>', 'template language code')
    .addOption(new Option('--priority <priority>', 'queue priority at Sinch').choices(['normal', 'high']))
    .option('--metadata <text>', 'message metadata echoed on delivery reports')
    .option('--channel-priority <CHANNEL>', 'channel order, repeatable', collect)
    .option('--queue-url <url>', 'outbound queue URL (default: OUTBOUND_QUEUE_URL or the local bridge)')
    .option('--no-validate', 'enqueue even if the command is invalid (to watch it fail)')
    .option('--json', 'print the result as JSON')
    .action(
      async (flags: SendFlags & { file?: string; queueUrl?: string; validate: boolean; json?: boolean }) => {
        const t = getTarget();
        // Against the local bridge, the dev app is the natural sender.
        const localApp = t.local ? Object.keys(t.local.secrets)[0] : undefined;
        const raw = flags.file
          ? readJsonFile(flags.file, 'command file')
          : commandFromFlags(flags.app || flags.from || !localApp ? flags : { ...flags, app: localApp });
        let message: ReturnType<typeof toOutboundQueueMessage>;
        if (flags.validate) {
          message = toOutboundQueueMessage(validateCommand(raw));
        } else {
          const loose = raw as Partial<OutboundCommand>;
          message = {
            MessageBody: JSON.stringify(raw),
            MessageGroupId: typeof loose.appId === 'string' && loose.appId ? loose.appId : 'unvalidated',
            MessageDeduplicationId: `unvalidated-${Date.now()}-${Math.random().toString(36).slice(2)}`,
          };
        }
        const queueUrl = queueUrlOf(t, 'outbound', flags.queueUrl);
        const out = await t.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, ...message }));
        const id = (raw as { id?: unknown }).id;
        if (flags.json) {
          io.stdout(
            `${JSON.stringify({ id, messageId: out.MessageId, groupId: message.MessageGroupId, queueUrl })}\n`,
          );
        } else {
          io.stdout(
            `enqueued command ${String(id)} (SQS message ${out.MessageId}, group ${message.MessageGroupId})\n`,
          );
          io.stderr(
            'the outcome arrives on the events queue as sinch.bridge.outbound.accepted or .failed (see `tail`)\n',
          );
        }
      },
    );

  program
    .command('simulate')
    .description('post a correctly signed Sinch callback of any trigger to a webhook URL')
    .option('--url <url>', 'webhook URL (default: the local bridge, /webhooks/<app>)')
    .option('--app <appId>', "app id (default: from --url, else the local bridge's first app)")
    .option(
      '--secret <secret>',
      'webhook secret (default: SINCH_WEBHOOK_SECRET, WEBHOOK_SECRETS_JSON or the local bridge)',
    )
    .addOption(
      new Option('--trigger <trigger>', 'callback trigger')
        .choices(SIMULATED_TRIGGERS)
        .default('MESSAGE_INBOUND'),
    )
    .option('-f, --file <path>', 'post this callback body as is (JSON file, "-" for stdin)')
    .option('--text <text>', 'message text (MESSAGE_INBOUND, MESSAGE_SUBMIT)')
    .option('--channel <channel>', 'channel of the contact', 'WHATSAPP')
    .option('--identity <identity>', 'identity of the contact on the channel', '46700000000')
    .option('--status <status>', 'delivery status (MESSAGE_DELIVERY, EVENT_DELIVERY)')
    .option('--message-id <id>', 'message id a delivery report is about')
    .option(
      '--project <projectId>',
      "project id in the body (default: SINCH_PROJECT_ID or the local bridge's)",
    )
    .option(
      '--timestamp <unixSeconds>',
      'sign with this timestamp (e.g. an old one, to see a 401)',
      positiveInt,
    )
    .option('--json', 'print the webhook answer as JSON')
    .action(
      async (flags: {
        url?: string;
        app?: string;
        secret?: string;
        trigger: SimulatedTrigger;
        file?: string;
        text?: string;
        channel: string;
        identity: string;
        status?: string;
        messageId?: string;
        project?: string;
        timestamp?: number;
        json?: boolean;
      }) => {
        const local = flags.url && flags.secret ? undefined : resolveTarget(io.env).local;
        const appFromUrl = flags.url ? /\/webhooks\/([^/?#]+)/.exec(flags.url)?.[1] : undefined;
        const appId = flags.app ?? appFromUrl ?? Object.keys(local?.secrets ?? {})[0];
        if (!appId)
          throw usageError('no app: pass --app or --url .../webhooks/<appId>, or start the local bridge');
        const url = flags.url ?? (local ? `${local.webhookBaseUrl}/webhooks/${appId}` : undefined);
        if (!url) throw usageError('no webhook URL: pass --url, or start the local bridge (npm start)');
        const secret =
          flags.secret ??
          io.env.SINCH_WEBHOOK_SECRET ??
          secretOf(io.env.WEBHOOK_SECRETS_JSON, appId) ??
          firstSecret(local?.secrets[appId]);
        if (!secret) {
          throw usageError(
            `no secret for app ${appId}: pass --secret, or set SINCH_WEBHOOK_SECRET or WEBHOOK_SECRETS_JSON`,
          );
        }
        // A given file is posted byte for byte (checked to be JSON): the signature covers the raw body.
        const body = flags.file
          ? jsonText(readTextFile(flags.file, 'callback file'), `callback file ${flags.file}`)
          : JSON.stringify(
              sampleCallback(flags.trigger, {
                appId,
                projectId: flags.project ?? io.env.SINCH_PROJECT_ID ?? local?.projectId ?? 'local-project',
                channel: flags.channel.toUpperCase(),
                identity: flags.identity,
                ...(flags.text !== undefined ? { text: flags.text } : {}),
                ...(flags.status ? { status: flags.status } : {}),
                ...(flags.messageId ? { messageId: flags.messageId } : {}),
              }),
            );
        let answer: Awaited<ReturnType<typeof postSignedCallback>>;
        try {
          answer = await postSignedCallback({
            url,
            secret,
            body,
            ...(flags.timestamp !== undefined ? { timestamp: flags.timestamp } : {}),
          });
        } catch (error) {
          throw new CliError(
            'failed',
            `cannot reach ${url}: ${(error as Error).cause ?? (error as Error).message}`,
          );
        }
        if (flags.json)
          io.stdout(
            `${JSON.stringify({ url, trigger: flags.file ? undefined : flags.trigger, ...answer })}\n`,
          );
        else io.stdout(`${url} answered ${answer.status} ${answer.body}\n`);
        if (answer.status < 200 || answer.status > 299) {
          throw new CliError('failed', `the webhook refused the callback (${answer.status})`);
        }
      },
    );

  program
    .command('tail')
    .description('follow the events queue (consumes what it shows: it is a consumer of the queue)')
    .option('--json', 'one CloudEvent JSON document per line')
    .option('--show-content', 'show message text and full identities (personal data)')
    .option('-n, --limit <count>', 'exit after this many events', positiveInt)
    .option('-t, --timeout <seconds>', 'exit after this many seconds without an event', positiveInt)
    .option('--queue-url <url>', 'events queue URL (default: EVENTS_QUEUE_URL or the local bridge)')
    .action(
      async (flags: {
        json?: boolean;
        showContent?: boolean;
        limit?: number;
        timeout?: number;
        queueUrl?: string;
      }) => {
        const t = getTarget();
        const queueUrl = queueUrlOf(t, 'events', flags.queueUrl);
        if (!flags.json) io.stderr(`following ${queueUrl} (Ctrl-C to stop)\n`);
        const seen = await followEvents({
          sqs: t.sqs,
          queueUrl,
          ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
          ...(flags.timeout !== undefined ? { idleSeconds: flags.timeout } : {}),
          ...(io.signal ? { signal: io.signal } : {}),
          onEvent: (event) =>
            io.stdout(
              `${flags.json ? (event.event ? JSON.stringify(event.event) : JSON.stringify({ raw: event.raw })) : formatEvent(event, { showContent: flags.showContent ?? false })}\n`,
            ),
        });
        if (flags.limit !== undefined && seen < flags.limit && !io.signal?.aborted) {
          throw new CliError(
            'timeout',
            `saw ${seen} of ${flags.limit} events within ${flags.timeout ?? '?'} s`,
          );
        }
      },
    );

  const dlq = program.command('dlq').description('look at and redrive dead letters');
  const queueOption = () =>
    new Option('--queue <queue>', 'which dead-letter queue')
      .choices(['outbound', 'events'])
      .default('outbound');
  dlq
    .command('inspect')
    .description('list dead letters without removing them')
    .addOption(queueOption())
    .option('--max <count>', 'at most this many', positiveInt, 100)
    .option(
      '--queue-url <url>',
      "DLQ URL (default: OUTBOUND_DLQ_URL / EVENTS_DLQ_URL, the source queue's redrive policy, or the local bridge)",
    )
    .option('--json', 'one JSON document per dead letter')
    .action(
      async (flags: { queue: 'outbound' | 'events'; max: number; queueUrl?: string; json?: boolean }) => {
        const t = getTarget();
        const queueUrl = await deadLetterQueueUrlOf(t, flags.queue, flags.queueUrl);
        const letters = await inspectDeadLetters({ sqs: t.sqs, queueUrl, max: flags.max });
        for (const letter of letters) {
          if (flags.json) {
            let body: unknown = letter.body;
            try {
              body = JSON.parse(letter.body);
            } catch {
              // kept as text
            }
            io.stdout(`${JSON.stringify({ ...letter, body })}\n`);
          } else {
            io.stdout(
              `${letter.messageId}  sent ${letter.sentAt ?? '?'}  receives ${letter.receiveCount ?? '?'}  group ${letter.groupId ?? '-'}\n  ${letter.body.slice(0, 300)}\n`,
            );
          }
        }
        if (!flags.json) io.stderr(`${letters.length} dead letter(s) in ${queueUrl}\n`);
      },
    );
  dlq
    .command('redrive')
    .description('move dead letters back to their source queue')
    .addOption(queueOption())
    .option('--max <count>', 'at most this many (default: all)', positiveInt)
    .option('--json', 'print the result as JSON')
    .action(async (flags: { queue: 'outbound' | 'events'; max?: number; json?: boolean }) => {
      const t = getTarget();
      const sourceUrl = queueUrlOf(t, flags.queue);
      const dlqUrl = await deadLetterQueueUrlOf(t, flags.queue);
      const result = await redriveDeadLetters({
        sqs: t.sqs,
        dlqUrl,
        sourceUrl,
        ...(flags.max !== undefined ? { max: flags.max } : {}),
        onMoved: (id) => {
          if (!flags.json) io.stderr(`moved ${id}\n`);
        },
      });
      if (flags.json) io.stdout(`${JSON.stringify(result)}\n`);
      else io.stdout(`moved ${result.moved} message(s) from ${dlqUrl} to ${sourceUrl}\n`);
      if (result.failed.length > 0) {
        throw new CliError(
          'failed',
          `${result.failed.length} message(s) not moved: ${result.failed[0]!.error}`,
        );
      }
    });

  registerWebhookCommands(program, io);
  return program;
}

function secretOf(json: string | undefined, appId: string): string | undefined {
  if (!json) return undefined;
  try {
    return firstSecret((JSON.parse(json) as Record<string, string | string[]>)[appId]);
  } catch {
    return undefined;
  }
}

function firstSecret(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Runs the CLI and returns its exit code (0 ok, 1 failed, 2 usage, 3 timeout); never exits the process.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: ..., env: process.env });
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed help or the usage error already; help on request exits 0.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    if (error instanceof CliError) {
      io.stderr(`error: ${error.message}\n`);
      return error.exitCode;
    }
    const err = error as Error & { name?: string; $metadata?: unknown };
    io.stderr(`error: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}\n`);
    return EXIT_CODES.failed;
  }
}

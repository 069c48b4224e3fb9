/** What `sinch-bridge simulate` does once its flags are parsed. */
import { KNOWN_CHANNELS } from '../functions/sinch/channels';
import type { CliContext } from './cli-context';
import { CliError, unknownValueError, usageError } from './cli-error';
import { jsonText, readTextFile } from './input-files';
import { type SimulatedTrigger, sampleCallback } from './sample-callbacks';
import { postSignedCallback } from './simulate';

/** Parsed flags of `simulate`. */
export interface SimulateFlags {
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
}

/** Delivery statuses Sinch reports (MESSAGE_DELIVERY; EVENT_DELIVERY uses the same words). */
const DELIVERY_STATUSES = ['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ', 'FAILED', 'SWITCHING_CHANNEL'];

function secretOf(json: string | undefined, appId: string): string | undefined {
  if (!json) return undefined;
  try {
    return firstSecret((JSON.parse(json) as Record<string, string | string[]>)[appId]);
  } catch {
    throw usageError('WEBHOOK_SECRETS_JSON is not JSON');
  }
}

function firstSecret(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Runs `simulate`.
 *
 * @example
 * await simulateCommand(context, { trigger: 'MESSAGE_INBOUND', text: 'hello', channel: 'WHATSAPP', identity: '46700000000' });
 */
export async function simulateCommand(context: CliContext, flags: SimulateFlags): Promise<void> {
  const { io } = context;
  const channel = flags.channel.toUpperCase();
  if (!(KNOWN_CHANNELS as readonly string[]).includes(channel)) {
    throw unknownValueError('channel', flags.channel, KNOWN_CHANNELS);
  }
  if (flags.status !== undefined) {
    if (!['MESSAGE_DELIVERY', 'EVENT_DELIVERY'].includes(flags.trigger)) {
      throw usageError('--status applies to --trigger MESSAGE_DELIVERY or EVENT_DELIVERY');
    }
    if (!DELIVERY_STATUSES.includes(flags.status))
      throw unknownValueError('status', flags.status, DELIVERY_STATUSES);
  }
  if (flags.text !== undefined && !['MESSAGE_INBOUND', 'MESSAGE_SUBMIT'].includes(flags.trigger)) {
    throw usageError('--text applies to --trigger MESSAGE_INBOUND or MESSAGE_SUBMIT');
  }
  const local = flags.url && flags.secret ? undefined : (await context.target()).local;
  const appFromUrl = flags.url ? /\/webhooks\/([^/?#]+)/.exec(flags.url)?.[1] : undefined;
  if (flags.app && appFromUrl && flags.app !== appFromUrl) {
    throw usageError(`--app ${flags.app} conflicts with the app in --url (${appFromUrl})`);
  }
  const appId = flags.app ?? appFromUrl ?? Object.keys(local?.secrets ?? {})[0];
  if (!appId) throw usageError('no app: pass --app or --url .../webhooks/<appId>, or start the local bridge');
  if (local && !flags.url && !Object.hasOwn(local.secrets, appId)) {
    throw unknownValueError('app (not one of the local bridge)', appId, Object.keys(local.secrets));
  }
  const url = flags.url ?? (local ? `${local.webhookBaseUrl}/webhooks/${appId}` : undefined);
  if (!url) throw usageError('no webhook URL: pass --url, or start the local bridge (npm start)');
  if (!URL.canParse(url)) throw usageError(`--url must be a URL, got "${url}"`);
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
          channel,
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
  if (flags.json) {
    await io.stdout(
      `${JSON.stringify({ url, trigger: flags.file ? undefined : flags.trigger, ...answer })}\n`,
    );
  } else {
    await io.stdout(`${url} answered ${answer.status} ${answer.body}\n`);
  }
  if (answer.status < 200 || answer.status > 299) {
    throw new CliError('failed', `the webhook refused the callback (${answer.status})`);
  }
}

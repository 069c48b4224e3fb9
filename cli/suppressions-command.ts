/**
 * `sinch-bridge suppressions list|check|add|remove|import`: the suppression list (opt-outs) of the
 * local bridge or a stack. Changes are made as the router's step makes them (one conditional
 * write, source `operator`) and publish `sinch.bridge.suppression.added|removed` through the
 * router queue, so consumers and the archive see them like any other change.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { toSuppressionEvent } from '../functions/events/lifecycle-events';
import { messageGroupIdOf } from '../functions/events/message-group';
import { toSqsMessageBody } from '../functions/events/sqs-message-body';
import {
  createSuppressionList,
  normalizeIdentity,
  type Recipient,
  type SuppressionList,
} from '../functions/suppression/suppression-list';
import type { CliContext } from './cli-context';
import { CliError, usageError } from './cli-error';
import type { BridgeTarget } from './target';

export interface SuppressionFlags {
  app?: string;
  channel?: string;
  json?: boolean;
}

interface Where {
  list: SuppressionList;
  client: DynamoDBClient;
  appId: string;
  routerQueueUrl?: string | undefined;
  origin?: { region: string; projectId: string } | undefined;
}

/** `CHANNEL:identity` -> its parts (channel upper-cased). */
export function parseRecipientArgument(value: string): { channel: string; identity: string } {
  const at = value.indexOf(':');
  if (at < 1 || at === value.length - 1) {
    throw usageError(`a recipient is CHANNEL:identity (e.g. SMS:+46700000000), got "${value}"`);
  }
  return { channel: value.slice(0, at).trim().toUpperCase(), identity: value.slice(at + 1).trim() };
}

/** Region and project of a stack, from its Sinch service connection URL output. */
function originOfStack(outputs: Record<string, string>): { region: string; projectId: string } | undefined {
  const match = /^https:\/\/(\w+)\.conversation\.api\.sinch\.com\/v1\/projects\/([^/]+)\//.exec(
    outputs.SinchServiceConnectionUrl ?? '',
  );
  return match ? { region: match[1]!, projectId: match[2]! } : undefined;
}

async function whereOf(context: CliContext, flags: SuppressionFlags): Promise<Where> {
  const target: BridgeTarget = await context.target();
  const env = context.io.env;
  const apps = target.local
    ? Object.keys(target.local.secrets)
    : Object.keys(target.stack?.outputs ?? {})
        .filter((k) => k.startsWith('WebhookUrl'))
        .map((k) => k.slice('WebhookUrl'.length));
  const appId = flags.app ?? apps[0] ?? env.SINCH_APP_ID;
  if (!appId) throw usageError('which app? give --app <appId>');
  const table = target.local
    ? target.local.suppressionTable
    : (target.stack?.outputs.SuppressionTableName ?? env.SUPPRESSION_TABLE);
  if (!table) throw usageError('no suppression table: run npm start, or give --stack or SUPPRESSION_TABLE');
  const endpoint = target.local?.endpoints.dynamodb;
  const client = new DynamoDBClient({
    ...(target.awsRegion ? { region: target.awsRegion } : {}),
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  const origin = target.local
    ? { region: target.local.sinchRegion, projectId: target.local.projectId }
    : target.stack
      ? originOfStack(target.stack.outputs)
      : env.SINCH_REGION && env.SINCH_PROJECT_ID
        ? { region: env.SINCH_REGION, projectId: env.SINCH_PROJECT_ID }
        : undefined;
  return {
    list: createSuppressionList({ tableName: table, client }),
    client,
    appId,
    routerQueueUrl:
      target.local?.queueUrls.router ?? target.stack?.outputs.RouterQueueUrl ?? env.ROUTER_QUEUE_URL,
    origin,
  };
}

/** One operator change: the write, then its event through the router queue. */
async function change(
  context: CliContext,
  where: Where,
  given: Recipient,
  kind: 'added' | 'removed',
): Promise<boolean> {
  const target = await context.target();
  // As Sinch's callbacks spell it (no +): the event's group is then the conversation's.
  const recipient = { ...given, identity: normalizeIdentity(given.identity) };
  const causeId = `operator-${randomUUID()}`;
  const at = new Date().toISOString();
  const result = await where.list.apply({ ...recipient, change: kind, source: 'operator', causeId, at });
  if (result.kind === 'unchanged') return false;
  if (where.routerQueueUrl && where.origin) {
    const event = toSuppressionEvent(where.origin, kind, { ...recipient, source: 'operator' }, causeId, at);
    await target.sqs.send(
      new SendMessageCommand({
        QueueUrl: where.routerQueueUrl,
        MessageBody: toSqsMessageBody(event),
        MessageGroupId: messageGroupIdOf(recipient.appId, recipient.channel, recipient.identity),
        MessageDeduplicationId: event.id,
        MessageAttributes: {
          type: { DataType: 'String', StringValue: event.type },
          appId: { DataType: 'String', StringValue: recipient.appId },
          channel: { DataType: 'String', StringValue: recipient.channel },
        },
      }),
    );
  } else {
    context.io.stderr('note: no router queue known (ROUTER_QUEUE_URL): the change publishes no event\n');
  }
  return true;
}

/**
 * Runs one `suppressions` subcommand.
 *
 * @example
 * await suppressionsCommand(context, 'add', ['SMS:+46700000001'], { app: '01E...' });
 */
export async function suppressionsCommand(
  context: CliContext,
  action: 'list' | 'check' | 'add' | 'remove' | 'import',
  args: string[],
  flags: SuppressionFlags,
): Promise<void> {
  const where = await whereOf(context, flags);
  const out = context.io.stdout;
  try {
    switch (action) {
      case 'list': {
        let count = 0;
        for await (const entry of where.list.list(where.appId, flags.channel?.toUpperCase())) {
          count++;
          await out(
            flags.json
              ? `${JSON.stringify(entry)}\n`
              : `${entry.channel}:${entry.identity}  ${entry.source}${entry.keyword ? ` (${entry.keyword})` : ''}  since ${entry.changedAt}\n`,
          );
        }
        if (!flags.json) context.io.stderr(`${count} suppressed recipient(s) of app ${where.appId}\n`);
        return;
      }
      case 'check': {
        const recipient = { appId: where.appId, ...parseRecipientArgument(args[0] ?? '') };
        const entry = await where.list.read(recipient);
        const suppressed = entry?.suppressed === true;
        await out(
          flags.json
            ? `${JSON.stringify({ ...recipient, identity: normalizeIdentity(recipient.identity), suppressed, ...(entry ? { source: entry.source, changedAt: entry.changedAt, ...(entry.keyword ? { keyword: entry.keyword } : {}) } : {}) })}\n`
            : `${recipient.channel}:${normalizeIdentity(recipient.identity)}  ${suppressed ? context.paint('red', 'suppressed') : 'not suppressed'}${entry ? `  (${entry.source}${entry.keyword ? ` ${entry.keyword}` : ''}, ${entry.changedAt})` : ''}\n`,
        );
        return;
      }
      case 'add':
      case 'remove': {
        const recipient = { appId: where.appId, ...parseRecipientArgument(args[0] ?? '') };
        const kind = action === 'add' ? 'added' : 'removed';
        const changed = await change(context, where, recipient, kind);
        const name = `${recipient.channel}:${normalizeIdentity(recipient.identity)}`;
        await out(
          changed
            ? `${kind}: ${name}\n`
            : `unchanged: ${name} was ${kind === 'added' ? 'already' : 'not'} suppressed\n`,
        );
        return;
      }
      case 'import': {
        const file = args[0];
        if (!file) throw usageError('give the CSV file: suppressions import <file.csv>');
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          throw new CliError('usage', `cannot read ${file}`);
        }
        const rows = parseSuppressionCsv(text);
        let added = 0;
        let unchanged = 0;
        for (const row of rows.recipients) {
          const appId = row.appId ?? where.appId;
          if (await change(context, where, { ...row, appId }, 'added')) added++;
          else unchanged++;
        }
        for (const problem of rows.problems) context.io.stderr(`${file}: ${problem}\n`);
        await out(
          `imported ${file}: ${added} added, ${unchanged} already suppressed, ${rows.problems.length} line(s) refused\n`,
        );
        if (rows.problems.length > 0) throw new CliError('failed', `${rows.problems.length} line(s) refused`);
        return;
      }
    }
  } finally {
    where.client.destroy();
  }
}

/**
 * Reads a suppression CSV: one recipient per line, `channel,identity` or `channel,identity,appId`
 * (a header line naming `channel` is skipped; quotes around fields are removed; blank lines and
 * lines starting with `#` are ignored). Hand-written: three unquoted columns need no CSV library.
 *
 * @example
 * parseSuppressionCsv('channel,identity\nSMS,+46700000001\n').recipients; // [{ channel: 'SMS', identity: '+46700000001' }]
 */
export function parseSuppressionCsv(text: string): {
  recipients: Array<{ channel: string; identity: string; appId?: string }>;
  problems: string[];
} {
  const recipients: Array<{ channel: string; identity: string; appId?: string }> = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const fields = trimmed.split(',').map((f) =>
      f
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .trim(),
    );
    if (index === 0 && fields[0]?.toLowerCase() === 'channel') return;
    const [channel, identity, appId] = fields;
    if (!channel || !identity || fields.length > 3 || !/^[A-Za-z][A-Za-z0-9_]*$/.test(channel)) {
      problems.push(`line ${index + 1}: expected channel,identity[,appId]`);
      return;
    }
    recipients.push({ channel: channel.toUpperCase(), identity, ...(appId ? { appId } : {}) });
  });
  return { recipients, problems };
}

/**
 * `sinch-bridge status <id>`: reads the command record (one GetItem, consistent) and prints its
 * timeline. Reading the record takes nothing from the events queue's consumers.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createCommandStatusStore,
  type StatusRecord,
  statusRecordKey,
} from '../functions/lifecycle/command-status-store';
import type { CliContext } from './cli-context';
import { CliError } from './cli-error';
import { commandTableOf } from './command-status';

export interface StatusFlags {
  app?: string;
  json?: boolean;
}

/** One line of the timeline. */
export interface TimelineEntry {
  status: string;
  at: string;
  channel?: string | undefined;
  messageId?: string | undefined;
  reason?: Record<string, string> | undefined;
}

/**
 * The timeline of a record, oldest first: claimed, accepted, each delivery report, unconfirmed.
 *
 * @example
 * timelineOf(record).map((e) => e.status); // ['sending', 'accepted', 'delivered', 'read']
 */
export function timelineOf(record: StatusRecord & { acceptedAt?: string }): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  if (record.createdAt) entries.push({ status: 'sending', at: record.createdAt });
  if (record.acceptedAt) {
    entries.push({
      status: 'accepted',
      at: record.acceptedAt,
      ...(record.messageId ? { messageId: record.messageId } : {}),
    });
  }
  for (const h of record.history ?? []) {
    entries.push({
      status: h.status,
      at: h.at,
      ...(h.channel ? { channel: h.channel } : {}),
      ...(h.reason ? { reason: h.reason as Record<string, string> } : {}),
    });
  }
  if (record.unconfirmedAt) entries.push({ status: 'unconfirmed', at: record.unconfirmedAt });
  return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

export async function statusCommand(context: CliContext, id: string, flags: StatusFlags): Promise<void> {
  const target = await context.target();
  const apps = target.local
    ? Object.keys(target.local.secrets)
    : Object.keys(target.stack?.outputs ?? {})
        .filter((k) => k.startsWith('WebhookUrl'))
        .map((k) => k.slice('WebhookUrl'.length));
  const appId = flags.app ?? apps[0];
  if (!appId) throw new CliError('usage', 'which app? give --app <appId>');
  const where = commandTableOf(target, process.env);
  if (!where)
    throw new CliError('usage', 'no command table: run npm start, or give --stack or IDEMPOTENCY_TABLE');
  const client = new DynamoDBClient({
    ...(target.awsRegion ? { region: target.awsRegion } : {}),
    ...(where.endpoint
      ? { endpoint: where.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  try {
    const record = await createCommandStatusStore({ tableName: where.table, client }).read(
      statusRecordKey(appId, id),
    );
    if (!record)
      throw new CliError(
        'failed',
        `no command ${id} of app ${appId} (not taken by the send function, or expired)`,
      );
    const timeline = timelineOf(record);
    if (flags.json) {
      await context.io.stdout(
        `${JSON.stringify({
          id,
          appId,
          status: record.status,
          ...(record.messageId ? { messageId: record.messageId } : {}),
          ...(record.unconfirmedAt ? { unconfirmedAt: record.unconfirmedAt } : {}),
          ...(record.lastError ? { lastError: record.lastError } : {}),
          timeline,
        })}\n`,
      );
      return;
    }
    await context.io.stdout(
      `${id}  ${context.paint('bold', record.status)}${record.messageId ? `  message ${record.messageId}` : ''}\n`,
    );
    for (const entry of timeline) {
      const reason = entry.reason ? `  ${Object.values(entry.reason).join(' / ')}` : '';
      await context.io.stdout(
        `  ${entry.at}  ${entry.status}${entry.channel ? ` (${entry.channel})` : ''}${reason}\n`,
      );
    }
  } finally {
    client.destroy();
  }
}

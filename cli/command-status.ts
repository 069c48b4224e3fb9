/**
 * The status of one outbound command, read from the send function's command record (one item per
 * command in the idempotency table; lifecycle adds delivery statuses to the same item). Reading it
 * is a plain GetItem: unlike reading the events queue, it takes nothing away from consumers and
 * costs no receive.
 */
import { commandRecordKey } from '../functions/send/command-record';
import type { BridgeTarget } from './target';

/** What `send --wait` and `dlq inspect` need of a command record. */
export interface CommandStatus {
  status: string;
  attempts?: number | undefined;
  messageId?: string | undefined;
  lastError?: string | undefined;
  updatedAt?: string | undefined;
  createdAt?: string | undefined;
}

/** Statuses after which nothing changes for the send function (`read` and `failed` end delivery). */
export const OUTCOME_STATUSES = new Set([
  'accepted',
  'rejected',
  'exhausted',
  'suppressed',
  'queued_on_channel',
  'delivered',
  'read',
  'failed',
]);
export const FAILED_STATUSES = new Set(['rejected', 'exhausted', 'suppressed', 'failed']);

/** Where the records are: table and endpoint; undefined when the target does not say. */
export function commandTableOf(
  target: BridgeTarget,
  env: NodeJS.ProcessEnv,
): { table: string; endpoint?: string | undefined } | undefined {
  if (target.local) {
    return target.local.idempotencyTable
      ? { table: target.local.idempotencyTable, endpoint: target.local.endpoints.dynamodb }
      : undefined;
  }
  const table = target.stack?.outputs.IdempotencyTableName ?? env.IDEMPOTENCY_TABLE;
  return table ? { table } : undefined;
}

/**
 * Reads a command's record; `undefined` when the send function has not taken the command (yet).
 *
 * @example
 * const status = await readCommandStatus(target, process.env, '01HAPP...', 'order-42');
 */
export async function readCommandStatus(
  target: BridgeTarget,
  env: NodeJS.ProcessEnv,
  appId: string,
  commandId: string,
): Promise<CommandStatus | undefined> {
  const where = commandTableOf(target, env);
  if (!where) return undefined;
  const { DynamoDBClient, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({
    ...(target.awsRegion ? { region: target.awsRegion } : {}),
    ...(where.endpoint
      ? { endpoint: where.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  try {
    const out = await client.send(
      new GetItemCommand({
        TableName: where.table,
        Key: { id: { S: commandRecordKey(appId, commandId) } },
        ConsistentRead: true,
      }),
    );
    const item = out.Item;
    if (!item?.status?.S) return undefined;
    return {
      status: item.status.S,
      attempts: item.attempts?.N ? Number(item.attempts.N) : undefined,
      messageId: item.messageId?.S,
      lastError: item.lastError?.S,
      updatedAt: item.updatedAt?.S,
      createdAt: item.createdAt?.S,
    };
  } finally {
    client.destroy();
  }
}

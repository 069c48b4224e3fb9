/**
 * The lifecycle's reads and writes on the command record (one DynamoDB item per command in the
 * idempotency table, key `command#<appId>#<commandId>`, claimed and completed by the send
 * function; see `functions/send/command-record.ts`). The lifecycle adds, all top level:
 *
 * | attribute | type | meaning |
 * |---|---|---|
 * | `status` | S | moved forward to `queued_on_channel`, `delivered`, `read` or `failed`, only from `accepted` or a lower lifecycle status |
 * | `statusChangedAt` | S | when the current status was reached (the report's event time) |
 * | `history` | L | one map per change, in order: `status`, `at`, `eventId`, `channel?`, `reason?` (and `switching_channel` notes) |
 * | `eventIds` | SS | ids of the events already applied: a replayed event derives the same status again, a duplicate changes nothing |
 * | `sweepBucket` / `dueAtEpoch` | S / N | present only while the command waits for a confirmation: key of the sparse `sweep` index |
 * | `unconfirmedAt` | S | when `outbound.unconfirmed` was published (once) |
 *
 * Every write is one conditional `UpdateItem`; nothing is read before a write except to explain
 * a refused one.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryStatus } from '../events/lifecycle-events';
import { confirms, predecessorsOf, UNCONFIRMED_STATUSES } from './delivery-status';

/** Name of the sparse index on `messageId` (reports without a correlation id). */
export const MESSAGE_ID_INDEX = 'messageId';
/** Name of the sparse index on `sweepBucket` + `dueAtEpoch` (the unconfirmed sweep). */
export const SWEEP_INDEX = 'sweep';

/** A secondary index of the command table, for the stack (CDK) and the local table alike. */
export interface CommandTableIndex {
  indexName: string;
  partitionKey: { name: string; type: 'S' | 'N' };
  sortKey?: { name: string; type: 'S' | 'N' };
  /** What the index copies: only keys (both lifecycle indexes are read for the record key only). */
  projection: 'KEYS_ONLY';
}

/**
 * The lifecycle's sparse indexes on the command table: only records that have the key attributes
 * are in them (accepted commands for `messageId`, watched ones for `sweep`), so neither costs a
 * write for the others. Both project keys only: their readers need the record key, and a
 * keys-only index costs no write when other attributes of the record change (each delivery
 * report would otherwise be written twice more).
 */
export const COMMAND_TABLE_INDEXES: readonly CommandTableIndex[] = [
  { indexName: MESSAGE_ID_INDEX, partitionKey: { name: 'messageId', type: 'S' }, projection: 'KEYS_ONLY' },
  {
    indexName: SWEEP_INDEX,
    partitionKey: { name: 'sweepBucket', type: 'S' },
    sortKey: { name: 'dueAtEpoch', type: 'N' },
    projection: 'KEYS_ONLY',
  },
];

/**
 * The key of a command's record; the same as the send function's.
 *
 * @example
 * statusRecordKey('01EAPP', 'order-42'); // 'command#01EAPP#order-42'
 */
export function statusRecordKey(appId: string, commandId: string): string {
  return `command#${appId}#${commandId}`;
}

export interface HistoryEntry {
  status: string;
  at: string;
  eventId: string;
  channel?: string;
  reason?: { code?: string; description?: string; subCode?: string };
}

/** The record as the lifecycle reads it (the send function's attributes are kept as they are). */
export interface StatusRecord {
  id: string;
  appId: string;
  commandId: string;
  status: string;
  messageId?: string;
  channel?: string;
  identity?: string;
  acceptedAt?: string;
  createdAt?: string;
  statusChangedAt?: string;
  history?: HistoryEntry[];
  eventIds?: Set<string>;
  sweepBucket?: string;
  dueAtEpoch?: number;
  unconfirmedAt?: string;
  attempts?: number;
  lastError?: string;
}

/** A delivery report as the lifecycle applies it. */
export interface StatusChange {
  /** The event that carries it: applied once, derived the same on every replay. */
  eventId: string;
  status: Exclude<DeliveryStatus, 'accepted'>;
  at: string;
  messageId?: string | undefined;
  channel?: string | undefined;
  reason?: HistoryEntry['reason'] | undefined;
}

export type ApplyResult =
  /** The status moved (now, or by this same event before: `replayed`). */
  | { kind: 'changed'; record: StatusRecord; previousStatus: DeliveryStatus; replayed: boolean }
  /** A duplicate or out-of-order report: nothing changed. */
  | { kind: 'unchanged'; current: string }
  /** The command is still being sent (no `accepted` yet): try again later. */
  | { kind: 'pending' }
  /** No record: not a command of this bridge, or expired. */
  | { kind: 'unknown' };

export interface CommandStatusStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
}

/**
 * @example
 * const store = createCommandStatusStore({ tableName: process.env.IDEMPOTENCY_TABLE! });
 * const result = await store.applyChange(statusRecordKey(appId, 'order-42'), { eventId, status: 'delivered', at });
 */
export function createCommandStatusStore(options: CommandStatusStoreOptions) {
  const doc = DynamoDBDocumentClient.from(options.client ?? new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const TableName = options.tableName;

  async function read(id: string): Promise<StatusRecord | undefined> {
    const { Item } = await doc.send(new GetCommand({ TableName, Key: { id }, ConsistentRead: true }));
    return Item as StatusRecord | undefined;
  }

  /** The key of the command Sinch gave `messageId`, through the sparse index. */
  async function keyOfMessage(messageId: string): Promise<string | undefined> {
    const { Items = [] } = await doc.send(
      new QueryCommand({
        TableName,
        IndexName: MESSAGE_ID_INDEX,
        KeyConditionExpression: 'messageId = :m',
        ExpressionAttributeValues: { ':m': messageId },
        Limit: 1,
      }),
    );
    return Items[0]?.id as string | undefined;
  }

  /**
   * Moves the status forward, once per event. A refused write is explained by one consistent
   * read: the same event applied before (`changed`, `replayed`), a command still being sent
   * (`pending`), no such command (`unknown`), or a duplicate/out-of-order report (`unchanged`).
   */
  async function applyChange(id: string, change: StatusChange): Promise<ApplyResult> {
    const predecessors = predecessorsOf(change.status);
    const entry: HistoryEntry = {
      status: change.status,
      at: change.at,
      eventId: change.eventId,
      ...(change.channel ? { channel: change.channel } : {}),
      ...(change.reason ? { reason: change.reason } : {}),
    };
    try {
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName,
          Key: { id },
          UpdateExpression:
            'SET #status = :next, statusChangedAt = :at, ' +
            'history = list_append(if_not_exists(history, :empty), :entry)' +
            (change.messageId ? ', messageId = if_not_exists(messageId, :messageId)' : '') +
            (confirms(change.status) ? ' REMOVE sweepBucket, dueAtEpoch' : '') +
            ' ADD eventIds :eventIds',
          ConditionExpression: `attribute_exists(id) AND #status IN (${predecessors.map((_, i) => `:p${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':next': change.status,
            ':at': change.at,
            ':empty': [],
            ':entry': [entry],
            ':eventIds': new Set([change.eventId]),
            ...(change.messageId ? { ':messageId': change.messageId } : {}),
            ...Object.fromEntries(predecessors.map((p, i) => [`:p${i}`, p])),
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = Attributes as StatusRecord;
      const previousStatus = old.status as DeliveryStatus;
      return {
        kind: 'changed',
        previousStatus,
        replayed: false,
        record: {
          ...old,
          status: change.status,
          statusChangedAt: change.at,
          messageId: old.messageId ?? change.messageId,
        } as StatusRecord,
      };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const current = await read(id);
    if (!current) return { kind: 'unknown' };
    if (current.eventIds?.has(change.eventId)) {
      // Applied by this same event before (a retried router batch): derive the same change again.
      // The previous status is the last status change before this one in the history.
      const changes = (current.history ?? []).filter((h) => h.status !== 'switching_channel');
      const index = changes.findIndex((h) => h.eventId === change.eventId);
      const previousStatus = (index > 0 ? changes[index - 1]!.status : 'accepted') as DeliveryStatus;
      return { kind: 'changed', record: current, previousStatus, replayed: true };
    }
    if (current.status === 'sending') return { kind: 'pending' };
    return { kind: 'unchanged', current: current.status };
  }

  /** Notes a `switching_channel` report in the history (once per event); the status stays. */
  async function noteSwitchingChannel(
    id: string,
    eventId: string,
    at: string,
    channel?: string,
  ): Promise<boolean> {
    try {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { id },
          UpdateExpression:
            'SET history = list_append(if_not_exists(history, :empty), :entry) ADD eventIds :eventIds',
          ConditionExpression: 'attribute_exists(id) AND NOT contains(eventIds, :eventId)',
          ExpressionAttributeValues: {
            ':empty': [],
            ':entry': [{ status: 'switching_channel', at, eventId, ...(channel ? { channel } : {}) }],
            ':eventIds': new Set([eventId]),
            ':eventId': eventId,
          },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }

  /**
   * Starts the unconfirmed watch of an accepted command: puts it into the sparse sweep index,
   * unless a confirming report came first or it is watched already.
   */
  async function watch(id: string, sweepBucket: string, dueAtEpoch: number): Promise<boolean> {
    try {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { id },
          UpdateExpression: 'SET sweepBucket = :bucket, dueAtEpoch = :due',
          ConditionExpression:
            'attribute_exists(id) AND #status IN (:s0, :s1) AND attribute_not_exists(sweepBucket) AND attribute_not_exists(unconfirmedAt)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':bucket': sweepBucket,
            ':due': dueAtEpoch,
            ':s0': UNCONFIRMED_STATUSES[0],
            ':s1': UNCONFIRMED_STATUSES[1],
          },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }

  /** Keys of the commands of one sweep partition due by `nowEpoch` (one page at a time; the index holds keys only). */
  async function* due(sweepBucket: string, nowEpoch: number): AsyncGenerator<{ id: string }> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName,
          IndexName: SWEEP_INDEX,
          KeyConditionExpression: 'sweepBucket = :b AND dueAtEpoch <= :now',
          ExpressionAttributeValues: { ':b': sweepBucket, ':now': nowEpoch },
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) yield { id: item.id as string };
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  /**
   * First half of publishing `outbound.unconfirmed`: marks the command (keeping the mark of an
   * earlier, interrupted sweep) while it is still unconfirmed. Answers the record, or undefined
   * when a confirmation came meanwhile.
   */
  async function markUnconfirmed(id: string, at: string): Promise<StatusRecord | undefined> {
    try {
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName,
          Key: { id },
          UpdateExpression: 'SET unconfirmedAt = if_not_exists(unconfirmedAt, :at)',
          ConditionExpression: 'attribute_exists(sweepBucket) AND #status IN (:s0, :s1)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': at,
            ':s0': UNCONFIRMED_STATUSES[0],
            ':s1': UNCONFIRMED_STATUSES[1],
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes as StatusRecord;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return undefined;
    }
  }

  /** Second half, after the event is published: takes the command out of the sweep index. */
  async function unwatch(id: string): Promise<void> {
    try {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { id },
          UpdateExpression: 'REMOVE sweepBucket, dueAtEpoch',
          ConditionExpression: 'attribute_exists(unconfirmedAt) OR NOT #status IN (:s0, :s1)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':s0': UNCONFIRMED_STATUSES[0], ':s1': UNCONFIRMED_STATUSES[1] },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  return { read, keyOfMessage, applyChange, noteSwitchingChannel, watch, due, markUnconfirmed, unwatch };
}

export type CommandStatusStore = ReturnType<typeof createCommandStatusStore>;

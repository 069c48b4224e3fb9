/**
 * The suppression list: one DynamoDB item per app, channel and identity that ever opted out, in
 * its own table (`SUPPRESSION_TABLE`, partition key `id`). The item stays when the person opts
 * back in (`suppressed` false): it is the consent trail (who, when, why), and it lets a retried
 * change recognise itself (`causeId`), so a retried router batch derives the same event again
 * instead of nothing.
 *
 * | attribute | type | meaning |
 * |---|---|---|
 * | `id` | S | `suppression#<appId>:<channel>:<identity>` ({@link suppressionKey}) |
 * | `appId`, `channel`, `identity` | S | the recipient (identity normalized: {@link normalizeIdentity}) |
 * | `suppressed` | BOOL | true while the recipient must not be sent to |
 * | `source` | S | what made the last change: `keyword`, `callback` or `operator` |
 * | `keyword` | S | the keyword (case-folded), for source `keyword` |
 * | `causeId` | S | id of the event (or operator request) that made the last change |
 * | `changedAt` | S | when (the event's time) |
 * | `listedApp` / `recipient` | S / S | only while suppressed: keys of the sparse `byApp` index (`list`) |
 *
 * Every change is one conditional `UpdateItem`. The send path's check is one consistent read per
 * recipient identity, made when the check is asked; the checks asked in the same turn of the event
 * loop (the first records of a batch's FIFO groups all start together) share `BatchGetItem` calls.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import DataLoader from 'dataloader';
import { createDirectDynamoDb } from '../aws/direct-dynamodb';

/** Name of the sparse index of suppressed recipients per app. */
export const SUPPRESSION_BY_APP_INDEX = 'byApp';

/** The suppression table's secondary index, for the stack (CDK) and the local table alike. */
export const SUPPRESSION_TABLE_INDEXES = [
  {
    indexName: SUPPRESSION_BY_APP_INDEX,
    partitionKey: { name: 'listedApp', type: 'S' as const },
    sortKey: { name: 'recipient', type: 'S' as const },
    // `list` prints source, keyword and time: the items are small, project them all.
    projection: 'ALL' as const,
  },
];

export type SuppressionSource = 'keyword' | 'callback' | 'operator';

/** One recipient: the suppression list's unit (an opt-out is per app, channel and identity). */
export interface Recipient {
  appId: string;
  channel: string;
  identity: string;
}

export interface SuppressionEntry extends Recipient {
  suppressed: boolean;
  source: SuppressionSource;
  keyword?: string;
  causeId: string;
  changedAt: string;
}

/** A change to apply: add (opt-out) or remove (opt-in), and what caused it. */
export interface SuppressionChange extends Recipient {
  change: 'added' | 'removed';
  source: SuppressionSource;
  keyword?: string | undefined;
  /** The event id (or operator request id) that causes it: the same cause is applied once. */
  causeId: string;
  at: string;
}

/**
 * `changed`: the list changed now, or this same cause changed it before (`replayed`: a retry);
 * `unchanged`: it already was so (already suppressed, or not suppressed).
 */
export type SuppressionResult = { kind: 'changed'; replayed: boolean } | { kind: 'unchanged' };

/**
 * The key of a recipient's item.
 *
 * @example
 * suppressionKey({ appId: '01E', channel: 'SMS', identity: '46700000001' }); // 'suppression#01E:SMS:46700000001'
 */
export function suppressionKey(r: Recipient): string {
  return `suppression#${r.appId}:${r.channel}:${normalizeIdentity(r.identity)}`;
}

/**
 * The identity as the list keys it: a phone number without its `+`, spaces, dashes or brackets
 * (Sinch's callbacks write `46700000001`, commands often `+46 70 000 00 01`); anything else
 * (a Messenger or Telegram id) as it is.
 *
 * @example
 * normalizeIdentity('+46 (70) 000-00-01'); // '46700000001'
 * normalizeIdentity('PSID-123'); // 'PSID-123'
 */
export function normalizeIdentity(identity: string): string {
  const trimmed = identity.trim();
  return /^\+?[\d\s\-()]+$/.test(trimmed) ? trimmed.replace(/\D/g, '') : trimmed;
}

export interface SuppressionListOptions {
  tableName: string;
  client?: DynamoDBClient;
}

/** DynamoDB's limit of keys in one `BatchGetItem`. */
const MAX_KEYS_PER_BATCH_GET = 100;

/** Calls of one coalesced check for keys DynamoDB left unprocessed (throttled) before it gives up. */
const BATCH_GET_ROUNDS = 5;

/** DynamoDB kept answering some keys of a check as unprocessed: the list could not be read. */
export class SuppressionReadIncomplete extends Error {
  override readonly name = 'SuppressionReadIncomplete';
}

/**
 * @example
 * const list = createSuppressionList({ tableName: process.env.SUPPRESSION_TABLE! });
 * await list.apply({ appId, channel: 'SMS', identity, change: 'added', source: 'keyword', keyword: 'stop', causeId: event.id, at: event.time });
 * await list.isSuppressed({ appId, channel: 'SMS', identity }); // true
 */
export function createSuppressionList(options: SuppressionListOptions) {
  const client = options.client ?? new DynamoDBClient({});
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  // The send path's check goes without the SDK's middleware stack (direct-dynamodb.ts: same
  // endpoint, signature, retries and exceptions), which cost about 0.4 ms of CPU per call.
  // Changes, reads and listings are rare (router, CLI) and keep the document client.
  const direct = createDirectDynamoDb(client);
  const TableName = options.tableName;

  async function read(r: Recipient): Promise<SuppressionEntry | undefined> {
    const { Item } = await doc.send(
      new GetCommand({ TableName, Key: { id: suppressionKey(r) }, ConsistentRead: true }),
    );
    return Item as SuppressionEntry | undefined;
  }

  // Why DataLoader: it is the well-kept form of "collect the loads asked together, make one call,
  // answer each caller". `cache: false`, because every check must be a fresh consistent read (an
  // opt-out written a moment ago must be seen); setImmediate, so the checks asked from several
  // answers handled in the same event-loop turn (groups whose Sinch calls returned together) go
  // in one call too, as the batching publisher of the outcome events does.
  const checks = new DataLoader<string, boolean>(
    async (ids) => {
      const found = await readSuppressedFlags([...new Set(ids)]);
      return ids.map((id) => found.get(id) === true);
    },
    {
      cache: false,
      maxBatchSize: MAX_KEYS_PER_BATCH_GET,
      batchScheduleFn: (run) => setImmediate(run),
    },
  );

  /** `suppressed` of each key that has an item, by consistent `BatchGetItem`s; retries unprocessed keys. */
  async function readSuppressedFlags(ids: string[]): Promise<Map<string, boolean>> {
    const found = new Map<string, boolean>();
    let keys: Record<string, AttributeValue>[] = ids.map((id) => ({ id: { S: id } }));
    for (let round = 1; keys.length > 0; round++) {
      const { Responses, UnprocessedKeys } = await direct.batchGetItem({
        RequestItems: {
          [TableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'id, suppressed' },
        },
      });
      for (const item of Responses?.[TableName] ?? []) {
        if (item.id?.S !== undefined) found.set(item.id.S, item.suppressed?.BOOL === true);
      }
      keys = UnprocessedKeys?.[TableName]?.Keys ?? [];
      if (keys.length === 0) break;
      if (round >= BATCH_GET_ROUNDS) {
        throw new SuppressionReadIncomplete(
          `${keys.length} of ${ids.length} keys still unprocessed after ${round} BatchGetItem calls`,
        );
      }
      // DynamoDB's advice for unprocessed keys: back off exponentially (here with full jitter).
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * 2 ** round));
    }
    return found;
  }

  /** Whether the recipient is on the list now (a consistent read; see `checks` for the batching). */
  function isSuppressed(r: Recipient): Promise<boolean> {
    return checks.load(suppressionKey(r));
  }

  /**
   * Applies one change. Adding needs the recipient not suppressed (or suppressed by this same
   * cause); removing needs it suppressed (or removed by this same cause). One conditional write;
   * `ALL_OLD` tells a first change from a replay.
   */
  async function apply(c: SuppressionChange): Promise<SuppressionResult> {
    const adding = c.change === 'added';
    try {
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName,
          Key: { id: suppressionKey(c) },
          // Every name aliased: `identity`, `source` and others are DynamoDB reserved words.
          UpdateExpression:
            'SET #appId = :appId, #channel = :channel, #identity = :identity, #suppressed = :suppressed, ' +
            '#source = :source, #causeId = :cause, #changedAt = :at' +
            (adding ? ', #listedApp = :appId, #recipient = :recipient' : '') +
            (c.keyword ? ', #keyword = :keyword' : '') +
            (adding
              ? c.keyword
                ? ''
                : ' REMOVE #keyword'
              : ` REMOVE #listedApp, #recipient${c.keyword ? '' : ', #keyword'}`),
          ConditionExpression: adding
            ? 'attribute_not_exists(id) OR #suppressed = :false OR #causeId = :cause'
            : '#suppressed = :true OR #causeId = :cause',
          ExpressionAttributeNames: Object.fromEntries(
            [
              'appId',
              'channel',
              'identity',
              'suppressed',
              'source',
              'causeId',
              'changedAt',
              'listedApp',
              'recipient',
              'keyword',
            ].map((name) => [`#${name}`, name]),
          ),
          ExpressionAttributeValues: {
            ':appId': c.appId,
            ':channel': c.channel,
            ':identity': normalizeIdentity(c.identity),
            ':suppressed': adding,
            ':source': c.source,
            ':cause': c.causeId,
            ':at': c.at,
            ...(adding
              ? { ':recipient': `${c.channel}:${normalizeIdentity(c.identity)}`, ':false': false }
              : { ':true': true }),
            ...(c.keyword ? { ':keyword': c.keyword } : {}),
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return {
        kind: 'changed',
        replayed: (Attributes as SuppressionEntry | undefined)?.causeId === c.causeId,
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { kind: 'unchanged' };
      throw error;
    }
  }

  /** Suppressed recipients of an app, a page at a time, in channel and identity order. */
  async function* list(appId: string, channel?: string): AsyncGenerator<SuppressionEntry> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName,
          IndexName: SUPPRESSION_BY_APP_INDEX,
          KeyConditionExpression: channel
            ? 'listedApp = :app AND begins_with(recipient, :prefix)'
            : 'listedApp = :app',
          ExpressionAttributeValues: { ':app': appId, ...(channel ? { ':prefix': `${channel}:` } : {}) },
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) yield item as SuppressionEntry;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  return { read, isSuppressed, apply, list };
}

export type SuppressionList = ReturnType<typeof createSuppressionList>;

/**
 * The command record: one DynamoDB item per outbound command in the idempotency table
 * (partition key `id`, string), written once before the Sinch call (the claim) and once after it
 * (accepted, with Sinch's `message_id`). It is what makes a command id send at most once, counts
 * the real Sinch calls per command (`MAX_ATTEMPTS`), and is the first status of the message
 * lifecycle, which extends the same item with delivery statuses.
 *
 * Why not Powertools idempotency (which this replaces): it deletes its record when the call
 * throws, so it cannot count attempts across receives; it cannot carry a lifecycle status beside
 * its own; and a function that throws after Sinch answered 2xx (an odd body) loses the record
 * and sends again. One conditional write before and one after is all this needs.
 *
 * The item (all attributes plain, top level):
 *
 * | attribute | type | meaning |
 * |---|---|---|
 * | `id` | S | `command#<appId>#<commandId>` ({@link commandRecordKey}) |
 * | `appId`, `commandId` | S | the command's app and `id` (Sinch `correlation_id`) |
 * | `payloadHash` | S | hex SHA-256 of the command in canonical JSON: a reused id with other content is refused |
 * | `status` | S | `sending` (claimed, not yet accepted), `accepted`, `rejected`, `exhausted`, `suppressed` (refused: the recipient opted out; never sent); lifecycle adds `queued_on_channel`, `delivered`, `read`, `failed` |
 * | `attempts` | N | Sinch calls made for this command in the current round (a DLQ redrive starts a new round) |
 * | `leaseUntil` | N | epoch ms until which the current claim holds; 0 once released |
 * | `messageId` | S | Sinch `message_id`, once accepted (absent when Sinch answered 2xx without one) |
 * | `channel`, `identity` | S | the first recipient identity, when the command names one |
 * | `createdAt` / `createdAtEpoch` | S / N | first claim (ISO 8601 / epoch seconds) |
 * | `updatedAt` / `updatedAtEpoch` | S / N | last write by the send function |
 * | `acceptedAt` / `acceptedAtEpoch` | S / N | when Sinch accepted (its `accepted_time`, else ours) |
 * | `lastError` | S | short reason of the last failed attempt (`http_503`, `timeout`, ...), never message content |
 * | `ttl` | N | epoch seconds when DynamoDB may delete the item (the table's TTL attribute) |
 *
 * Statuses `accepted` and everything the lifecycle writes after it are final for the send
 * function: it never sends such a command again and never moves its status back.
 */
import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createDirectDynamoDb } from '../aws/direct-dynamodb';

export const COMMAND_RECORD_PREFIX = 'command';

/** Statuses the send function writes. */
export type SendStatus = 'sending' | 'accepted' | 'rejected' | 'exhausted' | 'suppressed';

/**
 * Statuses from which a new claim may start: a redrive out of the DLQ starts a new round, and a
 * command refused while its recipient was suppressed may be sent again after they opted back in.
 */
const REOPENED: readonly SendStatus[] = ['rejected', 'exhausted', 'suppressed'];

/** The item as stored (lifecycle adds attributes; they are kept, not read here). */
export interface CommandRecord {
  id: string;
  appId: string;
  commandId: string;
  payloadHash: string;
  status: string;
  attempts: number;
  leaseUntil: number;
  messageId?: string;
  channel?: string;
  identity?: string;
  createdAt: string;
  createdAtEpoch: number;
  updatedAt: string;
  updatedAtEpoch: number;
  acceptedAt?: string;
  acceptedAtEpoch?: number;
  lastError?: string;
  ttl: number;
}

/**
 * The partition key of a command's record: scoped by app, so two apps may use the same id.
 *
 * @example
 * commandRecordKey('01EAPP', 'order-42'); // 'command#01EAPP#order-42'
 */
export function commandRecordKey(appId: string, commandId: string): string {
  return `${COMMAND_RECORD_PREFIX}#${appId}#${commandId}`;
}

/**
 * Hex SHA-256 of a value's canonical JSON (object keys sorted), so the same command with its
 * fields in another order is the same payload.
 *
 * @example
 * payloadHashOf({ b: 1, a: 2 }) === payloadHashOf({ a: 2, b: 1 }); // true
 */
export function payloadHashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface ClaimInput {
  appId: string;
  commandId: string;
  payloadHash: string;
  /** Epoch ms until which this claim holds (the invocation's deadline). */
  leaseUntil: number;
  /** `MAX_ATTEMPTS`: a claim that would be call number `maxAttempts + 1` is refused. */
  maxAttempts: number;
  channel?: string | undefined;
  identity?: string | undefined;
}

/** What a claim found. Only `claimed` may call Sinch. */
export type ClaimResult =
  /** This invocation may call Sinch; `attempt` is the call's number (1 = first). */
  | { kind: 'claimed'; attempt: number }
  /** Sent before: do not call again. */
  | { kind: 'accepted'; messageId?: string | undefined; acceptedTime: string }
  /** The id was used before for another payload. */
  | { kind: 'conflict' }
  /** Another invocation holds a live claim. */
  | { kind: 'in_progress'; leaseUntil: number }
  /** `maxAttempts` calls were made already (the last one's invocation died before giving up). */
  | { kind: 'exhausted'; attempts: number; lastError?: string | undefined };

export interface CommandRecordStoreOptions {
  tableName: string;
  /** How long a record lives after its last write by the send function. */
  ttlSeconds: number;
  /** Default: a client with default configuration (`AWS_ENDPOINT_URL_DYNAMODB` etc.). */
  client?: DynamoDBClient;
  now?: () => number;
}

/**
 * Reads and writes command records.
 *
 * @example
 * const records = createCommandRecordStore({ tableName: 'idempotency', ttlSeconds: 14 * 86400 });
 * const claim = await records.claim({ appId, commandId, payloadHash, leaseUntil, maxAttempts: 5 });
 * if (claim.kind === 'claimed') {
 *   const answer = await sinch.sendMessage(request);
 *   await records.complete(appId, commandId, { messageId: answer?.message_id, acceptedTime });
 * }
 */
export function createCommandRecordStore(options: CommandRecordStoreOptions) {
  // The client's own parts without its middleware stack (direct-dynamodb.ts: same endpoint,
  // signature, retries and exceptions), with util-dynamodb's marshalling: the stack cost about
  // 0.4 ms of CPU per call, and a command makes two or three (docs/benchmarks.md, "Reading them").
  const ddb = createDirectDynamoDb(options.client ?? new DynamoDBClient({}));
  const update = (
    input: Omit<UpdateItemCommandInput, 'Key' | 'ExpressionAttributeValues'> & {
      Key: { id: string };
      ExpressionAttributeValues: Record<string, string | number>;
    },
  ) =>
    ddb.updateItem({
      ...input,
      Key: marshall(input.Key),
      ExpressionAttributeValues: marshall(input.ExpressionAttributeValues, { removeUndefinedValues: true }),
    });
  const now = options.now ?? Date.now;
  const TableName = options.tableName;
  const stamps = () => {
    const at = now();
    return {
      iso: new Date(at).toISOString(),
      epoch: Math.floor(at / 1000),
      ttl: Math.floor(at / 1000) + options.ttlSeconds,
    };
  };

  /**
   * The fields a claim and a suppression both write when they create or take over a record:
   * who the command is, its payload hash, when (created once, updated each time), the TTL and
   * the recipient. Their `SET` clause, names and values, to go beside each write's own.
   */
  function recordFields(
    input: Omit<ClaimInput, 'leaseUntil' | 'maxAttempts'>,
    at: ReturnType<typeof stamps>,
  ) {
    return {
      set:
        'appId = :appId, commandId = :commandId, payloadHash = :hash, ' +
        'createdAt = if_not_exists(createdAt, :iso), createdAtEpoch = if_not_exists(createdAtEpoch, :epoch), ' +
        'updatedAt = :iso, updatedAtEpoch = :epoch, #ttl = :ttl' +
        (input.channel ? ', channel = :channel' : '') +
        (input.identity ? ', #identity = :identity' : ''),
      names: { '#status': 'status', '#ttl': 'ttl', ...(input.identity ? { '#identity': 'identity' } : {}) },
      values: {
        ':appId': input.appId,
        ':commandId': input.commandId,
        ':hash': input.payloadHash,
        ':iso': at.iso,
        ':epoch': at.epoch,
        ':ttl': at.ttl,
        ...(input.channel ? { ':channel': input.channel } : {}),
        ...(input.identity ? { ':identity': input.identity } : {}),
      },
    };
  }

  async function read(id: string): Promise<CommandRecord | undefined> {
    const { Item } = await ddb.getItem({ TableName, Key: marshall({ id }), ConsistentRead: true });
    return Item ? (unmarshall(Item) as CommandRecord) : undefined;
  }

  /**
   * The one conditional write before a Sinch call: creates the record, or takes it over when
   * its claim was released or expired and it is neither accepted nor out of attempts; raises
   * `attempts` and sets the lease. When refused, one consistent read says why.
   */
  async function claim(input: ClaimInput): Promise<ClaimResult> {
    const id = commandRecordKey(input.appId, input.commandId);
    const at = stamps();
    try {
      const fields = recordFields(input, at);
      const { Attributes } = await update({
        TableName,
        Key: { id },
        UpdateExpression: `SET ${fields.set}, #status = :sending, attempts = if_not_exists(attempts, :zero) + :one, leaseUntil = :lease`,
        ConditionExpression:
          'attribute_not_exists(id) OR (payloadHash = :hash AND #status = :sending AND ' +
          'leaseUntil < :now AND attempts < :max)',
        ExpressionAttributeNames: fields.names,
        ExpressionAttributeValues: {
          ...fields.values,
          ':sending': 'sending',
          ':zero': 0,
          ':one': 1,
          ':lease': input.leaseUntil,
          ':now': now(),
          ':max': input.maxAttempts,
        },
        // The old values, not the new item: a first claim (the usual case) then answers with
        // nothing to carry back, and the call's number is the old count plus one.
        ReturnValues: 'UPDATED_OLD',
      });
      return { kind: 'claimed', attempt: Number(Attributes?.attempts?.N ?? 0) + 1 };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const existing = await read(id);
    if (!existing) return claim(input); // deleted (TTL) between the two calls: try again
    if (existing.payloadHash !== input.payloadHash) return { kind: 'conflict' };
    if (existing.status === 'sending') {
      if (existing.leaseUntil >= now()) return { kind: 'in_progress', leaseUntil: existing.leaseUntil };
      return { kind: 'exhausted', attempts: existing.attempts, lastError: existing.lastError };
    }
    if ((REOPENED as readonly string[]).includes(existing.status)) return reopen(input, existing);
    return {
      kind: 'accepted',
      ...(existing.messageId ? { messageId: existing.messageId } : {}),
      acceptedTime: existing.acceptedAt ?? existing.updatedAt,
    };
  }

  /**
   * Instead of a claim, for a command whose recipient is suppressed: `suppressed`, so `send
   * --wait` and `status` see why it was not sent. Refused (answers false) when the record shows
   * the command was taken before the opt-out (accepted or later, sent right now, or another
   * payload under the same id): the caller then claims as usual, which answers for those.
   */
  async function suppress(input: Omit<ClaimInput, 'leaseUntil' | 'maxAttempts'>): Promise<boolean> {
    const at = stamps();
    try {
      const fields = recordFields(input, at);
      await update({
        TableName,
        Key: { id: commandRecordKey(input.appId, input.commandId) },
        UpdateExpression: `SET ${fields.set}, #status = :suppressed, attempts = if_not_exists(attempts, :zero), leaseUntil = :zero, lastError = :suppressed`,
        ConditionExpression:
          'attribute_not_exists(id) OR (payloadHash = :hash AND (#status IN (:suppressed, :rejected, :exhausted) ' +
          'OR (#status = :sending AND leaseUntil < :now)))',
        ExpressionAttributeNames: fields.names,
        ExpressionAttributeValues: {
          ...fields.values,
          ':suppressed': 'suppressed',
          ':rejected': 'rejected',
          ':exhausted': 'exhausted',
          ':sending': 'sending',
          ':zero': 0,
          ':now': now(),
        },
      });
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }

  /** A command redriven out of the DLQ after `rejected`/`exhausted`: a new round of attempts. */
  async function reopen(input: ClaimInput, existing: CommandRecord): Promise<ClaimResult> {
    const at = stamps();
    try {
      await update({
        TableName,
        Key: { id: existing.id },
        UpdateExpression:
          'SET #status = :sending, attempts = :one, leaseUntil = :lease, updatedAt = :iso, ' +
          'updatedAtEpoch = :epoch, #ttl = :ttl REMOVE lastError',
        ConditionExpression: '#status = :was AND payloadHash = :hash',
        ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':sending': 'sending',
          ':one': 1,
          ':lease': input.leaseUntil,
          ':iso': at.iso,
          ':epoch': at.epoch,
          ':ttl': at.ttl,
          ':was': existing.status,
          ':hash': input.payloadHash,
        },
      });
      return { kind: 'claimed', attempt: 1 };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return claim(input); // someone else moved it meanwhile: look again
    }
  }

  /**
   * The write after Sinch answered 2xx: `accepted` with the message id. Never moves a status
   * back (the lifecycle may have written `delivered` already). Idempotent: safe to retry.
   */
  async function complete(
    appId: string,
    commandId: string,
    accepted: { messageId?: string | undefined; acceptedTime: string },
  ): Promise<void> {
    const at = stamps();
    const acceptedEpoch = Math.floor((Date.parse(accepted.acceptedTime) || now()) / 1000);
    try {
      await update({
        TableName,
        Key: { id: commandRecordKey(appId, commandId) },
        UpdateExpression:
          'SET #status = :accepted, leaseUntil = :zero, acceptedAt = :acceptedAt, ' +
          'acceptedAtEpoch = :acceptedEpoch, updatedAt = :iso, updatedAtEpoch = :epoch, #ttl = :ttl, ' +
          'appId = :appId, commandId = :commandId' +
          (accepted.messageId ? ', messageId = :messageId' : '') +
          ' REMOVE lastError',
        ConditionExpression: 'attribute_not_exists(#status) OR #status IN (:sending, :rejected, :exhausted)',
        ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':accepted': 'accepted',
          ':sending': 'sending',
          ':rejected': 'rejected',
          ':exhausted': 'exhausted',
          ':zero': 0,
          ':acceptedAt': accepted.acceptedTime,
          ':acceptedEpoch': acceptedEpoch,
          ':iso': at.iso,
          ':epoch': at.epoch,
          ':ttl': at.ttl,
          ':appId': appId,
          ':commandId': commandId,
          ...(accepted.messageId ? { ':messageId': accepted.messageId } : {}),
        },
      });
    } catch (error) {
      // Already accepted (or further along in its lifecycle): nothing to do.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * After a retryable failure: frees the claim at once (the next receive may call again) and
   * notes the reason. Best effort for the caller: an unreleased claim expires with its lease.
   * `refund` takes the call back from `attempts` (the project was refused, not the command).
   */
  async function release(
    appId: string,
    commandId: string,
    lastError: string,
    options: { refund?: boolean } = {},
  ): Promise<void> {
    await settle(appId, commandId, 'sending', lastError, options.refund ? 1 : 0);
  }

  /** After the command was dead-lettered: `rejected` or `exhausted`, with the reason. */
  async function giveUp(
    appId: string,
    commandId: string,
    status: 'rejected' | 'exhausted',
    lastError: string,
  ): Promise<void> {
    await settle(appId, commandId, status, lastError, 0);
  }

  async function settle(
    appId: string,
    commandId: string,
    status: SendStatus,
    lastError: string,
    refund: number,
  ) {
    const at = stamps();
    try {
      await update({
        TableName,
        Key: { id: commandRecordKey(appId, commandId) },
        UpdateExpression:
          'SET #status = :status, leaseUntil = :zero, lastError = :lastError, updatedAt = :iso, ' +
          'updatedAtEpoch = :epoch, #ttl = :ttl, attempts = attempts - :refund',
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':status': status,
          ':sending': 'sending',
          ':zero': 0,
          ':lastError': lastError.slice(0, 256),
          ':refund': refund,
          ':iso': at.iso,
          ':epoch': at.epoch,
          ':ttl': at.ttl,
        },
      });
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  return {
    claim,
    suppress,
    complete,
    release,
    giveUp,
    read: (appId: string, commandId: string) => read(commandRecordKey(appId, commandId)),
  };
}

export type CommandRecordStore = ReturnType<typeof createCommandRecordStore>;

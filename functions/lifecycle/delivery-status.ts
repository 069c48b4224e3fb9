/**
 * The lifecycle's rules, free of I/O: which Sinch delivery status means which lifecycle status,
 * and which status may follow which. Statuses never go back; `read` and `failed` are final;
 * `delivered`, `read` and `failed` confirm the delivery (they end the unconfirmed watch; `read`
 * may still follow `delivered`).
 */
import type { DeliveryStatus } from '../events/lifecycle-events';

/** Position in the lifecycle: a change only ever goes to a higher rank. */
export const STATUS_RANK: Readonly<Record<DeliveryStatus, number>> = {
  accepted: 1,
  queued_on_channel: 2,
  delivered: 3,
  read: 4,
  failed: 4,
};

/** Statuses a command is still "open" in for the unconfirmed sweep. */
export const UNCONFIRMED_STATUSES: readonly DeliveryStatus[] = ['accepted', 'queued_on_channel'];

/** What a MESSAGE_DELIVERY status means for the lifecycle. */
export type ReportMeaning =
  | { kind: 'status'; status: Exclude<DeliveryStatus, 'accepted'> }
  /** Sinch tries the next channel of `channel_priority_order`: the command stays open. */
  | { kind: 'switching_channel' }
  | { kind: 'unknown' };

/**
 * @example
 * meaningOfReport('DELIVERED'); // { kind: 'status', status: 'delivered' }
 * meaningOfReport('SWITCHING_CHANNEL'); // { kind: 'switching_channel' }
 */
export function meaningOfReport(sinchStatus: string | undefined): ReportMeaning {
  switch (sinchStatus?.toUpperCase()) {
    case 'QUEUED_ON_CHANNEL':
      return { kind: 'status', status: 'queued_on_channel' };
    case 'DELIVERED':
      return { kind: 'status', status: 'delivered' };
    case 'READ':
      return { kind: 'status', status: 'read' };
    case 'FAILED':
      return { kind: 'status', status: 'failed' };
    case 'SWITCHING_CHANNEL':
      return { kind: 'switching_channel' };
    default:
      return { kind: 'unknown' };
  }
}

/**
 * The statuses a command may be in for `next` to apply: every non-final status of a lower rank.
 *
 * @example
 * predecessorsOf('delivered'); // ['accepted', 'queued_on_channel']
 */
export function predecessorsOf(next: DeliveryStatus): DeliveryStatus[] {
  return (['accepted', 'queued_on_channel', 'delivered'] as const).filter(
    (status) => STATUS_RANK[status] < STATUS_RANK[next],
  );
}

/** True when `status` ends the unconfirmed watch. */
export const confirms = (status: DeliveryStatus): boolean => !UNCONFIRMED_STATUSES.includes(status);

/**
 * The sweep partition of a command that must be confirmed by `dueAtEpoch`: the UTC day it is due,
 * plus a shard from its key, so the sparse index spreads writes over `shards` partitions per day.
 *
 * @example
 * sweepBucketOf('command#01E#order-42', 1767225600, 16); // '2026-01-01#7'
 */
export function sweepBucketOf(recordKey: string, dueAtEpoch: number, shards: number): string {
  return `${sweepDayOf(dueAtEpoch)}#${shardOf(recordKey, shards)}`;
}

/** The UTC day (`YYYY-MM-DD`) of an epoch second. */
export function sweepDayOf(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

/** FNV-1a of the key, modulo `shards`: stable and cheap (no crypto for a partition spread). */
function shardOf(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/**
 * Every sweep partition that can hold commands due at `nowEpoch`, oldest day first: the last
 * `lookbackDays` days and today, each in every shard.
 *
 * @example
 * sweepBucketsUntil(nowEpoch, 2, 16).length; // 48
 */
export function sweepBucketsUntil(nowEpoch: number, lookbackDays: number, shards: number): string[] {
  const buckets: string[] = [];
  for (let day = lookbackDays; day >= 0; day--) {
    const date = sweepDayOf(nowEpoch - day * 86_400);
    for (let shard = 0; shard < shards; shard++) buckets.push(`${date}#${shard}`);
  }
  return buckets;
}

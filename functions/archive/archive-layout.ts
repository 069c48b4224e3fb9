/**
 * Where archived events live in the archive bucket. One layout for the Firehose delivery stream
 * (infra), the local Firehose stand-in, the Glue table, and the readers (replay, erase):
 *
 *     events/app=<appId>/dt=<yyyy-MM-dd>/<stream>-1-<yyyy-MM-dd-HH-mm-ss>-<uuid>.json.gz
 *
 * `app` comes from each record's `appId` (Firehose dynamic partitioning, a JQ query), `dt` is
 * the UTC day Firehose received the record. Records whose partition key cannot be read go to
 * `errors/`.
 */

/** Prefix of every archived event object. */
export const EVENTS_PREFIX = 'events/';

/** Firehose `ErrorOutputPrefix`: records it could not partition or deliver. */
export const ERROR_OUTPUT_PREFIX = 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';

/** Firehose `Prefix`, with dynamic partitioning on the record's `appId`. */
export const FIREHOSE_PREFIX = 'events/app=!{partitionKeyFromQuery:appId}/dt=!{timestamp:yyyy-MM-dd}/';

/** The JQ query Firehose runs on each record to get the partition keys. */
export const PARTITION_QUERY = '{appId: .appId}';

/** The suffix Firehose gives the objects (GZIP compression of JSON Lines). */
export const OBJECT_EXTENSION = '.json.gz';

/**
 * The S3 prefix of one app's archive on one UTC day.
 *
 * @example
 * dayPrefix('01H...', '2026-12-01'); // 'events/app=01H.../dt=2026-12-01/'
 */
export function dayPrefix(appId: string, day: string): string {
  return `${EVENTS_PREFIX}app=${appId}/dt=${day}/`;
}

/**
 * The UTC days (`yyyy-MM-dd`) whose partitions may hold events archived in `[since, until)`.
 * One day of slack on each side: Firehose dates a record by when it received it, which can be a
 * buffer interval (at most 15 minutes) after the router archived it.
 *
 * @example
 * daysCovering(new Date('2026-12-01T10:00Z'), new Date('2026-12-01T11:00Z')); // ['2026-11-30', '2026-12-01', '2026-12-02']
 */
export function daysCovering(since: Date, until: Date): string[] {
  const days: string[] = [];
  const day = 86_400_000;
  const first = Math.floor(since.getTime() / day) - 1;
  const last = Math.floor((until.getTime() - 1) / day) + 1;
  for (let d = first; d <= last; d++) days.push(new Date(d * day).toISOString().slice(0, 10));
  return days;
}

/**
 * Reads `app` and `dt` back from an object key of the layout.
 *
 * @example
 * partitionOfKey('events/app=01H/dt=2026-12-01/x.json.gz'); // { appId: '01H', day: '2026-12-01' }
 */
export function partitionOfKey(key: string): { appId: string; day: string } | undefined {
  const match = /^events\/app=([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key);
  return match ? { appId: match[1]!, day: match[2]! } : undefined;
}

/**
 * The two events the send function publishes on the events queue (docs/events.md):
 * `sinch.bridge.outbound.accepted` and `sinch.bridge.outbound.failed`.
 */
// zod/mini: classic zod's import-time setup would add ~450 KB to the send bundle.
import * as z from 'zod/mini';
import { type CloudEvent, dataSchemaUri, eventSource, stableId, toCloudEvent } from './cloud-event';

export const OUTBOUND_ACCEPTED_TYPE = 'sinch.bridge.outbound.accepted';
export const OUTBOUND_FAILED_TYPE = 'sinch.bridge.outbound.failed';
export const OUTBOUND_ACCEPTED_SCHEMA = { name: 'outbound-accepted', version: 1 } as const;
export const OUTBOUND_FAILED_SCHEMA = { name: 'outbound-failed', version: 1 } as const;

const nonEmpty = () => z.string().check(z.minLength(1));

export const OutboundAcceptedDataSchema = z.object({
  id: nonEmpty().check(z.describe('The command id (correlation_id at Sinch)')),
  appId: nonEmpty(),
  messageId: z.optional(
    nonEmpty().check(
      z.describe(
        "Sinch's message_id; delivery reports carry it. Absent only when Sinch answered 2xx without one",
      ),
    ),
  ),
  acceptedTime: nonEmpty(),
  channel: z.optional(nonEmpty()),
  identity: z.optional(nonEmpty()),
});
export type OutboundAcceptedData = z.infer<typeof OutboundAcceptedDataSchema>;

/**
 * `invalid_command`: never sent; `rejected`: Sinch 4xx; `exhausted`: retries used up;
 * `suppressed`: the recipient opted out (no call to Sinch, not dead-lettered).
 */
export const OutboundFailureKindSchema = z.enum(['invalid_command', 'rejected', 'exhausted', 'suppressed']);
export type OutboundFailureKind = z.infer<typeof OutboundFailureKindSchema>;

export const OutboundFailedDataSchema = z.object({
  id: z.optional(nonEmpty()),
  appId: z.optional(nonEmpty()),
  error: z.object({
    kind: OutboundFailureKindSchema,
    status: z.optional(z.int().check(z.describe('HTTP status of the last Sinch answer, when there was one'))),
    code: z.optional(nonEmpty().check(z.describe("Sinch's error status, e.g. INVALID_ARGUMENT"))),
    message: z.string(),
  }),
  command: z
    .unknown()
    .check(
      z.describe(
        'The command as it was on the queue (parsed JSON, or the raw body); when commandTruncated, the first 4 KiB of the raw body',
      ),
    ),
  commandTruncated: z.optional(
    z
      .boolean()
      .check(
        z.describe(
          'true when the echoed command was cut to fit the events queue: the full one is in the DLQ',
        ),
      ),
  ),
  commandBytes: z.optional(z.int().check(z.describe('Size in bytes of the original command body, when cut'))),
});
export type OutboundFailedData = z.infer<typeof OutboundFailedDataSchema>;

/** Where an outbound event is published from. */
export interface OutboundEventOrigin {
  region: string;
  projectId: string;
}

const subjectOf = (channel?: string, identity?: string) =>
  channel && identity ? `${channel}:${identity}` : undefined;

/**
 * The `outbound.accepted` event. Its id derives from command id and Sinch message id, so a
 * republication after a redelivery is the same event (FIFO dedupe, consumer dedupe).
 *
 * @example
 * toOutboundAcceptedEvent({ region: 'eu', projectId: 'p' }, { id: 'order-42', appId: '01E', messageId, acceptedTime });
 */
export function toOutboundAcceptedEvent(
  origin: OutboundEventOrigin,
  data: OutboundAcceptedData,
): CloudEvent<OutboundAcceptedData> {
  return toCloudEvent({
    id: stableId(OUTBOUND_ACCEPTED_TYPE, data.id, data.messageId ?? ''),
    source: eventSource(origin.region, origin.projectId, data.appId),
    type: OUTBOUND_ACCEPTED_TYPE,
    time: data.acceptedTime,
    subject: subjectOf(data.channel, data.identity),
    dataschema: dataSchemaUri(OUTBOUND_ACCEPTED_SCHEMA.name, OUTBOUND_ACCEPTED_SCHEMA.version),
    data,
  });
}

/**
 * The `outbound.failed` event. `occurrence` names this failure (e.g. the SQS message id), so
 * the same failure reported twice is one event.
 *
 * @example
 * toOutboundFailedEvent({ region: 'eu', projectId: 'p' }, record.messageId, {
 *   id: 'order-42', appId: '01E', error: { kind: 'rejected', status: 400, message: 'bad' }, command,
 * });
 */
export function toOutboundFailedEvent(
  origin: OutboundEventOrigin,
  occurrence: string,
  data: OutboundFailedData,
  time: Date = new Date(),
): CloudEvent<OutboundFailedData> {
  return toCloudEvent({
    id: stableId(OUTBOUND_FAILED_TYPE, occurrence, data.error.kind),
    // A command too broken to name its app is still reported, under the project.
    source: eventSource(origin.region, origin.projectId, data.appId ?? 'unknown'),
    type: OUTBOUND_FAILED_TYPE,
    time: time.toISOString(),
    dataschema: dataSchemaUri(OUTBOUND_FAILED_SCHEMA.name, OUTBOUND_FAILED_SCHEMA.version),
    data,
  });
}

/**
 * The events of the message lifecycle and of the suppression list (published by the event
 * router's lifecycle and suppression steps and by the lifecycle sweep):
 * `sinch.bridge.outbound.status`, `sinch.bridge.outbound.unconfirmed`,
 * `sinch.bridge.suppression.added` and `sinch.bridge.suppression.removed`.
 */
// zod/mini: classic zod's import-time setup would add ~450 KB to the router bundle.
import * as z from 'zod/mini';
import { type CloudEvent, dataSchemaUri, eventSource, stableId, toCloudEvent } from './cloud-event';
import type { OutboundEventOrigin } from './outbound-events';

export const OUTBOUND_STATUS_TYPE = 'sinch.bridge.outbound.status';
export const OUTBOUND_UNCONFIRMED_TYPE = 'sinch.bridge.outbound.unconfirmed';
export const SUPPRESSION_ADDED_TYPE = 'sinch.bridge.suppression.added';
export const SUPPRESSION_REMOVED_TYPE = 'sinch.bridge.suppression.removed';
export const OUTBOUND_STATUS_SCHEMA = { name: 'outbound-status', version: 1 } as const;
export const OUTBOUND_UNCONFIRMED_SCHEMA = { name: 'outbound-unconfirmed', version: 1 } as const;
export const SUPPRESSION_CHANGE_SCHEMA = { name: 'suppression-change', version: 1 } as const;

const nonEmpty = () => z.string().check(z.minLength(1));

/** Lifecycle statuses, in the order they may follow each other (`read` and `failed` are final). */
export const DeliveryStatusSchema = z.enum(['accepted', 'queued_on_channel', 'delivered', 'read', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

export const OutboundStatusDataSchema = z.object({
  id: nonEmpty().check(z.describe('The command id (correlation_id at Sinch)')),
  appId: nonEmpty(),
  messageId: z.optional(nonEmpty()),
  status: DeliveryStatusSchema,
  previousStatus: z.optional(DeliveryStatusSchema),
  channel: z.optional(nonEmpty().check(z.describe('The channel the report came from'))),
  identity: z.optional(nonEmpty()),
  reason: z.optional(
    z.object({
      code: z.optional(nonEmpty()),
      description: z.optional(nonEmpty()),
      subCode: z.optional(nonEmpty()),
    }),
  ),
});
export type OutboundStatusData = z.infer<typeof OutboundStatusDataSchema>;

export const OutboundUnconfirmedDataSchema = z.object({
  id: nonEmpty(),
  appId: nonEmpty(),
  messageId: z.optional(nonEmpty()),
  lastStatus: DeliveryStatusSchema.check(z.describe('accepted or queued_on_channel')),
  since: nonEmpty().check(z.describe('When the command reached lastStatus (RFC 3339)')),
});
export type OutboundUnconfirmedData = z.infer<typeof OutboundUnconfirmedDataSchema>;

export const SuppressionSourceSchema = z.enum(['keyword', 'callback', 'operator']);
export const SuppressionChangeDataSchema = z.object({
  appId: nonEmpty(),
  channel: nonEmpty(),
  identity: nonEmpty(),
  source: SuppressionSourceSchema,
  keyword: z.optional(
    nonEmpty().check(z.describe('The keyword as configured (case-folded), for source keyword')),
  ),
});
export type SuppressionChangeData = z.infer<typeof SuppressionChangeDataSchema>;

/**
 * The `outbound.status` event of one status change. Its id derives from the command and the new
 * status, so the same change derived again (a retried router batch, a duplicate report) is the
 * same event.
 *
 * @example
 * toOutboundStatusEvent(origin, { id: 'order-42', appId, status: 'delivered', previousStatus: 'accepted' }, time);
 */
export function toOutboundStatusEvent(
  origin: OutboundEventOrigin,
  data: OutboundStatusData,
  time: string,
): CloudEvent<OutboundStatusData> {
  return toCloudEvent({
    id: stableId(OUTBOUND_STATUS_TYPE, data.appId, data.id, data.status),
    source: eventSource(origin.region, origin.projectId, data.appId),
    type: OUTBOUND_STATUS_TYPE,
    time,
    subject: data.channel && data.identity ? `${data.channel}:${data.identity}` : undefined,
    dataschema: dataSchemaUri(OUTBOUND_STATUS_SCHEMA.name, OUTBOUND_STATUS_SCHEMA.version),
    data,
  });
}

/**
 * The one `outbound.unconfirmed` event of a command (its id depends on the command only).
 *
 * @example
 * toOutboundUnconfirmedEvent(origin, { id, appId, lastStatus: 'accepted', since }, new Date().toISOString());
 */
export function toOutboundUnconfirmedEvent(
  origin: OutboundEventOrigin,
  data: OutboundUnconfirmedData,
  time: string,
  subject?: { channel?: string | undefined; identity?: string | undefined },
): CloudEvent<OutboundUnconfirmedData> {
  return toCloudEvent({
    id: stableId(OUTBOUND_UNCONFIRMED_TYPE, data.appId, data.id),
    source: eventSource(origin.region, origin.projectId, data.appId),
    type: OUTBOUND_UNCONFIRMED_TYPE,
    time,
    subject: subject?.channel && subject.identity ? `${subject.channel}:${subject.identity}` : undefined,
    dataschema: dataSchemaUri(OUTBOUND_UNCONFIRMED_SCHEMA.name, OUTBOUND_UNCONFIRMED_SCHEMA.version),
    data,
  });
}

/**
 * A `suppression.added` / `suppression.removed` event. `cause` names what made the change (the
 * event id of the STOP text or OPT_OUT callback, or an operator request id), so the same cause
 * gives the same event.
 *
 * @example
 * toSuppressionEvent(origin, 'added', { appId, channel: 'SMS', identity, source: 'keyword', keyword: 'stop' }, inbound.id, inbound.time);
 */
export function toSuppressionEvent(
  origin: OutboundEventOrigin,
  change: 'added' | 'removed',
  data: SuppressionChangeData,
  cause: string,
  time: string,
): CloudEvent<SuppressionChangeData> {
  const type = change === 'added' ? SUPPRESSION_ADDED_TYPE : SUPPRESSION_REMOVED_TYPE;
  return toCloudEvent({
    id: stableId(type, data.appId, data.channel, data.identity, cause),
    source: eventSource(origin.region, origin.projectId, data.appId),
    type,
    time,
    subject: `${data.channel}:${data.identity}`,
    dataschema: dataSchemaUri(SUPPRESSION_CHANGE_SCHEMA.name, SUPPRESSION_CHANGE_SCHEMA.version),
    data,
  });
}

/**
 * The lifecycle's router step: MESSAGE_DELIVERY events move a command's status forward and derive
 * `sinch.bridge.outbound.status` (published right after the report, in the conversation's group);
 * `outbound.accepted` events start the command's unconfirmed watch.
 */
import type { CloudEvent } from '../events/cloud-event';
import { type OutboundStatusData, toOutboundStatusEvent } from '../events/lifecycle-events';
import type { OutboundEventOrigin } from '../events/outbound-events';
import { OUTBOUND_ACCEPTED_TYPE } from '../events/outbound-events';
import { perEventStep, type RouterStep } from '../router/router-step';
import type { Environment, RouterStepTools } from '../router/steps';
import { type CommandStatusStore, createCommandStatusStore, statusRecordKey } from './command-status-store';
import { meaningOfReport, sweepBucketOf } from './delivery-status';
import { readLifecycleConfig } from './lifecycle-config';

export const MESSAGE_DELIVERY_TYPE = 'sinch.conversation.message_delivery';

/** A report the lifecycle cannot apply yet: the router retries its record (and holds its group). */
export class CommandStillSending extends Error {
  override name = 'CommandStillSending';
}

export interface LifecycleStepOptions {
  store: CommandStatusStore;
  origin: OutboundEventOrigin;
  deliveryTimeoutSeconds: number;
  sweepShards: number;
  /** Match reports without a correlation id by Sinch message id (needs the message id index). */
  matchByMessageId: boolean;
  tools: RouterStepTools;
}

interface DeliveryData {
  appId?: string;
  correlationId?: string;
  messageId?: string;
  status?: string;
  channel?: string;
  identity?: string;
  reason?: OutboundStatusData['reason'];
}

/**
 * @example
 * const step = createLifecycleStep({ store, origin, deliveryTimeoutSeconds: 86400, sweepShards: 16, matchByMessageId: true, tools });
 */
export function createLifecycleStep(options: LifecycleStepOptions): RouterStep {
  const { store, tools } = options;

  async function keyOf(data: DeliveryData): Promise<string | undefined> {
    if (data.appId && data.correlationId) return statusRecordKey(data.appId, data.correlationId);
    if (options.matchByMessageId && data.messageId) return store.keyOfMessage(data.messageId);
    return undefined;
  }

  async function onDeliveryReport(event: CloudEvent): Promise<CloudEvent[]> {
    const data = event.data as DeliveryData;
    const meaning = meaningOfReport(data.status);
    if (meaning.kind === 'unknown') {
      tools.count('LifecycleIgnored');
      return [];
    }
    let key = await keyOf(data);
    if (!key) {
      tools.count('LifecycleUnmatched');
      return [];
    }
    if (meaning.kind === 'switching_channel') {
      await store.noteSwitchingChannel(key, event.id, event.time, data.channel);
      return [];
    }
    const change = {
      eventId: event.id,
      status: meaning.status,
      at: event.time,
      messageId: data.messageId,
      channel: data.channel,
      reason: data.reason,
    };
    let result = await store.applyChange(key, change);
    if (result.kind === 'unknown' && data.correlationId && options.matchByMessageId && data.messageId) {
      // A correlation id that is not a command of ours (set by another sender): try the message id.
      const byMessage = await store.keyOfMessage(data.messageId);
      if (byMessage && byMessage !== key) {
        key = byMessage;
        result = await store.applyChange(key, change);
      }
    }
    switch (result.kind) {
      case 'pending':
        tools.count('LifecycleEarlyReport');
        throw new CommandStillSending(`command ${key} has no accepted status yet`);
      case 'unknown':
        tools.count('LifecycleUnmatched');
        return [];
      case 'unchanged':
        tools.count('LifecycleDuplicateOrLate');
        tools.log('debug', 'delivery report changes nothing', {
          key,
          status: meaning.status,
          current: result.current,
        });
        return [];
      case 'changed': {
        const { record } = result;
        if (!result.replayed) tools.count('LifecycleStatusChanged');
        const messageId = record.messageId ?? data.messageId;
        const status = toOutboundStatusEvent(
          options.origin,
          {
            id: record.commandId,
            appId: record.appId,
            ...(messageId ? { messageId } : {}),
            status: meaning.status,
            previousStatus: result.previousStatus,
            ...(data.channel ? { channel: data.channel } : {}),
            ...(data.identity ? { identity: data.identity } : {}),
            ...(data.reason && Object.keys(data.reason).length > 0 ? { reason: data.reason } : {}),
          },
          event.time,
        );
        return [status];
      }
    }
  }

  async function onAccepted(event: CloudEvent): Promise<void> {
    const data = event.data as { id?: string; appId?: string; acceptedTime?: string };
    if (!data.id || !data.appId) return;
    const key = statusRecordKey(data.appId, data.id);
    const acceptedEpoch = Math.floor((Date.parse(data.acceptedTime ?? event.time) || Date.now()) / 1000);
    const dueAtEpoch = acceptedEpoch + options.deliveryTimeoutSeconds;
    if (await store.watch(key, sweepBucketOf(key, dueAtEpoch, options.sweepShards), dueAtEpoch)) {
      tools.count('LifecycleWatched');
    }
  }

  return perEventStep('lifecycle', async ({ event }) => {
    if (event.type === MESSAGE_DELIVERY_TYPE) return onDeliveryReport(event);
    if (event.type === OUTBOUND_ACCEPTED_TYPE) await onAccepted(event);
    return undefined;
  });
}

/**
 * The lifecycle step of a router function's environment; off when `IDEMPOTENCY_TABLE` is unset.
 *
 * @example
 * ROUTER_STEP_FACTORIES = [lifecycleStepFromEnvironment, ...];
 */
export function lifecycleStepFromEnvironment(
  env: Environment,
  tools: RouterStepTools,
): RouterStep | undefined {
  if (!env.IDEMPOTENCY_TABLE) return undefined;
  const read = readLifecycleConfig(env);
  if (!read.ok) throw new Error(`lifecycle step misconfigured: ${read.problems.join('; ')}`);
  const { config } = read;
  return createLifecycleStep({
    store: createCommandStatusStore({ tableName: config.tableName }),
    origin: { region: config.region, projectId: config.projectId },
    deliveryTimeoutSeconds: config.deliveryTimeoutSeconds,
    sweepShards: config.sweepShards,
    matchByMessageId: config.matchByMessageId,
    tools,
  });
}

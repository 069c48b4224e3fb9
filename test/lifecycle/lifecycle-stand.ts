/**
 * The lifecycle's test stand: local SQS (router and events queues), dynalite with the command
 * table and its lifecycle indexes, and the event router running the real lifecycle step. Reports
 * enter as the webhook writes them (real Sinch callback -> normalizeCallback -> router queue),
 * accepted commands as the send function leaves them (its record, its `outbound.accepted`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudEvent } from '../../functions/events/cloud-event';
import { toOutboundAcceptedEvent } from '../../functions/events/outbound-events';
import {
  COMMAND_TABLE_INDEXES,
  type CommandStatusStore,
  createCommandStatusStore,
  statusRecordKey,
} from '../../functions/lifecycle/command-status-store';
import { createLifecycleStep } from '../../functions/lifecycle/lifecycle-step';
import { type SweepResult, sweepUnconfirmed } from '../../functions/lifecycle/unconfirmed-sweep';
import { createEventRouter } from '../../functions/router/event-router';
import { SILENT_TOOLS } from '../../functions/router/steps';
import { toEventQueueMessage } from '../../functions/webhook/event-queue-message';
import { normalizeCallback } from '../../functions/webhook/normalize-callback';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/aws/dynamodb-server';
import { REGION, type RouterStand, startRouterStand } from '../router/router-stand';
import { callbacks, TEST_APP_ID, TEST_PROJECT_ID } from '../support/callbacks';

export const APP = TEST_APP_ID;
export const ORIGIN = { region: 'eu', projectId: TEST_PROJECT_ID };
export const TIMEOUT_SECONDS = 3_600;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LifecycleStand {
  router: RouterStand;
  ddb: LocalDynamoDb;
  store: CommandStatusStore;
  counts: Map<string, number>;
  /** Writes the record the send function leaves after Sinch accepted a command (or `sending` before). */
  seedCommand(
    commandId: string,
    o?: { messageId?: string; status?: string; identity?: string; acceptedAt?: string },
  ): Promise<void>;
  /** Puts the send function's `outbound.accepted` on the router queue. */
  produceAccepted(
    commandId: string,
    messageId: string,
    acceptedTime: string,
    identity?: string,
  ): Promise<void>;
  /** Puts a MESSAGE_DELIVERY callback on the router queue as the webhook does; answers its event. */
  produceReport(o: {
    commandId?: string;
    messageId: string;
    status: string;
    identity?: string;
    channel?: string;
    eventTime?: string;
    /** A new router dedupe id: the same report arriving after the 5-minute window. */
    late?: boolean;
  }): Promise<CloudEvent>;
  /** Runs the router until its queue is empty (or `rounds` rounds). */
  route(rounds?: number): Promise<void>;
  sweep(nowMs: number): Promise<SweepResult>;
  close(): Promise<void>;
}

let lateCounter = 0;

export async function startLifecycleStand(): Promise<LifecycleStand> {
  const router = await startRouterStand();
  const ddb = await startLocalDynamoDb({
    region: REGION,
    tables: [{ name: 'commands', indexes: COMMAND_TABLE_INDEXES }],
  });
  const client = new DynamoDBClient({ region: REGION, endpoint: ddb.endpoint, credentials });
  const doc = DynamoDBDocumentClient.from(client);
  const store = createCommandStatusStore({ tableName: 'commands', client });
  const counts = new Map<string, number>();
  const step = createLifecycleStep({
    store,
    origin: ORIGIN,
    deliveryTimeoutSeconds: TIMEOUT_SECONDS,
    sweepShards: 4,
    matchByMessageId: true,
    tools: { ...SILENT_TOOLS, count: (m, v = 1) => counts.set(m, (counts.get(m) ?? 0) + v) },
  });
  const eventRouter = createEventRouter({
    steps: [step],
    sqs: router.client,
    eventsQueueUrl: router.eventsQueueUrl,
    retryVisibilitySeconds: () => 0,
  });
  const groupOf = (identity: string, channel = 'WHATSAPP') => `${APP}:${channel}:${identity}`;

  return {
    router,
    ddb,
    store,
    counts,
    async seedCommand(commandId, o = {}) {
      const now = new Date();
      await doc.send(
        new PutCommand({
          TableName: 'commands',
          Item: {
            id: statusRecordKey(APP, commandId),
            appId: APP,
            commandId,
            payloadHash: 'seeded',
            status: o.status ?? 'accepted',
            attempts: 1,
            leaseUntil: 0,
            ...(o.messageId ? { messageId: o.messageId } : {}),
            channel: 'WHATSAPP',
            identity: o.identity ?? '46700000001',
            createdAt: now.toISOString(),
            createdAtEpoch: Math.floor(now.getTime() / 1000),
            ...(o.status === 'sending' ? {} : { acceptedAt: o.acceptedAt ?? now.toISOString() }),
            ttl: Math.floor(now.getTime() / 1000) + 14 * 86_400,
          },
        }),
      );
    },
    async produceAccepted(commandId, messageId, acceptedTime, identity = '46700000001') {
      const event = toOutboundAcceptedEvent(ORIGIN, {
        id: commandId,
        appId: APP,
        messageId,
        acceptedTime,
        channel: 'WHATSAPP',
        identity,
      });
      await router.produce(event, groupOf(identity));
    },
    async produceReport(o) {
      const callback = callbacks.messageDelivery({
        messageId: o.messageId,
        status: o.status,
        ...(o.commandId ? { correlationId: o.commandId } : {}),
        identity: o.identity ?? '46700000001',
        channel: o.channel ?? 'WHATSAPP',
        eventTime: o.eventTime ?? new Date().toISOString(),
        mode: 'DISPATCH',
      });
      const body = JSON.stringify(callback);
      const event = normalizeCallback(callback, {
        region: ORIGIN.region,
        projectId: ORIGIN.projectId,
        appId: APP,
        rawBody: body,
        receivedAt: new Date().toISOString(),
      });
      const message = toEventQueueMessage(event);
      await router.client.send(
        new SendMessageCommand({
          QueueUrl: router.routerQueueUrl,
          ...message,
          ...(o.late
            ? { MessageDeduplicationId: `${message.MessageDeduplicationId}-late-${++lateCounter}` }
            : {}),
        }),
      );
      return event as CloudEvent;
    },
    async route(rounds = 20) {
      for (let i = 0; i < rounds; i++) {
        const { event } = await router.routeOnce((e) => eventRouter.processBatch(e.Records));
        if (event.Records.length === 0) return;
      }
    },
    sweep(nowMs) {
      return sweepUnconfirmed({
        store,
        sqs: router.client,
        queueUrl: router.routerQueueUrl,
        origin: ORIGIN,
        sweepShards: 4,
        lookbackDays: 2,
        now: () => nowMs,
      });
    },
    async close() {
      client.destroy();
      await ddb.close();
      await router.close();
    },
  };
}

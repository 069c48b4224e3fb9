/**
 * The message lifecycle through the event router, on real loopback SQS and DynamoDB: every
 * transition, duplicates, out-of-order and late reports, early reports, the unconfirmed sweep.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../functions/events/cloud-event';
import { OUTBOUND_STATUS_TYPE, OUTBOUND_UNCONFIRMED_TYPE } from '../../functions/events/lifecycle-events';
import { statusRecordKey } from '../../functions/lifecycle/command-status-store';
import { sinchId } from '../support/callbacks';
import { APP, type LifecycleStand, startLifecycleStand, TIMEOUT_SECONDS } from './lifecycle-stand';

let stand: LifecycleStand;
beforeAll(async () => {
  stand = await startLifecycleStand();
});
afterAll(async () => {
  await stand?.close();
});

/** A fresh command (and conversation) per test: queues dedupe across tests otherwise. */
function newCommand() {
  const n = randomUUID().slice(0, 8);
  return {
    commandId: `order-${n}`,
    messageId: sinchId(),
    identity: `4670${n.replace(/\D/g, '1').slice(0, 7)}`,
  };
}

type Taken = Awaited<ReturnType<LifecycleStand['router']['takeEvents']>>;
const statuses = (events: Taken) =>
  events
    .filter((e) => e.body.type === OUTBOUND_STATUS_TYPE)
    .map((e) => e.body.data as Record<string, unknown>);

describe('lifecycle step', () => {
  it('follows accepted -> queued_on_channel -> delivered -> read, each status right after its report, in the conversation group', async () => {
    // Prepare
    const c = newCommand();
    await stand.seedCommand(c.commandId, { messageId: c.messageId, identity: c.identity });
    const reports: CloudEvent[] = [];
    for (const status of ['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ']) {
      reports.push(await stand.produceReport({ ...c, status }));
    }
    // Act
    await stand.route();
    // Assess
    const events = await stand.router.takeEvents();
    expect(events.map((e) => e.body.type)).toEqual([
      'sinch.conversation.message_delivery',
      OUTBOUND_STATUS_TYPE,
      'sinch.conversation.message_delivery',
      OUTBOUND_STATUS_TYPE,
      'sinch.conversation.message_delivery',
      OUTBOUND_STATUS_TYPE,
    ]);
    expect(new Set(events.map((e) => e.groupId))).toEqual(new Set([`${APP}:WHATSAPP:${c.identity}`]));
    expect(statuses(events)).toEqual([
      {
        id: c.commandId,
        appId: APP,
        messageId: c.messageId,
        status: 'queued_on_channel',
        previousStatus: 'accepted',
        channel: 'WHATSAPP',
        identity: c.identity,
      },
      {
        id: c.commandId,
        appId: APP,
        messageId: c.messageId,
        status: 'delivered',
        previousStatus: 'queued_on_channel',
        channel: 'WHATSAPP',
        identity: c.identity,
      },
      {
        id: c.commandId,
        appId: APP,
        messageId: c.messageId,
        status: 'read',
        previousStatus: 'delivered',
        channel: 'WHATSAPP',
        identity: c.identity,
      },
    ]);
    const record = await stand.store.read(statusRecordKey(APP, c.commandId));
    expect(record?.status).toBe('read');
    expect(record?.history?.map((h) => h.eventId)).toEqual(reports.map((r) => r.id));
  });

  it('carries the failure reason, and failed is final', async () => {
    const c = newCommand();
    await stand.seedCommand(c.commandId, { messageId: c.messageId, identity: c.identity });
    await stand.produceReport({ ...c, status: 'FAILED' });
    await stand.produceReport({ ...c, status: 'DELIVERED' });
    await stand.produceReport({ ...c, status: 'READ' });
    await stand.route();
    const changes = statuses(await stand.router.takeEvents());
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      status: 'failed',
      previousStatus: 'accepted',
      reason: { code: 'RECIPIENT_NOT_REACHABLE', subCode: 'UNSPECIFIED_SUB_CODE' },
    });
  });

  it('ignores out-of-order reports: READ first, then QUEUED_ON_CHANNEL and DELIVERED change nothing', async () => {
    const c = newCommand();
    await stand.seedCommand(c.commandId, { messageId: c.messageId, identity: c.identity });
    await stand.produceReport({ ...c, status: 'READ' });
    await stand.produceReport({ ...c, status: 'QUEUED_ON_CHANNEL' });
    await stand.produceReport({ ...c, status: 'DELIVERED' });
    await stand.route();
    const events = await stand.router.takeEvents();
    expect(statuses(events).map((s) => [s.previousStatus, s.status])).toEqual([['accepted', 'read']]);
    // The reports themselves still reach consumers.
    expect(events.filter((e) => e.body.type === 'sinch.conversation.message_delivery')).toHaveLength(3);
    expect(stand.counts.get('LifecycleDuplicateOrLate')).toBeGreaterThanOrEqual(2);
  });

  it('publishes a duplicate report (same event, after the queue dedupe window) with the same status event id only', async () => {
    const c = newCommand();
    await stand.seedCommand(c.commandId, { messageId: c.messageId, identity: c.identity });
    await stand.produceReport({ ...c, status: 'DELIVERED' });
    await stand.route();
    const first = statuses(await stand.router.takeEvents());
    // The same callback again, its dedupe window at the router queue long gone.
    await stand.produceReport({ ...c, status: 'DELIVERED', late: true });
    await stand.route();
    const again = await stand.router.takeEvents();
    expect(first).toHaveLength(1);
    // Within the events queue's dedupe window the re-derived status is dropped; past it a consumer
    // would see the same event id. Either way the record changed once.
    expect(statuses(again)).toEqual([]);
    const record = await stand.store.read(statusRecordKey(APP, c.commandId));
    expect(record?.history).toHaveLength(1);
  });

  it('keeps the command open on SWITCHING_CHANNEL and notes it in the timeline', async () => {
    const c = newCommand();
    await stand.seedCommand(c.commandId, { messageId: c.messageId, identity: c.identity });
    await stand.produceReport({ ...c, status: 'SWITCHING_CHANNEL' });
    await stand.produceReport({ ...c, status: 'DELIVERED', channel: 'SMS' });
    await stand.route();
    const changes = statuses(await stand.router.takeEvents());
    expect(changes.map((s) => [s.previousStatus, s.status, s.channel])).toEqual([
      ['accepted', 'delivered', 'SMS'],
    ]);
    const record = await stand.store.read(statusRecordKey(APP, c.commandId));
    expect(record?.history?.map((h) => h.status)).toEqual(['switching_channel', 'delivered']);
  });

  it('holds a report that arrives before the send function recorded accepted, and applies it once it has', async () => {
    const c = newCommand();
    await stand.seedCommand(c.commandId, { status: 'sending', identity: c.identity });
    await stand.produceReport({ ...c, status: 'DELIVERED' });
    await stand.route(1);
    expect(statuses(await stand.router.takeEvents())).toEqual([]);
    expect(stand.counts.get('LifecycleEarlyReport')).toBeGreaterThanOrEqual(1);
    // The send function completes: accepted.
    await stand.seedCommand(c.commandId, { messageId: c.messageId, identity: c.identity });
    await stand.route();
    const events = await stand.router.takeEvents();
    expect(events.map((e) => e.body.type)).toEqual([
      'sinch.conversation.message_delivery',
      OUTBOUND_STATUS_TYPE,
    ]);
  });

  it('matches a report without correlation id by message id, and ignores reports of unknown commands', async () => {
    const c = newCommand();
    await stand.seedCommand(c.commandId, { messageId: c.messageId, identity: c.identity });
    await stand.produceReport({ messageId: c.messageId, identity: c.identity, status: 'DELIVERED' });
    await stand.produceReport({ messageId: sinchId(), identity: c.identity, status: 'DELIVERED' });
    await stand.produceReport({
      commandId: 'not-ours',
      messageId: sinchId(),
      identity: c.identity,
      status: 'READ',
    });
    await stand.route();
    const events = await stand.router.takeEvents();
    expect(statuses(events).map((s) => [s.id, s.status])).toEqual([[c.commandId, 'delivered']]);
    expect(events.filter((e) => e.body.type === 'sinch.conversation.message_delivery')).toHaveLength(3);
  });
});

describe('unconfirmed sweep', () => {
  const accepted = new Date('2026-11-30T10:00:00.000Z');
  const secondsAfter = (seconds: number) => accepted.getTime() + seconds * 1000;

  it('publishes outbound.unconfirmed once for an accepted command with no confirmation in time, and a late report still counts', async () => {
    // Prepare
    const c = newCommand();
    await stand.seedCommand(c.commandId, {
      messageId: c.messageId,
      identity: c.identity,
      acceptedAt: accepted.toISOString(),
    });
    await stand.produceAccepted(c.commandId, c.messageId, accepted.toISOString(), c.identity);
    await stand.produceReport({ ...c, status: 'QUEUED_ON_CHANNEL', eventTime: '2026-11-30T10:00:05.000Z' });
    await stand.route();
    await stand.router.takeEvents();
    // Act
    const early = await stand.sweep(secondsAfter(TIMEOUT_SECONDS - 60));
    const due = await stand.sweep(secondsAfter(TIMEOUT_SECONDS + 60));
    const again = await stand.sweep(secondsAfter(TIMEOUT_SECONDS + 600));
    await stand.route();
    const events = await stand.router.takeEvents();
    // Assess
    expect(early.published).toBe(0);
    expect(due.published).toBe(1);
    expect(again.published).toBe(0);
    expect(due.queries).toBe(3 * 4);
    const unconfirmed = events.filter((e) => e.body.type === OUTBOUND_UNCONFIRMED_TYPE);
    expect(unconfirmed).toHaveLength(1);
    expect(unconfirmed[0]!.groupId).toBe(`${APP}:WHATSAPP:${c.identity}`);
    expect(unconfirmed[0]!.body.data).toEqual({
      id: c.commandId,
      appId: APP,
      messageId: c.messageId,
      lastStatus: 'queued_on_channel',
      since: '2026-11-30T10:00:05.000Z',
    });
    // A late DELIVERED still moves the status and is published; no second unconfirmed.
    await stand.produceReport({ ...c, status: 'DELIVERED' });
    await stand.route();
    const late = await stand.router.takeEvents();
    expect(statuses(late).map((s) => s.status)).toEqual(['delivered']);
    expect((await stand.sweep(secondsAfter(TIMEOUT_SECONDS * 3))).published).toBe(0);
  });

  it('never publishes unconfirmed for a command confirmed in time, whichever of accepted and the report routes first', async () => {
    const c = newCommand();
    const d = newCommand();
    for (const x of [c, d]) {
      await stand.seedCommand(x.commandId, {
        messageId: x.messageId,
        identity: x.identity,
        acceptedAt: accepted.toISOString(),
      });
    }
    await stand.produceAccepted(c.commandId, c.messageId, accepted.toISOString(), c.identity);
    await stand.produceReport({ ...c, status: 'DELIVERED' });
    await stand.produceReport({ ...d, status: 'DELIVERED' });
    await stand.produceAccepted(d.commandId, d.messageId, accepted.toISOString(), d.identity);
    await stand.route();
    await stand.router.takeEvents();
    const swept = await stand.sweep(secondsAfter(TIMEOUT_SECONDS * 2));
    expect(swept.published).toBe(0);
    for (const x of [c, d]) {
      const record = await stand.store.read(statusRecordKey(APP, x.commandId));
      expect(record?.sweepBucket).toBeUndefined();
    }
  });
});

/**
 * The router's suppression step on real loopback SQS and DynamoDB (dynalite): every transition
 * of the list (keyword and callback, add and remove, already so, failed callbacks), keywords per
 * app and channel, the derived events' place and ids, retries, and the confirmation text.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../functions/events/cloud-event';
import { SUPPRESSION_ADDED_TYPE, SUPPRESSION_REMOVED_TYPE } from '../../functions/events/lifecycle-events';
import { createEventRouter } from '../../functions/router/event-router';
import type { RouterStep } from '../../functions/router/router-step';
import { SILENT_TOOLS } from '../../functions/router/steps';
import { foldKeyword, keywordMatcher } from '../../functions/suppression/opt-out-keywords';
import {
  createSuppressionList,
  normalizeIdentity,
  SUPPRESSION_TABLE_INDEXES,
  type SuppressionList,
} from '../../functions/suppression/suppression-list';
import { createSuppressionStep } from '../../functions/suppression/suppression-step';
import { normalizeCallback } from '../../functions/webhook/normalize-callback';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/aws/dynamodb-server';
import { REGION, type RouterStand, startRouterStand } from '../router/router-stand';
import { callbacks, contactMessages, TEST_APP_ID, TEST_PROJECT_ID } from '../support/callbacks';

const APP = TEST_APP_ID;
const ORIGIN = { region: 'eu', projectId: TEST_PROJECT_ID };
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let router: RouterStand;
let ddb: LocalDynamoDb;
let list: SuppressionList;
let outboundQueueUrl: string;
let step: RouterStep;
const counts = new Map<string, number>();

beforeAll(async () => {
  router = await startRouterStand();
  ddb = await startLocalDynamoDb({
    region: REGION,
    tables: [{ name: 'suppressions', indexes: SUPPRESSION_TABLE_INDEXES }],
  });
  list = createSuppressionList({
    tableName: 'suppressions',
    client: new DynamoDBClient({ region: REGION, endpoint: ddb.endpoint, credentials }),
  });
  ({ QueueUrl: outboundQueueUrl = '' } = await router.client.send(
    new CreateQueueCommand({ QueueName: 'outbound.fifo', Attributes: { FifoQueue: 'true' } }),
  ));
  step = createSuppressionStep({
    list,
    origin: ORIGIN,
    apps: {
      [APP]: {
        channels: { SMS: { optOut: ['STOP', 'Arrêt'], optIn: ['START'] } },
        confirmationText: 'You will get no more messages. Reply START to undo.',
      },
    },
    tools: { ...SILENT_TOOLS, count: (m, v = 1) => counts.set(m, (counts.get(m) ?? 0) + v) },
    confirmations: { sqs: router.client, outboundQueueUrl },
  });
});
afterAll(async () => {
  await ddb?.close();
  await router?.close();
});

const newIdentity = () => `4670${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

/** A callback as the webhook turns it into an event (real Sinch shape, real normalizer). */
function eventOf(callback: Record<string, unknown>): CloudEvent {
  const body = JSON.stringify(callback);
  return normalizeCallback(callback, {
    region: ORIGIN.region,
    projectId: ORIGIN.projectId,
    appId: APP,
    rawBody: body,
    receivedAt: new Date().toISOString(),
  }) as CloudEvent;
}
const text = (identity: string, value: string, channel = 'WHATSAPP') =>
  eventOf(
    callbacks.messageInbound({ identity, channel, mode: 'DISPATCH', content: contactMessages.text(value) }),
  );
const optOut = (identity: string, o: { failed?: boolean; channel?: string } = {}) =>
  eventOf(callbacks.optOut({ identity, mode: 'DISPATCH', ...o }));
const optIn = (identity: string, o: { channel?: string } = {}) =>
  eventOf(callbacks.optIn({ identity, mode: 'DISPATCH', ...o }));

async function route(events: CloudEvent[]) {
  for (const event of events) {
    const data = event.data as { channel?: string; identity?: string };
    await router.produce(event, `${APP}:${data.channel}:${data.identity}`);
  }
  const eventRouter = createEventRouter({
    steps: [step],
    sqs: router.client,
    eventsQueueUrl: router.eventsQueueUrl,
    retryVisibilitySeconds: () => 0,
  });
  for (let i = 0; i < 20; i++) {
    const { event } = await router.routeOnce((e) => eventRouter.processBatch(e.Records));
    if (event.Records.length === 0) break;
  }
  return router.takeEvents();
}

const changes = (events: Awaited<ReturnType<typeof route>>) =>
  events
    .filter((e) => e.body.type === SUPPRESSION_ADDED_TYPE || e.body.type === SUPPRESSION_REMOVED_TYPE)
    .map((e) => [e.body.type.split('.').pop(), e.body.data]);

describe('suppression step', () => {
  it('adds on an exact opt-out keyword (trimmed, case-folded) and removes on an opt-in keyword, each event right after its cause', async () => {
    const who = newIdentity();
    const events = await route([
      text(who, 'please stop sending'),
      text(who, '  Stop \n'),
      text(who, 'STOP'),
      text(who, 'yes'),
      text(who, 'START'),
    ]);
    expect(events.map((e) => e.body.type)).toEqual([
      'sinch.conversation.message_inbound',
      'sinch.conversation.message_inbound',
      SUPPRESSION_ADDED_TYPE,
      'sinch.conversation.message_inbound',
      'sinch.conversation.message_inbound',
      SUPPRESSION_REMOVED_TYPE,
      'sinch.conversation.message_inbound',
    ]);
    expect(changes(events)).toEqual([
      ['added', { appId: APP, channel: 'WHATSAPP', identity: who, source: 'keyword', keyword: 'stop' }],
      ['removed', { appId: APP, channel: 'WHATSAPP', identity: who, source: 'keyword', keyword: 'yes' }],
    ]);
    const added = events[2]!;
    expect(added.groupId).toBe(`${APP}:WHATSAPP:${who}`);
    expect(added.body.subject).toBe(`WHATSAPP:${who}`);
    expect(added.attributes.type?.StringValue).toBe(SUPPRESSION_ADDED_TYPE);
    expect(await list.isSuppressed({ appId: APP, channel: 'WHATSAPP', identity: who })).toBe(false);
    expect(counts.get('SuppressionUnchanged')).toBeGreaterThanOrEqual(2);
  });

  it('follows OPT_OUT and OPT_IN callbacks, ignores failed ones, and keys the identity with or without +', async () => {
    const who = newIdentity();
    const events = await route([optOut(who, { failed: true }), optOut(who)]);
    expect(changes(events)).toEqual([
      ['added', { appId: APP, channel: 'WHATSAPP', identity: who, source: 'callback' }],
    ]);
    expect(await list.isSuppressed({ appId: APP, channel: 'WHATSAPP', identity: `+${who}` })).toBe(true);
    expect(await list.isSuppressed({ appId: APP, channel: 'SMS', identity: who })).toBe(false);
    const entry = await list.read({ appId: APP, channel: 'WHATSAPP', identity: who });
    expect(entry).toMatchObject({ suppressed: true, source: 'callback', causeId: events[1]!.body.id });
    expect(changes(await route([optIn(who)]))).toEqual([
      ['removed', { appId: APP, channel: 'WHATSAPP', identity: who, source: 'callback' }],
    ]);
    expect(counts.get('SuppressionCallbackNotSucceeded')).toBe(1);
  });

  it('uses the channel keywords of the app (several languages), and queues one transactional confirmation', async () => {
    const who = newIdentity();
    const events = await route([text(who, 'END', 'SMS'), text(who, 'ARRÊT', 'SMS')]);
    expect(changes(events)).toEqual([
      ['added', { appId: APP, channel: 'SMS', identity: who, source: 'keyword', keyword: 'arrêt' }],
    ]);
    const { Messages = [] } = await router.client.send(
      new ReceiveMessageCommand({
        QueueUrl: outboundQueueUrl,
        MaxNumberOfMessages: 10,
        AttributeNames: ['All'],
      }),
    );
    const confirmations = Messages.map((m) => JSON.parse(m.Body!)).filter((c) => c.to.identity === who);
    expect(confirmations).toEqual([
      {
        id: expect.stringMatching(/^opt-out-confirmation-/),
        appId: APP,
        to: { channel: 'SMS', identity: who },
        text: 'You will get no more messages. Reply START to undo.',
        transactional: true,
      },
    ]);
  });

  it('derives the same event again when a retried batch meets its own change, and nothing for a second STOP', async () => {
    const who = newIdentity();
    const stop = text(who, 'STOP');
    const first = (await route([stop])).filter((e) => e.body.type === SUPPRESSION_ADDED_TYPE);
    // The router retries a record whose publish failed after the write: the step runs again.
    const [again] = await step.run([
      {
        event: stop,
        groupId: `${APP}:WHATSAPP:${who}`,
        body: '',
        deduplicationId: stop.id,
        attributes: {},
        derived: [],
      },
    ]);
    const second = changes(await route([text(who, 'stop')]));
    expect(first).toHaveLength(1);
    expect(again).toMatchObject({
      ok: true,
      derived: [{ type: SUPPRESSION_ADDED_TYPE, id: first[0]!.body.id }],
    });
    expect(second).toEqual([]);
  });

  it('lists the suppressed recipients of an app, per channel', async () => {
    const a = newIdentity();
    const b = newIdentity();
    await route([text(a, 'STOP', 'SMS'), optOut(b), optOut(a)]);
    const all: string[] = [];
    for await (const entry of list.list(APP)) all.push(`${entry.channel}:${entry.identity}`);
    const sms: string[] = [];
    for await (const entry of list.list(APP, 'SMS')) sms.push(entry.identity);
    expect(all).toEqual(expect.arrayContaining([`SMS:${a}`, `WHATSAPP:${b}`, `WHATSAPP:${a}`]));
    expect(sms).toContain(a);
    expect(sms).not.toContain(b);
  });
});

describe('keywords', () => {
  const match = keywordMatcher({});
  it('matches exactly the default keywords, whatever the case and surrounding space', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'STOP',
          'STOPALL',
          'UNSUBSCRIBE',
          'CANCEL',
          'END',
          'QUIT',
          'OPTOUT',
          'START',
          'UNSTOP',
          'YES',
        ),
        fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        fc.constantFrom('', ' ', '\n', '\t ', '  '),
        fc.constantFrom('', ' ', '\r\n'),
        (keyword, upper, before, after) => {
          const cased = [...keyword].map((c, i) => (upper[i % upper.length] ? c : c.toLowerCase())).join('');
          const found = match(APP, 'SMS', `${before}${cased}${after}`);
          expect(found?.keyword).toBe(keyword.toLowerCase());
          expect(found?.change).toBe(['START', 'UNSTOP', 'YES'].includes(keyword) ? 'removed' : 'added');
        },
      ),
    );
  });

  it('matches nothing that has more than the keyword', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (extra) => {
        fc.pre(/\S/.test(extra));
        expect(match(APP, 'SMS', `stop ${extra}`)).toBeUndefined();
      }),
    );
    expect(foldKeyword('ＳＴＯＰ')).toBe('stop');
    expect(normalizeIdentity('+46 (70) 000-00-01')).toBe('46700000001');
    expect(normalizeIdentity(randomUUID())).not.toMatch(/^\d+$/);
  });
});

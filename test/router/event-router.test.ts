/**
 * The event router over a real (local) SQS: steps run, each event is published followed by what
 * its steps derived, in order per group; failures hold back their group and a retried batch
 * publishes nothing twice.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CloudEvent, stableId, toCloudEvent } from '../../functions/events/cloud-event';
import { createEventRouter } from '../../functions/router/event-router';
import { perEventStep, type RouterStep } from '../../functions/router/router-step';
import { createRouterSteps } from '../../functions/router/steps';
import { type SqsFaultProxy, startSqsFaultProxy } from '../support/faults/sqs-fault-proxy';
import { REGION, type RouterStand, startRouterStand } from './router-stand';

const APP = '01HROUTERTEST0000000000000';

function inbound(n: number, identity = '+46700000001'): CloudEvent {
  return toCloudEvent({
    id: `evt-${identity}-${n}`,
    source: `sinch:conversation:eu:p:${APP}`,
    type: 'sinch.conversation.message_inbound',
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    subject: `SMS:${identity}`,
    dataschema: 'urn:test',
    data: { appId: APP, channel: 'SMS', identity, n },
  });
}

/** A step deriving one `test.echo` event per input, with an id stable across runs. */
function echoStep(calls: string[] = []): RouterStep {
  return perEventStep('echo', async ({ event }) => {
    calls.push(event.id);
    return [
      toCloudEvent({
        id: stableId('echo', event.id),
        source: event.source,
        type: 'test.echo',
        time: event.time,
        dataschema: 'urn:test',
        data: { appId: APP, channel: 'SMS', of: event.id },
      }),
    ];
  });
}

const groupOf = (identity: string) => `${APP}:SMS:${identity}`;

let stand: RouterStand;
beforeAll(async () => {
  stand = await startRouterStand();
});
afterAll(async () => {
  await stand?.close();
});
afterEach(async () => {
  await stand.takeEvents();
});

describe('createEventRouter', () => {
  it('publishes each event followed by its derived events, in order per group, with stable dedupe ids', async () => {
    // Prepare
    const router = createEventRouter({
      steps: [echoStep()],
      sqs: stand.client,
      eventsQueueUrl: stand.eventsQueueUrl,
    });
    for (let n = 1; n <= 3; n++) await stand.produce(inbound(n, 'a'), groupOf('a'));
    for (let n = 1; n <= 2; n++) await stand.produce(inbound(n, 'b'), groupOf('b'));
    // Act
    const { response } = await stand.routeOnce((e) => router.processBatch(e.Records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const events = await stand.takeEvents();
    const perGroup = (g: string) => events.filter((e) => e.groupId === groupOf(g)).map((e) => e.body.id);
    expect(perGroup('a')).toEqual([
      'evt-a-1',
      stableId('echo', 'evt-a-1'),
      'evt-a-2',
      stableId('echo', 'evt-a-2'),
      'evt-a-3',
      stableId('echo', 'evt-a-3'),
    ]);
    expect(perGroup('b')).toEqual([
      'evt-b-1',
      stableId('echo', 'evt-b-1'),
      'evt-b-2',
      stableId('echo', 'evt-b-2'),
    ]);
    for (const e of events) expect(e.dedupeId).toBe(e.body.id);
    const echo = events.find((e) => e.body.type === 'test.echo')!;
    expect(echo.attributes.type?.StringValue).toBe('test.echo');
    expect(echo.attributes.appId?.StringValue).toBe(APP);
    expect(echo.attributes.channel?.StringValue).toBe('SMS');
    const original = events.find((e) => e.body.id === 'evt-a-1')!;
    expect(original.attributes.type?.StringValue).toBe('sinch.conversation.message_inbound');
  });

  it('holds back the failed event and the rest of its group, publishes other groups, and never publishes twice on retry', async () => {
    // Prepare: the step fails once on a-2.
    let failOnce = true;
    const calls: string[] = [];
    const flaky = perEventStep('flaky', async ({ event }) => {
      if (event.id === 'evt-x-2' && failOnce) {
        failOnce = false;
        throw new Error('table unavailable');
      }
      return undefined;
    });
    const router = createEventRouter({
      steps: [echoStep(calls), flaky],
      sqs: stand.client,
      eventsQueueUrl: stand.eventsQueueUrl,
      retryVisibilitySeconds: () => 0,
    });
    for (let n = 1; n <= 3; n++) await stand.produce(inbound(n, 'x'), groupOf('x'));
    await stand.produce(inbound(1, 'y'), groupOf('y'));
    // Act
    const first = await stand.routeOnce((e) => router.processBatch(e.Records));
    const second = await stand.routeOnce((e) => router.processBatch(e.Records));
    // Assess
    const ids = (e: { event: { Records: { body: string }[] } }) =>
      e.event.Records.map((r) => JSON.parse(r.body).id);
    expect(first.response.batchItemFailures).toHaveLength(2);
    expect(ids(second)).toEqual(['evt-x-2', 'evt-x-3']);
    expect(second.response.batchItemFailures).toEqual([]);
    // The echo step ran twice on a-2 and a-3 (it is idempotent); what it derived is on the queue once.
    expect(calls.filter((id) => id === 'evt-x-3')).toHaveLength(2);
    const events = await stand.takeEvents();
    expect(events.filter((e) => e.groupId === groupOf('x')).map((e) => e.body.id)).toEqual([
      'evt-x-1',
      stableId('echo', 'evt-x-1'),
      'evt-x-2',
      stableId('echo', 'evt-x-2'),
      'evt-x-3',
      stableId('echo', 'evt-x-3'),
    ]);
    expect(events.filter((e) => e.groupId === groupOf('y'))).toHaveLength(2);
  });

  it('fails every event of a step that throws, and publishes nothing', async () => {
    const broken: RouterStep = {
      name: 'broken',
      run: async () => {
        throw new Error('down');
      },
    };
    const router = createEventRouter({
      steps: [broken],
      sqs: stand.client,
      eventsQueueUrl: stand.eventsQueueUrl,
      retryVisibilitySeconds: () => 0,
    });
    await stand.produce(inbound(7, 'c'), groupOf('c'));
    await stand.produce(inbound(7, 'd'), groupOf('d'));
    const { response, event } = await stand.routeOnce((e) => router.processBatch(e.Records));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      event.Records.map((r) => r.messageId).sort(),
    );
    expect(await stand.takeEvents()).toEqual([]);
    // Clean up: a working router takes them.
    const ok = createEventRouter({ steps: [], sqs: stand.client, eventsQueueUrl: stand.eventsQueueUrl });
    await stand.routeOnce((e) => ok.processBatch(e.Records));
  });

  it('forwards a body that is not a CloudEvent unchanged, without running steps', async () => {
    const calls: string[] = [];
    const router = createEventRouter({
      steps: [echoStep(calls)],
      sqs: stand.client,
      eventsQueueUrl: stand.eventsQueueUrl,
    });
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    await stand.client.send(
      new SendMessageCommand({
        QueueUrl: stand.routerQueueUrl,
        MessageBody: 'not json {',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'raw-1',
      }),
    );
    const { response } = await stand.routeOnce((e) => router.processBatch(e.Records));
    expect(response.batchItemFailures).toEqual([]);
    expect(calls).toEqual([]);
    const { drainQueue } = await import('../support/sqs-drain');
    const raw = await drainQueue(stand.client, stand.eventsQueueUrl);
    expect(raw.map((m) => m.Body)).toEqual(['not json {']);
  });

  describe('when SendMessageBatch fails', () => {
    let proxy: SqsFaultProxy;
    let faulty: SQSClient;
    beforeAll(async () => {
      proxy = await startSqsFaultProxy({
        target: stand.sqs.endpoint,
        operations: ['SendMessageBatch'],
        rate: 0,
        seed: 7,
      });
      faulty = new SQSClient({
        region: REGION,
        endpoint: proxy.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      });
    });
    afterAll(async () => {
      faulty?.destroy();
      await proxy?.close();
    });

    it.each(['before', 'after'] as const)(
      'retries the group (%s the write) and the events queue holds every event once, in order',
      async (mode) => {
        // Prepare
        await proxy.close();
        proxy = await startSqsFaultProxy({
          target: stand.sqs.endpoint,
          operations: ['SendMessageBatch'],
          rate: 1,
          modes: [mode],
        });
        faulty.destroy();
        faulty = new SQSClient({
          region: REGION,
          endpoint: proxy.endpoint,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 1,
        });
        const router = createEventRouter({
          steps: [echoStep()],
          sqs: faulty,
          eventsQueueUrl: stand.eventsQueueUrl,
          retryVisibilitySeconds: () => 0,
        });
        const identity = `f-${mode}`;
        for (let n = 1; n <= 2; n++) await stand.produce(inbound(n, identity), groupOf(identity));
        // Act: the first round fails every publish, the next ones succeed.
        const failed = await stand.routeOnce((e) => router.processBatch(e.Records));
        proxy.rate = 0;
        await stand.routeOnce((e) => router.processBatch(e.Records));
        // Assess
        expect(failed.response.batchItemFailures).toHaveLength(2);
        const events = await stand.takeEvents();
        expect(events.map((e) => e.body.id)).toEqual([
          `evt-${identity}-1`,
          stableId('echo', `evt-${identity}-1`),
          `evt-${identity}-2`,
          stableId('echo', `evt-${identity}-2`),
        ]);
      },
    );
  });
});

describe('createRouterSteps', () => {
  it('keeps the configured steps in list order and drops the ones that are off', () => {
    const step = (name: string): RouterStep => ({
      name,
      run: async (events) => events.map(() => ({ ok: true })),
    });
    const steps = createRouterSteps({ ON: '1' }, [
      () => step('archive'),
      (env) => (env.OFF ? step('lifecycle') : undefined),
      (env) => (env.ON ? step('suppression') : undefined),
    ]);
    expect(steps.map((s) => s.name)).toEqual(['archive', 'suppression']);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { followEvents, type TailedEvent } from '../../cli/tail';
import { type LocalBridge, startLocalBridge } from '../../local/bridge';

/** Debian's Chromium; `.ci/run` installs it when it is missing. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the screenshot of the console goes, to look at after a run. */
const SCREENSHOT = join(tmpdir(), 'sinch-bridge-console.png');

/**
 * The console end to end in a real headless browser: the page served by the local bridge, live
 * events over Server-Sent Events, a command's timeline through the built-in Sinch stand-in's
 * delivery reports, the DLQ and its redrive button, the callback form, filters, the keyboard.
 */
describe('the local console in a headless Chromium', () => {
  let bridge: LocalBridge;
  let context: BrowserContext;
  let page: Page;
  let sqs: SQSClient;
  const profile = mkdtempSync(join(tmpdir(), 'sinch-bridge-chromium-'));

  const cli = (args: string[]) =>
    runCli(args, {
      stdout: () => {},
      stderr: () => {},
      env: {
        AWS_ENDPOINT_URL_SQS: bridge.endpoints.sqs,
        AWS_REGION: bridge.environment.AWS_REGION,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        EVENTS_QUEUE_URL: bridge.queueUrls.events,
        OUTBOUND_QUEUE_URL: bridge.queueUrls.outbound,
      },
    });
  const appId = () => Object.keys(bridge.secrets)[0]!;

  beforeAll(async () => {
    bridge = await startLocalBridge({ port: 0, logLevel: 'SILENT', maxAttempts: 2 });
    sqs = new SQSClient({
      endpoint: bridge.endpoints.sqs,
      region: bridge.environment.AWS_REGION!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(bridge.consoleUrl);
  });
  afterAll(async () => {
    await context?.close();
    sqs?.destroy();
    await bridge?.stop();
    rmSync(profile, { recursive: true, force: true });
  });

  it('opens connected, naming the project and the built-in Sinch stand-in', async () => {
    await expect.poll(() => page.locator('#connection').textContent()).toBe('live');
    expect(await page.locator('h1').textContent()).toContain('Sinch bridge console');
    expect(await page.locator('#bridge-info').textContent()).toContain('built-in stand-in');
  });

  it('posts a signed callback from the form and shows its event, full JSON on click', async () => {
    // Act
    await page.getByLabel('Text', { exact: true }).fill('hello from the browser');
    await page.getByRole('button', { name: 'Post signed callback' }).click();
    // Assess
    await expect.poll(() => page.locator('#sim-result').textContent()).toContain('answered 200');
    const row = page.locator('#event-list li', { hasText: 'hello from the browser' }).locator('button');
    await row.waitFor();
    expect(await row.textContent()).toContain('conversation.message_inbound');
    await row.click();
    expect(await row.getAttribute('aria-expanded')).toBe('true');
    const json = JSON.parse((await page.locator('#event-list li pre:visible').first().textContent()) ?? '{}');
    expect(json).toMatchObject({ type: 'sinch.conversation.message_inbound', data: { appId: appId() } });
  });

  it('shows a sent command as a timeline: enqueued, accepted, then the delivery reports', async () => {
    expect(
      await cli([
        'send',
        '--id',
        'browser-1',
        '--app',
        appId(),
        '--to',
        'WHATSAPP:+46700000000',
        '--text',
        'hi',
      ]),
    ).toBe(0);
    const timeline = page.locator('li.command[data-id="browser-1"] .timeline');
    await expect
      .poll(() => timeline.locator('li').allTextContents(), { timeout: 30_000 })
      .toEqual([
        expect.stringMatching(/^enqueued/),
        expect.stringMatching(/^accepted/),
        expect.stringMatching(/^QUEUED_ON_CHANNEL/),
        expect.stringMatching(/^DELIVERED/),
        expect.stringMatching(/^READ/),
      ]);
  });

  it('lists a rejected command in the DLQ with its reason, and redrives it with the button', async () => {
    expect(
      await cli(['send', '--id', 'browser-2', '--app', appId(), '--to', 'SMS:+46700000403', '--text', 'no']),
    ).toBe(0);
    const letter = page.locator('#dlq-list li', { hasText: 'browser-2' });
    await letter.waitFor({ timeout: 30_000 });
    expect(await letter.locator('.reason').textContent()).toMatch(
      /^rejected 403.*scripted by the local Sinch stand-in/,
    );
    await expect
      .poll(() => page.locator('li.command[data-id="browser-2"] .timeline').textContent())
      .toContain('failed (rejected 403)');
    // Act
    await page.getByRole('button', { name: 'Redrive browser-2' }).click();
    // Assess: back on the outbound queue (the feed saw it go there a second time)
    await expect.poll(() => page.locator('#dlq-status').textContent()).toContain('Redrove 1');
    await expect
      .poll(
        () =>
          bridge.eventFeed.since(0, ['outbound']).events.filter((e) => JSON.parse(e.body).id === 'browser-2')
            .length,
      )
      .toBe(2);
    // The redriven command starts clean: the failure the DLQ copy carried is not sent again.
    const redriven = bridge.eventFeed
      .since(0, ['outbound'])
      .events.filter((e) => JSON.parse(e.body).id === 'browser-2')[1]!;
    expect(redriven.attributes.errorKind).toBeUndefined();
  });

  it('filters events by type and conversation', async () => {
    await page.getByLabel('Type', { exact: true }).selectOption('sinch.bridge.outbound.accepted');
    const visible = () => page.locator('#event-list > li:visible .type').allTextContents();
    await expect.poll(visible).toEqual(['bridge.outbound.accepted']);
    await page.getByLabel('Type', { exact: true }).selectOption('');
    await page.getByLabel('Conversation', { exact: true }).fill('sms:+46700000403');
    await expect.poll(async () => (await visible()).length).toBeGreaterThan(0);
    expect(new Set(await visible())).toEqual(new Set(['bridge.outbound.failed']));
    await page.getByLabel('Conversation', { exact: true }).fill('');
  });

  it('works from the keyboard and labels every control, with a live region for new events', async () => {
    await page.getByLabel('Conversation', { exact: true }).fill('');
    const row = page.locator('#event-list > li button').first();
    await row.focus();
    const before = await row.getAttribute('aria-expanded');
    await page.keyboard.press('Enter');
    expect(await row.getAttribute('aria-expanded')).not.toBe(before);
    // A string, evaluated in the page: the test's own types know no DOM.
    const unlabelled = await page.evaluate(
      "[...document.querySelectorAll('input, select, textarea')].filter((c) => c.labels.length === 0 && !c.getAttribute('aria-label')).length",
    );
    expect(unlabelled).toBe(0);
    expect(await page.locator('[aria-live="polite"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('serves the same feed to programs: a long poll from a sequence number, and refuses posts from other pages', async () => {
    const all = (await (await fetch(`${bridge.eventFeedUrl}?after=0`)).json()) as {
      events: Array<{ seq: number; queue: string; body: string }>;
      next: number;
    };
    const waited = fetch(`${bridge.eventFeedUrl}?after=${all.next}&waitSeconds=20`).then((r) => r.json());
    await page.getByRole('button', { name: 'Post signed callback' }).click();
    const later = (await waited) as { events: Array<{ seq: number; body: string }> };
    const badQueue = await fetch(`${bridge.eventFeedUrl}?queue=router`);
    const formPost = await fetch(`${bridge.baseUrl}/local/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'trigger=MESSAGE_INBOUND',
    });
    const foreign = await fetch(`${bridge.baseUrl}/local/dlq/redrive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://example.com' },
      body: '{}',
    });
    expect(all.events.every((e) => e.queue === 'events')).toBe(true);
    expect(all.events.map((e) => e.seq)).toEqual([...all.events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(later.events[0]!.seq).toBeGreaterThan(all.next);
    expect(later.events.map((e) => JSON.parse(e.body).type)).toContain('sinch.conversation.message_inbound');
    expect([badQueue.status, formPost.status, foreign.status]).toEqual([400, 403, 403]);
  });

  it('orders a timeline by when each step happened, not by when it arrived', async () => {
    // The outcome and the delivery reports travel in different queue groups, so the feed can see
    // a later report first: here READ arrives before QUEUED_ON_CHANNEL, both after accepted.
    const at = Date.parse('2026-12-01T10:00:00.000Z');
    const event = (type: string, id: string, seconds: number, data: Record<string, unknown>) => ({
      specversion: '1.0',
      id,
      source: 'test',
      type,
      time: new Date(at + seconds * 1000).toISOString(),
      data: { appId: appId(), ...data },
    });
    const events = [
      event('sinch.bridge.outbound.accepted', 'order-acc', 0, { id: 'browser-order', messageId: 'M-ORDER' }),
      event('sinch.conversation.message_delivery', 'order-read', 2, {
        correlationId: 'browser-order',
        status: 'READ',
      }),
      event('sinch.conversation.message_delivery', 'order-queued', 1, {
        correlationId: 'browser-order',
        status: 'QUEUED_ON_CHANNEL',
      }),
    ];
    for (const e of events) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: bridge.queueUrls.events,
          MessageBody: JSON.stringify(e),
          MessageGroupId: e.id,
          MessageDeduplicationId: e.id,
        }),
      );
    }
    const timeline = page.locator('li.command[data-id="browser-order"] .timeline');
    await expect
      .poll(() => timeline.locator('li').allTextContents(), { timeout: 30_000 })
      .toEqual([
        expect.stringMatching(/^accepted/),
        expect.stringMatching(/^QUEUED_ON_CHANNEL/),
        expect.stringMatching(/^READ/),
      ]);
  });

  it('took nothing from the events queue: its consumer still receives every event the console showed', async () => {
    const shown = bridge.eventFeed.since(0, ['events']).events.length;
    const received: TailedEvent[] = [];
    await followEvents({
      sqs,
      queueUrl: bridge.queueUrls.events,
      onEvent: (e) => received.push(e),
      limit: shown,
      idleSeconds: 5,
    });
    expect(shown).toBeGreaterThanOrEqual(6);
    expect(received).toHaveLength(shown);
  });
});

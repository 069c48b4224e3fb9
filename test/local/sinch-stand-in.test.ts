import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifySinchSignature } from '../../functions/sinch/signature';
import { RECIPIENT_SCRIPTS, recipientScriptOf } from '../../local/sinch/recipient-scripts';
import {
  answers,
  type CallbackTarget,
  type SinchStandIn,
  startSinchStandIn,
} from '../../local/sinch/sinch-stand-in';

/** A webhook on loopback that keeps what Sinch posted and whether its signature held. */
interface Received {
  appId: string;
  // biome-ignore lint/suspicious/noExplicitAny: a callback body, read field by field in assertions
  body: Record<string, any>;
  signed: boolean;
}

describe('the built-in Sinch stand-in', () => {
  const appId = '01HZZZZZZZZZZZZZZZZZZZZZZZ';
  const secret = 'stand-in-test-secret';
  let sinch: SinchStandIn;
  let webhook: Server;
  let received: Received[] = [];
  let webhookStatus = 200;
  let target: CallbackTarget;

  beforeAll(async () => {
    webhook = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        received.push({
          appId: req.url!.split('/').pop()!,
          body: JSON.parse(raw.toString('utf8')),
          signed: verifySinchSignature({ headers, body: raw, secrets: [secret] }).ok,
        });
        res.writeHead(webhookStatus).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const port = (webhook.address() as AddressInfo).port;
    target = {
      url: (app) => (app === appId ? `http://127.0.0.1:${port}/webhooks/${app}` : undefined),
      secret: () => secret,
    };
    sinch = await startSinchStandIn({ projectId: 'p1', reportDelaysMs: [5], callbacks: target });
  });
  afterAll(async () => {
    await sinch?.close();
    await new Promise((resolve) => webhook?.close(resolve));
  });
  beforeEach(() => {
    sinch.reset();
    received = [];
    webhookStatus = 200;
  });

  const token = async (): Promise<string> => {
    const answer = await fetch(sinch.authUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${sinch.keyId}:${sinch.keySecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    return ((await answer.json()) as { access_token: string }).access_token;
  };
  const send = async (body: unknown) => {
    const answer = await fetch(`${sinch.apiUrl}/v1/projects/p1/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: Sinch's answer, read field by field in assertions
    return { status: answer.status, body: (await answer.json()) as Record<string, any> };
  };
  const textTo = (identity: string, extra: Record<string, unknown> = {}) => ({
    app_id: appId,
    recipient: { identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity }] } },
    message: { text_message: { text: 'hi' } },
    correlation_id: 'order-42',
    message_metadata: 'meta-42',
    ...extra,
  });

  it('accepts a send, then posts signed QUEUED_ON_CHANNEL, DELIVERED and READ with correlation_id and metadata echoed', async () => {
    // Act
    const answer = await send(textTo('+46700000000'));
    await sinch.reportsSettled();
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      message_id: expect.stringMatching(/^01[0-9A-Z]{24}$/),
      accepted_time: expect.any(String),
    });
    expect(received.map((r) => r.body.message_delivery_report.status)).toEqual([
      'QUEUED_ON_CHANNEL',
      'DELIVERED',
      'READ',
    ]);
    expect(received.every((r) => r.signed && r.appId === appId)).toBe(true);
    expect(received[0]!.body).toEqual({
      app_id: appId,
      accepted_time: expect.any(String),
      event_time: expect.any(String),
      project_id: 'p1',
      message_metadata: '',
      correlation_id: 'order-42',
      message_delivery_report: {
        message_id: answer.body.message_id,
        conversation_id: '',
        status: 'QUEUED_ON_CHANNEL',
        channel_identity: { channel: 'WHATSAPP', identity: '+46700000000', app_id: '' },
        contact_id: '',
        metadata: 'meta-42',
        processing_mode: 'DISPATCH',
      },
    });
    expect(sinch.deliveryReports().map((r) => [r.status, r.answer])).toEqual([
      ['QUEUED_ON_CHANNEL', 200],
      ['DELIVERED', 200],
      ['READ', 200],
    ]);
  });

  it('reports on the channel of channel_priority_order when several identities are given', async () => {
    await send(
      textTo('+46700000000', {
        recipient: {
          identified_by: {
            channel_identities: [
              { channel: 'WHATSAPP', identity: '+46700000000' },
              { channel: 'SMS', identity: '+46700000206' },
            ],
          },
        },
        channel_priority_order: ['SMS'],
      }),
    );
    await sinch.reportsSettled();
    expect(received.map((r) => r.body.message_delivery_report.channel_identity.channel)).toEqual([
      'SMS',
      'SMS',
    ]);
  });

  it('answers 400 INVALID_ARGUMENT naming the field, in Sinch error shape, and posts nothing', async () => {
    const unknownChannel = await send({
      ...textTo('+46700000000'),
      recipient: { identified_by: { channel_identities: [{ channel: 'CARRIER_PIGEON', identity: '1' }] } },
    });
    const twoKinds = await send({
      ...textTo('+46700000000'),
      message: { text_message: { text: 'a' }, media_message: { url: 'https://x' } },
    });
    const unknownField = await send({ ...textTo('+46700000000'), colour: 'blue' });
    await sinch.reportsSettled();
    expect(unknownChannel).toEqual({
      status: 400,
      body: {
        error: {
          code: 400,
          message: expect.stringContaining('recipient.identified_by.channel_identities.0.channel'),
          status: 'INVALID_ARGUMENT',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.BadRequest',
              field_violations: [
                {
                  field: 'recipient.identified_by.channel_identities.0.channel',
                  description: expect.stringContaining('CARRIER_PIGEON'),
                },
              ],
            },
          ],
        },
      },
    });
    expect(twoKinds.status).toBe(400);
    expect(unknownField.status).toBe(400);
    expect(received).toEqual([]);
  });

  it('refuses a wrong project, a missing token and a wrong key like Sinch', async () => {
    const wrongProject = await fetch(`${sinch.apiUrl}/v1/projects/other/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token()}` },
      body: JSON.stringify(textTo('+46700000000')),
    });
    const noToken = await fetch(`${sinch.apiUrl}/v1/projects/p1/messages:send`, {
      method: 'POST',
      body: '{}',
    });
    const wrongKey = await fetch(sinch.authUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('x:y').toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(wrongProject.status).toBe(404);
    expect(((await wrongProject.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND');
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect(wrongKey.status).toBe(401);
  });

  it.each([
    ['+46700000400', 400, 'INVALID_ARGUMENT'],
    ['+46700000403', 403, 'PERMISSION_DENIED'],
    ['+46700000404', 404, 'NOT_FOUND'],
    ['+46700000503', 503, 'UNAVAILABLE'],
    ['+46700001429', 429, 'RESOURCE_EXHAUSTED'],
  ])('answers a send to %s with %i %s, every time', async (identity, status, name) => {
    const first = await send(textTo(identity));
    const second = await send(textTo(identity));
    expect([first.status, second.status]).toEqual([status, status]);
    expect(first.body.error).toMatchObject({ code: status, status: name });
  });

  it('counts the sends it accepted as sends() shows them, and forgets them on reset', async () => {
    await send(textTo('+46700000000'));
    await send(textTo('+46700000400'));
    await send(textTo('+46700000429'));
    await send(textTo('+46700000429'));
    await send({ ...textTo('+46700000000'), unknown_field: 1 });
    const acceptedInSends = sinch.sends().filter((s) => s.outcome === 'accepted').length;
    expect(sinch.acceptedSends()).toBe(2);
    expect(sinch.acceptedSends()).toBe(acceptedInSends);
    // The accepted sends' reports go out before the next test starts listening.
    await sinch.reportsSettled();
    sinch.reset();
    expect(sinch.acceptedSends()).toBe(0);
  });

  it('rate-limits a recipient ending in 0429 once per command, then accepts and delivers', async () => {
    const first = await send(textTo('+46700000429'));
    const retry = await send(textTo('+46700000429'));
    const other = await send(textTo('+46700000429', { correlation_id: 'order-43' }));
    await sinch.reportsSettled();
    expect([first.status, retry.status, other.status]).toEqual([429, 200, 429]);
    expect(received.map((r) => r.body.message_delivery_report.status)).toEqual([
      'QUEUED_ON_CHANNEL',
      'DELIVERED',
      'READ',
    ]);
  });

  it.each([
    ['+46700000410', ['QUEUED_ON_CHANNEL', 'FAILED']],
    ['+46700000202', ['QUEUED_ON_CHANNEL']],
    ['+46700000204', []],
    ['+46700000206', ['QUEUED_ON_CHANNEL', 'DELIVERED']],
  ])('scripts the delivery reports of %s', async (identity, statuses) => {
    const answer = await send(textTo(identity));
    await sinch.reportsSettled();
    expect(answer.status).toBe(200);
    expect(received.map((r) => r.body.message_delivery_report.status)).toEqual(statuses);
    if (statuses.includes('FAILED')) {
      expect(received.at(-1)!.body.message_delivery_report.reason).toEqual({
        code: 'RECIPIENT_NOT_REACHABLE',
        description: expect.any(String),
        sub_code: 'UNSPECIFIED_SUB_CODE',
      });
    }
  });

  it('retries a report the webhook refused, as Sinch retries non-2xx answers', async () => {
    webhookStatus = 500;
    setTimeout(() => {
      webhookStatus = 200;
    }, 300);
    await send(textTo('+46700000202'));
    await sinch.reportsSettled();
    const [report] = sinch.deliveryReports();
    expect(report!.attempts).toBeGreaterThan(1);
    expect(report!.answer).toBe(200);
  });

  it('posts no reports for an app without a webhook, and lets per-command scripts win over recipient scripts', async () => {
    sinch.scriptFor('order-42', answers.ok());
    const scripted = await send(textTo('+46700000400'));
    const noWebhook = await send({ ...textTo('+46700000000'), app_id: '01HOTHERAPPXXXXXXXXXXXXXXX' });
    await sinch.reportsSettled();
    expect(scripted.status).toBe(200);
    expect(noWebhook.status).toBe(200);
    expect(received.every((r) => r.appId === appId)).toBe(true);
  });

  describe('a report target set after a send', () => {
    let late: SinchStandIn;
    afterAll(async () => {
      await late?.close();
    });
    const sendTo = async (standIn: SinchStandIn) => {
      const auth = await fetch(standIn.authUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${standIn.keyId}:${standIn.keySecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      const { access_token } = (await auth.json()) as { access_token: string };
      const answer = await fetch(`${standIn.apiUrl}/v1/projects/${standIn.projectId}/messages:send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify(textTo('+46700000000')),
      });
      expect(answer.status).toBe(200);
    };

    it('gets the reports that were not due yet, as if it had been set all along', async () => {
      late = await startSinchStandIn({ projectId: 'p-late', reportDelaysMs: [1500, 5] });
      await sendTo(late);
      late.deliverTo(target);
      await late.reportsSettled();
      expect(received.map((r) => r.body.message_delivery_report.status)).toEqual([
        'QUEUED_ON_CHANNEL',
        'DELIVERED',
        'READ',
      ]);
      await late.close();
    });

    it('gets none of the reports that fell due before it, and reportsSettled waits for them', async () => {
      late = await startSinchStandIn({ projectId: 'p-late', reportDelaysMs: [300, 5] });
      await sendTo(late);
      await late.reportsSettled();
      late.deliverTo(target);
      await late.reportsSettled();
      expect(received).toEqual([]);
      expect(late.deliveryReports()).toEqual([]);
      await late.close();
    });
  });

  it('gives every documented ending one script, and every other number the normal life', () => {
    const endings = RECIPIENT_SCRIPTS.map((s) => s.ending);
    expect(new Set(endings).size).toBe(endings.length);
    for (const { ending, script } of RECIPIENT_SCRIPTS)
      expect(recipientScriptOf(`+4670000${ending}`)).toBe(script);
    expect(recipientScriptOf('+46700000000').reports).toEqual(['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ']);
    expect(recipientScriptOf('abc').send).toBe('accept');
  });
});

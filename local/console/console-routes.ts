import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { signSinchCallback } from '../../functions/sinch/signature';
import { messageDeliveryCallback, sinchLikeId } from '../sinch/delivery-reports';
import { messageInboundTextCallback } from '../sinch/inbound-callbacks';
import { listDeadLetters, redriveDeadLetters } from './dead-letters';
import { type EventFeed, QUEUE_ROLES, type QueueRole } from './event-feed';

/** What the console's pages and API need from the running bridge. */
export interface ConsoleContext {
  feed: EventFeed;
  projectId: string;
  sinchRegion: string;
  sinchMode: 'stand-in' | 'real';
  /** Apps and their secrets (current first). */
  secrets: Record<string, string | string[]>;
  /** `http://127.0.0.1:<port>`, known once the server listens. */
  baseUrl(): string;
  queueUrls: Record<QueueRole, string>;
  /** A client of the local SQS server itself (not through any proxy). */
  sqs: SQSClient;
}

/** The console's static files: plain HTML, CSS and JavaScript modules, no build step. */
const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};
const PUBLIC_DIR = new URL('./public/', import.meta.url);

const json = (res: ServerResponse, status: number, value: unknown) => {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
};

const readBody = (req: IncomingMessage, limit = 300 * 1024): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** Queue roles from `?queue=events,outbound` or `all`; default the events queue. */
function queuesOf(param: string | null): QueueRole[] | undefined {
  if (!param) return ['events'];
  if (param === 'all') return [...QUEUE_ROLES];
  const asked = param.split(',').map((q) => q.trim());
  return asked.every((q) => (QUEUE_ROLES as readonly string[]).includes(q))
    ? (asked as QueueRole[])
    : undefined;
}

/**
 * The local bridge's console and its API, mounted beside the webhook:
 * `GET /console` (the page), `GET /local/info`, `GET /local/events` (long poll),
 * `GET /local/events/stream` (Server-Sent Events), `GET /local/dlq`, `POST /local/dlq/redrive`,
 * `POST /local/simulate`. Loopback only by default; requests that change something must be JSON
 * from this origin, so another web page in the same browser cannot post to them.
 *
 * @example
 * startApiGatewayServer(handler, { localRoutes: [consoleRoutes(context)] });
 */
export function consoleRoutes(ctx: ConsoleContext): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname;
    if (!(path === '/console' || path.startsWith('/console/') || path.startsWith('/local/'))) return false;
    const method = req.method ?? 'GET';
    const fail = (error: unknown) => json(res, 500, { error: (error as Error).message });

    const page = STATIC_FILES[path];
    if (page && method === 'GET') {
      readFile(new URL(page.file, PUBLIC_DIR)).then((body) => {
        res.writeHead(200, {
          'content-type': page.type,
          'cache-control': 'no-cache',
          'content-security-policy':
            "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:",
          'x-content-type-options': 'nosniff',
        });
        res.end(body);
      }, fail);
      return true;
    }

    if (method === 'POST') {
      // A cross-site form or fetch cannot send application/json without a preflight, which this
      // server never grants; an Origin, when sent, must be this server.
      const origin = req.headers.origin;
      if (
        !/^application\/json\b/.test(req.headers['content-type'] ?? '') ||
        (origin && origin !== ctx.baseUrl())
      ) {
        json(res, 403, { error: 'POST JSON from the console page only' });
        return true;
      }
    }

    if (path === '/local/info' && method === 'GET') {
      json(res, 200, {
        projectId: ctx.projectId,
        sinchRegion: ctx.sinchRegion,
        sinchMode: ctx.sinchMode,
        apps: Object.keys(ctx.secrets),
        queueUrls: ctx.queueUrls,
      });
      return true;
    }

    if (path === '/local/events' && method === 'GET') {
      const queues = queuesOf(url.searchParams.get('queue'));
      const after = Number(url.searchParams.get('after') ?? '0');
      const waitSeconds = Math.min(20, Math.max(0, Number(url.searchParams.get('waitSeconds') ?? '0')));
      if (!queues || !Number.isInteger(after) || after < 0 || Number.isNaN(waitSeconds)) {
        json(res, 400, {
          error: 'after=<seq>, waitSeconds=0..20, queue=events|eventsDlq|outbound|outboundDlq|all',
        });
        return true;
      }
      const closed = new AbortController();
      res.on('close', () => closed.abort());
      ctx.feed.wait(after, queues, waitSeconds * 1000, closed.signal).then((page) => {
        if (!res.destroyed) json(res, 200, page);
      }, fail);
      return true;
    }

    if (path === '/local/events/stream' && method === 'GET') {
      const queues = queuesOf(url.searchParams.get('queue'));
      if (!queues) {
        json(res, 400, { error: 'queue=events|eventsDlq|outbound|outboundDlq|all' });
        return true;
      }
      const lastId = Number(req.headers['last-event-id'] ?? url.searchParams.get('after') ?? '0') || 0;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      // Headers now, so the page knows it is connected before the first entry.
      res.write(': connected\n\n');
      const send = (entry: { seq: number }) =>
        res.write(`id: ${entry.seq}\nevent: entry\ndata: ${JSON.stringify(entry)}\n\n`);
      for (const entry of ctx.feed.since(lastId, queues).events) send(entry);
      const unsubscribe = ctx.feed.subscribe((entry) => {
        if (queues.includes(entry.queue)) send(entry);
      });
      // A comment line now and then keeps proxies and idle timers from closing the stream.
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      res.on('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
      });
      return true;
    }

    if (path === '/local/dlq' && method === 'GET') {
      Promise.all([
        listDeadLetters(ctx.sqs, ctx.queueUrls.outboundDlq),
        listDeadLetters(ctx.sqs, ctx.queueUrls.eventsDlq),
      ]).then(([outbound, events]) => json(res, 200, { outboundDlq: outbound, eventsDlq: events }), fail);
      return true;
    }

    if (path === '/local/dlq/redrive' && method === 'POST') {
      readBody(req)
        .then(async (text) => {
          const input = JSON.parse(text || '{}') as { queue?: string; messageId?: string };
          const queue = input.queue ?? 'outboundDlq';
          if (queue !== 'outboundDlq' && queue !== 'eventsDlq') {
            return json(res, 400, { error: 'queue must be outboundDlq or eventsDlq' });
          }
          const result = await redriveDeadLetters(ctx.sqs, {
            dlqUrl: ctx.queueUrls[queue],
            sourceUrl: ctx.queueUrls[queue === 'outboundDlq' ? 'outbound' : 'events'],
            ...(input.messageId ? { messageId: input.messageId } : {}),
          });
          json(res, 200, result);
        })
        .catch(fail);
      return true;
    }

    if (path === '/local/simulate' && method === 'POST') {
      readBody(req)
        .then(async (text) => json(res, 200, await simulate(ctx, JSON.parse(text || '{}'))))
        .catch((error: unknown) => json(res, 400, { error: (error as Error).message }));
      return true;
    }

    json(res, 404, { error: `no console route ${method} ${path}` });
    return true;
  };
}

/** What the console's form sends to `POST /local/simulate`. */
export interface SimulateRequest {
  appId?: string;
  trigger?: 'MESSAGE_INBOUND' | 'MESSAGE_DELIVERY' | 'RAW';
  channel?: string;
  identity?: string;
  text?: string;
  status?: 'QUEUED_ON_CHANNEL' | 'DELIVERED' | 'READ' | 'FAILED';
  messageId?: string;
  correlationId?: string;
  /** For `RAW`: the callback body, posted as is. */
  body?: string;
  /** Post it unsigned (to see the webhook's 401). */
  unsigned?: boolean;
}

/**
 * Builds a callback as Sinch would send it, signs it with the app's current secret and posts it
 * to this bridge's webhook; answers what the webhook answered.
 */
async function simulate(ctx: ConsoleContext, input: SimulateRequest) {
  const appId = input.appId ?? Object.keys(ctx.secrets)[0]!;
  if (!Object.hasOwn(ctx.secrets, appId)) throw new Error(`unknown app ${appId}`);
  const channel = input.channel || 'WHATSAPP';
  const identity = input.identity || '+46700000000';
  let body: string;
  switch (input.trigger ?? 'MESSAGE_INBOUND') {
    case 'MESSAGE_INBOUND':
      body = JSON.stringify(
        messageInboundTextCallback({
          projectId: ctx.projectId,
          appId,
          channel,
          identity,
          text: input.text ?? 'hello',
        }),
      );
      break;
    case 'MESSAGE_DELIVERY':
      body = JSON.stringify(
        messageDeliveryCallback(
          {
            projectId: ctx.projectId,
            appId,
            messageId: input.messageId || sinchLikeId(),
            correlationId: input.correlationId || undefined,
            channelIdentity: { channel, identity },
          },
          {
            status: input.status ?? 'DELIVERED',
            ...(input.status === 'FAILED'
              ? { reason: { code: 'RECIPIENT_NOT_REACHABLE', description: 'simulated from the console' } }
              : {}),
          },
        ),
      );
      break;
    case 'RAW':
      if (!input.body) throw new Error('RAW needs a body');
      body = input.body;
      break;
    default:
      throw new Error(`unknown trigger ${String(input.trigger)}`);
  }
  const stored = ctx.secrets[appId]!;
  const secret = Array.isArray(stored) ? stored[0]! : stored;
  const answer = await fetch(`${ctx.baseUrl()}/webhooks/${appId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(input.unsigned ? {} : signSinchCallback({ secret, body })),
    },
    body,
  });
  return { status: answer.status, answer: await answer.text(), body };
}

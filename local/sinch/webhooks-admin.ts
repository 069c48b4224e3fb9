/**
 * The Conversation API's webhook and app administration, in memory: the built-in Sinch stand-in
 * serves one (`standIn.admin`), and tests mount their own as extra routes
 * (`startSinchDouble({ routes: [webhooks.route] })`). Answers like Sinch:
 *
 * - `GET /v1/projects/{p}/apps/{app}/webhooks` -> `{ webhooks: [...] }`
 * - `POST /v1/projects/{p}/webhooks` -> the created webhook; 400 when the app already has 5
 *   webhooks or one with the same target, or the body is invalid
 * - `GET|PATCH|DELETE /v1/projects/{p}/webhooks/{id}` (PATCH honours `update_mask`) -> 404 when unknown
 * - `GET|PATCH /v1/projects/{p}/apps/{app}` (PATCH honours `update_mask`; the bridge sets
 *   `callback_settings.secret_for_overridden_callback_urls`) -> 404 for an app it does not know
 *   (known: seeded with `seedApp`, or holding a webhook)
 * - a request without a bearer token -> 401; another project -> 404
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WEBHOOK_TRIGGERS } from '../../functions/sinch/webhooks-api';
import type { ExtraRoute } from './sinch-stand-in';

export interface StoredWebhook {
  id: string;
  app_id: string;
  target: string;
  target_type: string;
  secret: string;
  triggers: string[];
}

/** An app as the apps API returns it (the fields the bridge reads and writes). */
export interface StoredApp {
  id: string;
  display_name: string;
  callback_settings: { secret_for_overridden_callback_urls?: string };
}

export interface SinchWebhooksRoutes {
  route: ExtraRoute;
  /** Apps known to the apps API, by id. */
  apps: Map<string, StoredApp>;
  /** Makes an app known (as if created in the dashboard), optionally with its callback URL secret. */
  seedApp(appId: string, settings?: { callbackUrlSecret?: string }): StoredApp;
  /** Every stored webhook, by id. */
  webhooks: Map<string, StoredWebhook>;
  /** Webhooks of one app. */
  ofApp(appId: string): StoredWebhook[];
  /** Puts a webhook in place as if created earlier (e.g. by hand in the dashboard). */
  seed(webhook: Omit<StoredWebhook, 'id' | 'target_type'> & { id?: string }): StoredWebhook;
  /** Admin calls received (method and path with query), in order. */
  calls: Array<{ method: string; path: string; body: unknown }>;
  /** Answers the next admin calls with these statuses (Sinch error bodies), in order. */
  failNext(...statuses: number[]): void;
}

const MAX_PER_APP = 5;
const KNOWN_TRIGGERS = new Set<string>(WEBHOOK_TRIGGERS);

function webhookId(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return `01${[...randomBytes(24)].map((b) => alphabet[b % 32]).join('')}`;
}

function answer(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}

function sinchError(res: ServerResponse, status: number, message: string): true {
  const names: Record<number, string> = {
    400: 'INVALID_ARGUMENT',
    401: 'UNAUTHENTICATED',
    404: 'NOT_FOUND',
    429: 'RESOURCE_EXHAUSTED',
    500: 'INTERNAL',
    503: 'UNAVAILABLE',
  };
  return answer(res, status, {
    error: { code: status, message, status: names[status] ?? 'UNKNOWN', details: [] },
  });
}

/**
 * @example
 * const webhooks = sinchWebhooksRoutes({ projectId: 'p' });
 * const sinch = await startSinchDouble({ projectId: 'p', routes: [webhooks.route] });
 */
export function sinchWebhooksRoutes(options: { projectId: string }): SinchWebhooksRoutes {
  const webhooks = new Map<string, StoredWebhook>();
  const calls: SinchWebhooksRoutes['calls'] = [];
  const apps = new Map<string, StoredApp>();
  const appOf = (appId: string): StoredApp | undefined => {
    const known = apps.get(appId);
    if (known || ofApp(appId).length === 0) return known;
    const app: StoredApp = { id: appId, display_name: appId, callback_settings: {} };
    apps.set(appId, app);
    return app;
  };
  const failures: number[] = [];
  const ofApp = (appId: string) => [...webhooks.values()].filter((w) => w.app_id === appId);

  const validate = (candidate: StoredWebhook): string | undefined => {
    if (!candidate.app_id) return 'app_id is required';
    if (!/^https?:\/\//.test(candidate.target) || candidate.target.length > 742) return 'invalid target';
    if (/conversation-api\.[a-z]+\.sinch\.com/.test(candidate.target)) return 'forbidden target';
    if (candidate.triggers.length === 0) return 'at least one trigger is required';
    const unknown = candidate.triggers.find((t) => !KNOWN_TRIGGERS.has(t));
    if (unknown) return `invalid trigger ${unknown}`;
    const clash = ofApp(candidate.app_id).find((w) => w.target === candidate.target && w.id !== candidate.id);
    if (clash) return `webhook with target ${candidate.target} already exists for app ${candidate.app_id}`;
    return undefined;
  };

  const route: ExtraRoute = (req: IncomingMessage, res: ServerResponse, rawBody: string) => {
    const url = new URL(req.url ?? '/', 'http://double');
    const list = /^\/v1\/projects\/([^/]+)\/apps\/([^/]+)\/webhooks$/.exec(url.pathname);
    const collection = /^\/v1\/projects\/([^/]+)\/webhooks$/.exec(url.pathname);
    const item = /^\/v1\/projects\/([^/]+)\/webhooks\/([^/]+)$/.exec(url.pathname);
    const appItem = /^\/v1\/projects\/([^/]+)\/apps\/([^/]+)$/.exec(url.pathname);
    const match = list ?? collection ?? item ?? appItem;
    if (!match) return false;

    let body: Record<string, unknown> = {};
    try {
      body = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : {};
    } catch {
      return sinchError(res, 400, 'body is not JSON');
    }
    calls.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, body });
    if (!/^Bearer .+/.test(req.headers.authorization ?? '')) return sinchError(res, 401, 'missing token');
    if (decodeURIComponent(match[1]!) !== options.projectId) return sinchError(res, 404, 'project not found');
    const failure = failures.shift();
    if (failure) return sinchError(res, failure, `scripted ${failure}`);

    if (appItem) {
      const app = appOf(decodeURIComponent(appItem[2]!));
      if (!app) return sinchError(res, 404, 'app not found');
      if (req.method === 'GET') return answer(res, 200, app);
      if (req.method !== 'PATCH') return sinchError(res, 404, `no route ${req.method} ${url.pathname}`);
      const mask = (url.searchParams.get('update_mask') ?? '').split(',').filter(Boolean);
      const fields = mask.length > 0 ? mask : Object.keys(body);
      const updated: StoredApp = { ...app, callback_settings: { ...app.callback_settings } };
      for (const field of fields) {
        const [top, sub] = field.split('.');
        if (top === 'display_name' && typeof body.display_name === 'string') {
          updated.display_name = body.display_name;
        } else if (top === 'callback_settings') {
          const settings = body.callback_settings;
          if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
            return sinchError(res, 400, 'callback_settings must be an object');
          }
          const secret = (settings as Record<string, unknown>).secret_for_overridden_callback_urls;
          if (secret !== undefined && typeof secret !== 'string') {
            return sinchError(
              res,
              400,
              'callback_settings.secret_for_overridden_callback_urls must be a string',
            );
          }
          if (sub === undefined || sub === 'secret_for_overridden_callback_urls') {
            updated.callback_settings =
              typeof secret === 'string' ? { secret_for_overridden_callback_urls: secret } : {};
          } else {
            return sinchError(res, 400, `invalid update_mask ${field}`);
          }
        } else if (mask.length > 0) {
          return sinchError(res, 400, `invalid update_mask ${field}`);
        }
      }
      apps.set(updated.id, updated);
      return answer(res, 200, updated);
    }
    if (list && req.method === 'GET') {
      return answer(res, 200, { webhooks: ofApp(decodeURIComponent(list[2]!)) });
    }
    if (collection && req.method === 'POST') {
      const candidate: StoredWebhook = {
        id: webhookId(),
        app_id: String(body.app_id ?? ''),
        target: String(body.target ?? ''),
        target_type: String(body.target_type ?? 'DISMISS'),
        secret: String(body.secret ?? ''),
        triggers: Array.isArray(body.triggers) ? body.triggers.map(String) : [],
      };
      const invalid = validate(candidate);
      if (invalid) return sinchError(res, 400, invalid);
      if (ofApp(candidate.app_id).length >= MAX_PER_APP) {
        return sinchError(
          res,
          400,
          `app ${candidate.app_id} has reached the maximum of ${MAX_PER_APP} webhooks`,
        );
      }
      webhooks.set(candidate.id, candidate);
      return answer(res, 200, candidate);
    }
    if (item) {
      const existing = webhooks.get(decodeURIComponent(item[2]!));
      if (!existing) return sinchError(res, 404, 'webhook not found');
      if (req.method === 'GET') return answer(res, 200, existing);
      if (req.method === 'DELETE') {
        webhooks.delete(existing.id);
        return answer(res, 200, {});
      }
      if (req.method === 'PATCH') {
        const mask = (url.searchParams.get('update_mask') ?? '').split(',').filter(Boolean);
        const fields = mask.length > 0 ? mask : Object.keys(body);
        const updated: StoredWebhook = { ...existing };
        for (const field of fields) {
          if (!(field in body)) continue;
          if (field === 'triggers' && Array.isArray(body.triggers))
            updated.triggers = body.triggers.map(String);
          else if (field === 'target' || field === 'secret' || field === 'target_type') {
            updated[field] = String(body[field]);
          }
        }
        const invalid = validate(updated);
        if (invalid) return sinchError(res, 400, invalid);
        webhooks.set(updated.id, updated);
        return answer(res, 200, updated);
      }
    }
    return sinchError(res, 404, `no route ${req.method} ${url.pathname}`);
  };

  return {
    route,
    apps,
    seedApp: (appId, settings = {}) => {
      const app: StoredApp = {
        id: appId,
        display_name: appId,
        callback_settings: settings.callbackUrlSecret
          ? { secret_for_overridden_callback_urls: settings.callbackUrlSecret }
          : {},
      };
      apps.set(appId, app);
      return app;
    },
    webhooks,
    ofApp,
    calls,
    seed: (webhook) => {
      const stored: StoredWebhook = { target_type: 'HTTP', ...webhook, id: webhook.id ?? webhookId() };
      webhooks.set(stored.id, stored);
      return stored;
    },
    failNext: (...statuses) => {
      failures.push(...statuses);
    },
  };
}

/**
 * Makes each app's Conversation API webhook match what the bridge needs: one webhook per app whose
 * target is the bridge's URL, signed with the bridge's secret, subscribed to the configured
 * triggers. Shared by the deploy-time custom resource and `npm run webhooks -- sync`.
 */
import { isSinchError } from '../sinch/errors';
import {
  MAX_WEBHOOKS_PER_APP,
  type SinchRequester,
  type SinchWebhook,
  SinchWebhooksApi,
} from '../sinch/webhooks-api';
import { readAppEntry } from '../webhook/webhook-secrets-document';

/** The webhook one app should have. */
export interface WebhookSpec {
  appId: string;
  target: string;
  secret: string;
  triggers: string[];
  /**
   * A webhook this bridge registered before (e.g. under an older target): updated in place when no
   * webhook has the target yet, so a changed URL does not cost a second webhook slot.
   */
  previousWebhookId?: string;
}

export type SyncErrorKind = 'webhook_limit' | 'rejected' | 'retryable';

/** What happened (or, on a dry run, would happen) to one app's webhook. */
export interface AppSyncResult {
  appId: string;
  target: string;
  action: 'create' | 'update' | 'none' | 'failed';
  /** The webhook's id, when it exists (after the action, unless a dry run creates). */
  webhookId?: string;
  /** Fields an update changes. */
  changes: Array<'target' | 'secret' | 'triggers' | 'target_type'>;
  error?: { kind: SyncErrorKind; message: string };
}

export interface SyncWebhooksOptions {
  client: SinchRequester;
  apps: WebhookSpec[];
  /** Plan only: read the current webhooks, change nothing. */
  dryRun?: boolean;
}

export interface SyncWebhooksResult {
  dryRun: boolean;
  ok: boolean;
  results: AppSyncResult[];
}

/**
 * Creates or updates one webhook per app, never a duplicate: an existing webhook with the same
 * target is updated (secret, triggers) rather than a new one created. Failures are returned per
 * app as values with a kind; nothing is thrown for a Sinch refusal.
 *
 * @example
 * const result = await syncWebhooks({ client: sinch, apps: [{ appId, target, secret, triggers }], dryRun: true });
 * for (const r of result.results) console.log(r.appId, r.action, r.changes);
 */
export async function syncWebhooks(options: SyncWebhooksOptions): Promise<SyncWebhooksResult> {
  const api = new SinchWebhooksApi(options.client);
  const dryRun = options.dryRun ?? false;
  const results: AppSyncResult[] = [];
  // One app after the other: a project has few apps, and Sinch rate-limits admin calls.
  for (const spec of options.apps) {
    results.push(await syncOne(api, spec, dryRun));
  }
  return { dryRun, ok: results.every((r) => r.action !== 'failed'), results };
}

async function syncOne(api: SinchWebhooksApi, spec: WebhookSpec, dryRun: boolean): Promise<AppSyncResult> {
  const base = { appId: spec.appId, target: spec.target };
  try {
    const existing = await api.list(spec.appId);
    const current =
      existing.find((hook) => hook.target === spec.target) ??
      existing.find((hook) => spec.previousWebhookId !== undefined && hook.id === spec.previousWebhookId);
    if (current) {
      const changes = changedFields(current, spec);
      if (changes.length === 0) return { ...base, action: 'none', webhookId: current.id, changes };
      if (!dryRun) {
        await api.update(current.id, { target: spec.target, secret: spec.secret, triggers: spec.triggers });
      }
      return { ...base, action: 'update', webhookId: current.id, changes };
    }
    if (existing.length >= MAX_WEBHOOKS_PER_APP) {
      return {
        ...base,
        action: 'failed',
        changes: [],
        error: {
          kind: 'webhook_limit',
          message:
            `app ${spec.appId} already has ${existing.length} webhooks, the Conversation API maximum is ` +
            `${MAX_WEBHOOKS_PER_APP}: delete one (Sinch dashboard, Apps, Webhooks) or point one at ${spec.target}`,
        },
      };
    }
    if (dryRun) return { ...base, action: 'create', changes: [] };
    const created = await api.create(spec.appId, {
      target: spec.target,
      secret: spec.secret,
      triggers: spec.triggers,
    });
    return { ...base, action: 'create', webhookId: created.id, changes: [] };
  } catch (error) {
    if (!isSinchError(error)) throw error;
    return {
      ...base,
      action: 'failed',
      changes: [],
      error: { kind: error.kind, message: `Sinch answered for app ${spec.appId}: ${error.message}` },
    };
  }
}

function changedFields(current: SinchWebhook, spec: WebhookSpec): AppSyncResult['changes'] {
  const changes: AppSyncResult['changes'] = [];
  if (current.target !== spec.target) changes.push('target');
  if (current.target_type !== undefined && current.target_type !== 'HTTP') changes.push('target_type');
  // Sinch may mask the secret in answers: anything but our exact secret is rewritten.
  if (current.secret !== spec.secret) changes.push('secret');
  const have = [...(current.triggers ?? [])].sort().join(',');
  const want = [...spec.triggers].sort().join(',');
  if (have !== want) changes.push('triggers');
  return changes;
}

/**
 * Deletes the webhook the bridge registered; an already deleted webhook is not an error.
 *
 * @example
 * await removeWebhook({ client: sinch, webhookId });
 */
export async function removeWebhook(options: {
  client: SinchRequester;
  webhookId: string;
}): Promise<boolean> {
  return new SinchWebhooksApi(options.client).delete(options.webhookId);
}

/**
 * The signing secret Sinch should use for an app, from the webhook secrets JSON (docs/webhook.md, "Configuration"):
 * the string, the first (current) entry of a `[current, previous]` pair, or the current `webhook`
 * secret of the object form.
 *
 * @example
 * currentSecret({ '01H...': ['new', 'old'] }, '01H...'); // 'new'
 */
export function currentSecret(secrets: unknown, appId: string): string | undefined {
  if (typeof secrets !== 'object' || secrets === null || !Object.hasOwn(secrets, appId)) return undefined;
  return readAppEntry((secrets as Record<string, unknown>)[appId])?.webhook[0];
}

/**
 * The Conversation API's webhook administration, typed, on top of `SinchClient.request` (same token
 * handling and error classification as the send path).
 */
// zod/mini: the registration bundle stays small (classic zod is not tree-shaken).
import * as z from 'zod/mini';
import type { SinchClient } from './client';
import { isSinchError } from './errors';

/**
 * Every trigger the Conversation API accepts on a webhook (UNSPECIFIED_TRIGGER is an error
 * there), spelt as Sinch's generated SDKs spell them (Java `EventDestinationTrigger`, .NET
 * `WebhookTrigger`); events use the same names as their type.
 */
export const WEBHOOK_TRIGGERS = [
  'MESSAGE_DELIVERY',
  'MESSAGE_SUBMIT',
  'MESSAGE_INBOUND',
  'EVENT_DELIVERY',
  'EVENT_INBOUND',
  'SMART_CONVERSATION',
  'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
  'CONVERSATION_START',
  'CONVERSATION_STOP',
  'CONVERSATION_DELETE',
  'CONTACT_CREATE',
  'CONTACT_DELETE',
  'CONTACT_MERGE',
  'CONTACT_UPDATE',
  'CONTACT_IDENTITIES_DUPLICATION',
  'UNSUPPORTED',
  'OPT_IN',
  'OPT_OUT',
  'CHANNEL_EVENT',
  'CAPABILITY',
  'RECORD_NOTIFICATION',
  'BATCH_STATUS_UPDATE',
] as const;
export type WebhookTrigger = (typeof WEBHOOK_TRIGGERS)[number];

/** Other spellings seen in Sinch's SDKs, and the trigger each stands for (only the Node SDK says SMART_CONVERSATIONS). */
export const WEBHOOK_TRIGGER_ALIASES = {
  SMART_CONVERSATIONS: 'SMART_CONVERSATION',
} as const satisfies Record<string, WebhookTrigger>;

/** A webhook as the Conversation API returns it (fields we do not use pass through unchecked). */
export const SinchWebhookSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  app_id: z.optional(z.string()),
  target: z.string(),
  target_type: z.optional(z.string()),
  secret: z.optional(z.string()),
  triggers: z.optional(z.array(z.string())),
});
export type SinchWebhook = z.infer<typeof SinchWebhookSchema>;

const WebhookListSchema = z.looseObject({ webhooks: z.optional(z.array(SinchWebhookSchema)) });

/** What this bridge writes on a webhook. */
export interface WebhookFields {
  target: string;
  secret: string;
  triggers: string[];
}

/** The Conversation API allows at most this many webhooks per app. */
export const MAX_WEBHOOKS_PER_APP = 5;

/** The part of `SinchClient` the webhook calls need (a narrower type keeps tests honest). */
export type SinchRequester = Pick<SinchClient, 'request' | 'projectPath'>;

/**
 * @example
 * const webhooks = new SinchWebhooksApi(new SinchClient({ region: 'eu', projectId, credentials }));
 * const existing = await webhooks.list(appId);
 */
export class SinchWebhooksApi {
  readonly #client: SinchRequester;

  constructor(client: SinchRequester) {
    this.#client = client;
  }

  /**
   * Every webhook of one app (`GET /v1/projects/{p}/apps/{app}/webhooks`).
   *
   * @example
   * const hooks = await webhooks.list('01H...');
   */
  async list(appId: string): Promise<SinchWebhook[]> {
    const answer = await this.#client.request<unknown>(
      'GET',
      this.#client.projectPath(`/apps/${encodeURIComponent(appId)}/webhooks`),
    );
    return WebhookListSchema.parse(answer ?? {}).webhooks ?? [];
  }

  /**
   * Creates an HTTP webhook (`POST /v1/projects/{p}/webhooks`).
   *
   * @example
   * const hook = await webhooks.create('01H...', { target, secret, triggers: ['MESSAGE_INBOUND'] });
   */
  async create(appId: string, fields: WebhookFields): Promise<SinchWebhook> {
    const answer = await this.#client.request<unknown>('POST', this.#client.projectPath('/webhooks'), {
      app_id: appId,
      target_type: 'HTTP',
      ...fields,
    });
    return SinchWebhookSchema.parse(answer);
  }

  /**
   * Updates the named fields only (`PATCH .../webhooks/{id}?update_mask=...`).
   *
   * @example
   * await webhooks.update(hook.id, { target, secret, triggers });
   */
  async update(webhookId: string, fields: Partial<WebhookFields>): Promise<SinchWebhook> {
    const body = { target_type: 'HTTP', ...fields };
    const mask = Object.keys(body).join(',');
    const answer = await this.#client.request<unknown>(
      'PATCH',
      this.#client.projectPath(`/webhooks/${encodeURIComponent(webhookId)}?update_mask=${mask}`),
      body,
    );
    return SinchWebhookSchema.parse(answer);
  }

  /**
   * Deletes a webhook; resolves `false` when it was already gone (404).
   *
   * @example
   * await webhooks.delete(hook.id);
   */
  async delete(webhookId: string): Promise<boolean> {
    try {
      await this.#client.request<unknown>(
        'DELETE',
        this.#client.projectPath(`/webhooks/${encodeURIComponent(webhookId)}`),
      );
      return true;
    } catch (error) {
      if (isSinchError(error) && error.status === 404) return false;
      throw error;
    }
  }
}

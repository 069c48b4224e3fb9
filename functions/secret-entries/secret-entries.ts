/**
 * The deploy-time owner of the webhook secrets document (`Custom::WebhookSecretEntries`): it
 * only ever adds what is missing. A configured app without an entry gets a generated secret; an
 * app that asks for a callback URL secret and has none gets one; every existing entry (rotated,
 * hand-written, even malformed) is kept exactly as it is. So no config change (an app added or
 * removed, triggers changed) can rewrite an app's secret or undo a rotation.
 *
 * Entries of apps no longer configured are kept (their webhooks at Sinch are retained too, see
 * the registration), unless `pruneRemovedApps` asks for their removal: the stack sets it with
 * `registration.teardown`, the explicit "delete what I remove" switch.
 *
 * Knows nothing of Lambda or CloudFormation: the handler passes the properties and a client in.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { readAppEntry, toAppEntry } from '../webhook/webhook-secrets-document';
import {
  generateWebhookSecret,
  type SecretsObject,
  updateWebhookSecrets,
} from '../webhook/webhook-secrets-store';

/** The custom resource's properties (CloudFormation passes booleans as strings). */
export const SecretEntriesPropertiesSchema = z.object({
  SecretId: z.string().check(z.minLength(1)),
  AppIds: z.array(z.string().check(z.minLength(1))),
  /** Apps that also get a `secret_for_overridden_callback_urls` (`callbackUrlSecret: true` in the config). */
  CallbackUrlAppIds: z._default(z.array(z.string().check(z.minLength(1))), []),
  PruneRemovedApps: z._default(z.enum(['true', 'false']), 'false'),
  /**
   * Seconds to wait after adding an entry before answering (the webhook's secret cache age plus a
   * margin), so the registration that follows never has Sinch sign with a secret a warm webhook
   * container does not know yet. No wait when nothing was added.
   */
  PropagationSeconds: z._default(z.string().check(z.regex(/^\d{1,4}$/)), '0'),
});
export type SecretEntriesProperties = z.infer<typeof SecretEntriesPropertiesSchema>;

/** What a run changed (app ids only: never a secret). */
export interface EntriesChange {
  /** Apps that got a new entry. */
  added: string[];
  /** Existing apps that got a callback URL secret. */
  addedCallbackUrl: string[];
  /** Entries of apps no longer configured that were dropped (only with `pruneRemovedApps`). */
  removed: string[];
  /** Configured apps whose entry is malformed: kept as they are (the registration then fails for them). */
  malformed: string[];
}

/**
 * The document with the missing entries added (and removed apps dropped when asked), or
 * `undefined` when nothing is missing. Existing entries are never rewritten.
 *
 * @example
 * withAppEntries({ A: ['new', 'old'] }, { appIds: ['A', 'B'], callbackUrlAppIds: [], prune: false }, gen);
 * // next: { A: ['new', 'old'], B: '<generated>' }, change.added: ['B']
 */
export function withAppEntries(
  document: SecretsObject,
  spec: { appIds: string[]; callbackUrlAppIds: string[]; prune: boolean },
  generate: () => string = generateWebhookSecret,
): { next: SecretsObject | undefined; change: EntriesChange } {
  const change: EntriesChange = { added: [], addedCallbackUrl: [], removed: [], malformed: [] };
  const next = Object.assign(Object.create(null), document) as SecretsObject;
  const wantsCallbackUrl = new Set(spec.callbackUrlAppIds);
  for (const appId of spec.appIds) {
    if (!Object.hasOwn(next, appId)) {
      next[appId] = toAppEntry({
        webhook: [generate()],
        callbackUrl: wantsCallbackUrl.has(appId) ? [generate()] : [],
      });
      change.added.push(appId);
      continue;
    }
    const entry = readAppEntry(next[appId]);
    if (!entry) {
      change.malformed.push(appId);
      continue;
    }
    if (wantsCallbackUrl.has(appId) && entry.callbackUrl.length === 0) {
      next[appId] = toAppEntry({ webhook: entry.webhook, callbackUrl: [generate()] });
      change.addedCallbackUrl.push(appId);
    }
  }
  if (spec.prune) {
    const configured = new Set(spec.appIds);
    for (const appId of Object.keys(next)) {
      if (!configured.has(appId)) {
        delete next[appId];
        change.removed.push(appId);
      }
    }
  }
  const changed = change.added.length + change.addedCallbackUrl.length + change.removed.length > 0;
  return { next: changed ? next : undefined, change };
}

/**
 * Brings the secret in line with the configured apps (adding only), with a compare-and-swap write
 * so a rotation running at the same time is never undone; then, when it added a secret, waits
 * `PropagationSeconds` so every webhook container knows it before Sinch is told.
 *
 * @example
 * const change = await ensureSecretEntries(new SecretsManagerClient({}), props);
 */
export async function ensureSecretEntries(
  client: Pick<SecretsManagerClient, 'send'>,
  props: SecretEntriesProperties,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<EntriesChange> {
  const { result } = await updateWebhookSecrets({
    client,
    secretId: props.SecretId,
    change: (current) => {
      const { next, change } = withAppEntries(current, {
        appIds: props.AppIds,
        callbackUrlAppIds: props.CallbackUrlAppIds,
        prune: props.PruneRemovedApps === 'true',
      });
      return { next, result: change };
    },
  });
  if (result.added.length + result.addedCallbackUrl.length > 0)
    await sleep(Number(props.PropagationSeconds) * 1000);
  return result;
}

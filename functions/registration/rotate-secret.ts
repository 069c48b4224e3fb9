/**
 * Rotates one app's secret end to end, without a window in which a correctly signed callback is
 * refused (`sinch-bridge webhooks rotate`):
 *
 * 1. store `[new, current]` in the webhook secrets (compare-and-swap: a deploy adding apps at the
 *    same time is not undone, and is not undone by it);
 * 2. wait `propagationMs` (the webhook's cache age, `SECRETS_MAX_AGE_SECONDS`), so every warm
 *    webhook container accepts the new secret before Sinch signs with it;
 * 3. tell Sinch: the app's webhook(s) pointing at the bridge get the new `secret`, or, for the
 *    callback URL secret, the app's `callback_settings.secret_for_overridden_callback_urls`;
 * 4. wait `graceMs`, for callbacks Sinch signed with the old secret before the change (retries
 *    included) to arrive;
 * 5. drop the old secret.
 *
 * An interrupted rotation is resumed by running it again: a stored pair is never stacked with a
 * third secret, its new secret is sent to Sinch again (idempotent), then the old one is dropped.
 * `finish` alone (step 5) first checks, when Sinch shows it, that Sinch already uses the new
 * secret, so the old one is never dropped while Sinch still signs with it.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SinchAppsApi } from '../sinch/apps-api';
import { type SinchRequester, SinchWebhooksApi } from '../sinch/webhooks-api';
import {
  beginRotation,
  finishRotation,
  readAppEntry,
  type SecretKind,
  toAppEntry,
} from '../webhook/webhook-secrets-document';
import {
  generateWebhookSecret,
  readWebhookSecrets,
  updateWebhookSecrets,
} from '../webhook/webhook-secrets-store';

export interface RotateSecretOptions {
  secrets: Pick<SecretsManagerClient, 'send'>;
  /** The webhook secrets' Secrets Manager id or ARN. */
  secretId: string;
  sinch: SinchRequester;
  appId: string;
  /** @default 'webhook' */
  kind?: SecretKind;
  /** The bridge's webhook URL for the app: only Sinch webhooks with this target are updated. */
  target: string;
  /** `all` (steps 1-5), `start` (steps 1-3) or `finish` (step 5). @default 'all' */
  phase?: 'all' | 'start' | 'finish';
  /** Step 2's wait, in ms. */
  propagationMs: number;
  /** Step 4's wait, in ms. */
  graceMs: number;
  /** Told about each step (never a secret). */
  progress?: (step: RotationProgress) => void | Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  /** @default generateWebhookSecret */
  generate?: () => string;
}

export type RotationProgress =
  | { step: 'stored'; appId: string; kind: SecretKind; resumed: boolean }
  | { step: 'propagating'; appId: string; waitMs: number }
  | { step: 'sinch_updated'; appId: string; kind: SecretKind; webhookIds: string[] }
  | { step: 'grace'; appId: string; waitMs: number }
  | { step: 'finished'; appId: string; kind: SecretKind; dropped: boolean };

/** A rotation step failed; the message says what to do and never quotes a secret. */
export class RotationError extends Error {
  override name = 'RotationError';
  constructor(
    readonly kind: 'unknown_app' | 'malformed_entry' | 'no_webhook' | 'sinch_not_updated' | 'sinch_failed',
    message: string,
  ) {
    super(message);
  }
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs the rotation (or the asked phase of it).
 *
 * @example
 * await rotateAppSecret({ secrets, secretId, sinch, appId, target: `${base}/webhooks/${appId}`,
 *   propagationMs: 330_000, graceMs: 3_600_000 });
 */
export async function rotateAppSecret(options: RotateSecretOptions): Promise<void> {
  const kind = options.kind ?? 'webhook';
  const phase = options.phase ?? 'all';
  const sleep = options.sleep ?? sleepFor;
  const { appId } = options;
  const entryOf = (document: Record<string, unknown>) => {
    if (!Object.hasOwn(document, appId)) {
      throw new RotationError(
        'unknown_app',
        `the webhook secrets have no entry for app ${appId}: deploy with the app configured first`,
      );
    }
    const entry = readAppEntry(document[appId]);
    if (!entry) {
      throw new RotationError('malformed_entry', `the webhook secrets entry of app ${appId} is malformed`);
    }
    return entry;
  };

  if (phase !== 'finish') {
    const fresh = (options.generate ?? generateWebhookSecret)();
    const { result: step } = await updateWebhookSecrets({
      client: options.secrets,
      secretId: options.secretId,
      change: (document) => {
        const rotation = beginRotation(entryOf(document), kind, fresh);
        return {
          next:
            rotation.step === 'started' ? { ...document, [appId]: toAppEntry(rotation.entry) } : undefined,
          result: rotation,
        };
      },
    });
    await options.progress?.({ step: 'stored', appId, kind, resumed: step.step === 'resumed' });
    await options.progress?.({ step: 'propagating', appId, waitMs: options.propagationMs });
    await sleep(options.propagationMs);
    const webhookIds = await tellSinch(options, kind, step.secret);
    await options.progress?.({ step: 'sinch_updated', appId, kind, webhookIds });
    if (phase === 'start') return;
    await options.progress?.({ step: 'grace', appId, waitMs: options.graceMs });
    await sleep(options.graceMs);
  } else {
    const { document } = await readWebhookSecrets(options.secrets, options.secretId);
    const entry = entryOf(document);
    if (entry[kind].length >= 2) await checkSinchUses(options, kind, entry[kind][0]!);
  }

  const { result: dropped } = await updateWebhookSecrets({
    client: options.secrets,
    secretId: options.secretId,
    change: (document) => {
      const finished = finishRotation(entryOf(document), kind);
      return {
        next: finished ? { ...document, [appId]: toAppEntry(finished) } : undefined,
        result: finished !== undefined,
      };
    },
  });
  await options.progress?.({ step: 'finished', appId, kind, dropped });
}

/** Step 3: the new secret at Sinch; the ids of the webhooks updated (none for the callback URL secret). */
async function tellSinch(options: RotateSecretOptions, kind: SecretKind, secret: string): Promise<string[]> {
  try {
    if (kind === 'callbackUrl') {
      await new SinchAppsApi(options.sinch).setCallbackUrlSecret(options.appId, secret);
      return [];
    }
    const api = new SinchWebhooksApi(options.sinch);
    const ours = (await api.list(options.appId)).filter((hook) => hook.target === options.target);
    if (ours.length === 0) {
      throw new RotationError(
        'no_webhook',
        `app ${options.appId} has no webhook at Sinch with target ${options.target}: run \`sinch-bridge webhooks sync\`, ` +
          'then run the rotation again (both secrets are accepted meanwhile)',
      );
    }
    for (const hook of ours) await api.update(hook.id, { secret });
    return ours.map((hook) => hook.id);
  } catch (error) {
    if (error instanceof RotationError) throw error;
    throw new RotationError(
      'sinch_failed',
      `Sinch did not take the new secret of app ${options.appId}: ${(error as Error).message}; ` +
        'both secrets are accepted meanwhile: run the rotation again',
    );
  }
}

/** Before dropping the old secret alone: Sinch must already sign with the new one, where Sinch shows it. */
async function checkSinchUses(options: RotateSecretOptions, kind: SecretKind, secret: string): Promise<void> {
  let shown: Array<string | undefined>;
  try {
    shown =
      kind === 'callbackUrl'
        ? [await new SinchAppsApi(options.sinch).callbackUrlSecret(options.appId)]
        : (await new SinchWebhooksApi(options.sinch).list(options.appId))
            .filter((hook) => hook.target === options.target)
            .map((hook) => hook.secret);
  } catch (error) {
    throw new RotationError(
      'sinch_failed',
      `cannot check app ${options.appId}'s secret at Sinch before dropping the old one: ${(error as Error).message}`,
    );
  }
  // Sinch may leave the secret out of its answers; a secret it shows must be the new one.
  if (shown.some((value) => value !== undefined && value !== '' && value !== secret)) {
    throw new RotationError(
      'sinch_not_updated',
      `Sinch still signs app ${options.appId}'s callbacks with another secret: run the rotation without --finish ` +
        'first (it updates Sinch); the old secret was kept',
    );
  }
}

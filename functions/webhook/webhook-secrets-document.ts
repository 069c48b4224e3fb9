/**
 * The webhook secrets document: the SecretString of `WEBHOOK_SECRETS_ID`, one entry per app.
 * An entry is one of
 *
 * - `"<secret>"`: the webhook's signing secret;
 * - `["<current>", "<previous>"]`: while the webhook's secret is rotated (both are accepted);
 * - `{"webhook": <string or list>, "callbackUrl": <string or list>}`: also the app's
 *   `secret_for_overridden_callback_urls`, which Sinch signs the delivery reports of messages
 *   sent with a `callbackUrl` with.
 *
 * One module reads and writes it (webhook, deploy-time seeding, rotation, the CLI), so every
 * writer keeps the entries it does not touch exactly as they were, malformed ones included.
 */
import * as z from 'zod/mini';

/** The secrets of one app, current first. */
export interface AppWebhookSecrets {
  /** The webhook's signing secrets: `[current]` or `[current, previous]`. */
  webhook: string[];
  /** `secret_for_overridden_callback_urls`: `[]`, `[current]` or `[current, previous]`. */
  callbackUrl: string[];
}

const secret = z.string().check(z.minLength(1));
const secretList = z.union([secret, z.array(secret).check(z.minLength(1))]);
const EntrySchema = z.union([
  secretList,
  z.strictObject({ webhook: secretList, callbackUrl: z.optional(secretList) }),
]);

const asList = (value: string | string[]) => (typeof value === 'string' ? [value] : value);

/** The webhook secrets could not be read as a JSON object. The message never quotes the value. */
export class WebhookSecretsFormatError extends Error {
  override name = 'WebhookSecretsFormatError';
}

/**
 * Parses a SecretString as a JSON object of entries without ever quoting it in an error
 * (`JSON.parse` errors quote the input; CloudFormation and logs would show a secret fragment).
 *
 * @throws WebhookSecretsFormatError naming `what`, never the content.
 * @example
 * const raw = readSecretsObject(secretString, 'the webhook secrets'); // { '01H...': 's', ... }
 */
export function readSecretsObject(text: string, what = 'the webhook secrets'): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebhookSecretsFormatError(`${what}: not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new WebhookSecretsFormatError(`${what}: not a JSON object`);
  }
  // A null-prototype copy: an app id such as "__proto__" stays an ordinary key.
  return Object.assign(Object.create(null), json) as Record<string, unknown>;
}

/**
 * One app's entry, or `undefined` when it is malformed (the caller logs the app id, never the value).
 *
 * @example
 * readAppEntry(['new', 'old']); // { webhook: ['new', 'old'], callbackUrl: [] }
 */
export function readAppEntry(value: unknown): AppWebhookSecrets | undefined {
  const parsed = EntrySchema.safeParse(value);
  if (!parsed.success) return undefined;
  const entry = parsed.data;
  if (typeof entry === 'string' || Array.isArray(entry)) return { webhook: asList(entry), callbackUrl: [] };
  return { webhook: asList(entry.webhook), callbackUrl: entry.callbackUrl ? asList(entry.callbackUrl) : [] };
}

/**
 * The most compact entry for an app's secrets: the contract forms (`"s"`, `["cur", "prev"]`)
 * while there is no callback URL secret, the object form otherwise.
 *
 * @example
 * toAppEntry({ webhook: ['s'], callbackUrl: [] }); // 's'
 */
export function toAppEntry(secrets: AppWebhookSecrets): unknown {
  const list = (values: string[]) => (values.length === 1 ? values[0] : [...values]);
  if (secrets.callbackUrl.length === 0) return list(secrets.webhook);
  return { webhook: list(secrets.webhook), callbackUrl: list(secrets.callbackUrl) };
}

/** Apps and their secrets, plus the app ids whose entries are malformed (never their values). */
export interface ParsedWebhookSecrets {
  apps: Map<string, AppWebhookSecrets>;
  malformedApps: string[];
}

/**
 * Parses the whole document. A malformed entry is skipped and reported by app id rather than
 * failing every app of the secret because of one typo.
 *
 * @throws WebhookSecretsFormatError when the document is not a JSON object (never quoting it).
 * @example
 * parseWebhookSecretsDocument('{"01H...":["new","old"]}').apps.get('01H...'); // { webhook: ['new', 'old'], callbackUrl: [] }
 */
export function parseWebhookSecretsDocument(text: string): ParsedWebhookSecrets {
  const raw = readSecretsObject(text);
  const apps = new Map<string, AppWebhookSecrets>();
  const malformedApps: string[] = [];
  for (const [appId, value] of Object.entries(raw)) {
    const entry = readAppEntry(value);
    if (entry) apps.set(appId, entry);
    else malformedApps.push(appId);
  }
  return { apps, malformedApps };
}

/**
 * Every secret a callback for the app may be signed with: the webhook's, then the callback URL's.
 *
 * @example
 * acceptedSecrets({ webhook: ['a', 'b'], callbackUrl: ['c'] }); // ['a', 'b', 'c']
 */
export function acceptedSecrets(secrets: AppWebhookSecrets | undefined): string[] {
  return secrets ? [...secrets.webhook, ...secrets.callbackUrl] : [];
}

/** Which of an app's secrets: the webhook's signing secret, or `secret_for_overridden_callback_urls`. */
export type SecretKind = 'webhook' | 'callbackUrl';

/** Where an app's rotation of one kind of secret stands. */
export type RotationStep =
  /** `[new, old]` now stored: the webhook accepts both; Sinch is to be told `secret`. */
  | { step: 'started'; secret: string; entry: AppWebhookSecrets }
  /** A pair was already stored by an earlier, unfinished rotation: it resumes with its new secret. */
  | { step: 'resumed'; secret: string; entry: AppWebhookSecrets };

/**
 * The entry with a new secret put first and the current one kept second (so both verify), or,
 * while an earlier rotation is unfinished (two secrets stored), the entry unchanged and that
 * rotation's new secret: a rotation never stacks a third secret or drops one not yet replaced.
 *
 * @example
 * beginRotation({ webhook: ['old'], callbackUrl: [] }, 'webhook', 'new'); // step started, webhook ['new', 'old']
 */
export function beginRotation(entry: AppWebhookSecrets, kind: SecretKind, fresh: string): RotationStep {
  const current = entry[kind];
  if (current.length >= 2) return { step: 'resumed', secret: current[0]!, entry };
  return { step: 'started', secret: fresh, entry: { ...entry, [kind]: [fresh, ...current.slice(0, 1)] } };
}

/**
 * The entry with the previous secret dropped (the rotation's last step), or `undefined` when
 * there is nothing to drop.
 *
 * @example
 * finishRotation({ webhook: ['new', 'old'], callbackUrl: [] }, 'webhook'); // { webhook: ['new'], callbackUrl: [] }
 */
export function finishRotation(entry: AppWebhookSecrets, kind: SecretKind): AppWebhookSecrets | undefined {
  if (entry[kind].length < 2) return undefined;
  return { ...entry, [kind]: entry[kind].slice(0, 1) };
}

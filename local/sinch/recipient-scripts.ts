/**
 * How the built-in Sinch stand-in treats a recipient, chosen by the last four digits of its
 * identity, like the test numbers of payment sandboxes: any real-looking number works, and a few
 * endings make one path visible on purpose. Documented in docs/local.md ("Scripted recipients").
 */

/** What `messages:send` answers, and which delivery reports follow an accepted send. */
export interface RecipientScript {
  /** Answer of `messages:send`: `accept`, or an HTTP status with Sinch's error body. */
  send: 'accept' | { status: number; firstAttemptOnly?: boolean };
  /** Delivery statuses posted back, in order, after an accepted send. */
  reports: Array<'QUEUED_ON_CHANNEL' | 'DELIVERED' | 'READ' | 'FAILED'>;
  /** Why the report says FAILED (Sinch's `reason.code`). */
  failure?: { code: string; description: string };
}

/** The normal life of a message: queued, delivered, read. */
export const DEFAULT_RECIPIENT_SCRIPT: RecipientScript = {
  send: 'accept',
  reports: ['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ'],
};

/**
 * The endings, in the order docs/local.md lists them. The digits are what a person can remember
 * (HTTP statuses for answers of `messages:send`, 02xx for delivery paths).
 */
export const RECIPIENT_SCRIPTS: ReadonlyArray<{ ending: string; meaning: string; script: RecipientScript }> =
  [
    {
      ending: '0400',
      meaning: 'messages:send answers 400 INVALID_ARGUMENT (rejected, dead-lettered)',
      script: { send: { status: 400 }, reports: [] },
    },
    {
      ending: '0403',
      meaning: 'messages:send answers 403 PERMISSION_DENIED (rejected, dead-lettered)',
      script: { send: { status: 403 }, reports: [] },
    },
    {
      ending: '0404',
      meaning: 'messages:send answers 404 NOT_FOUND (rejected, dead-lettered)',
      script: { send: { status: 404 }, reports: [] },
    },
    {
      ending: '0429',
      meaning: 'rate-limited once: 429 RESOURCE_EXHAUSTED, then accepted on the retry and delivered',
      script: { send: { status: 429, firstAttemptOnly: true }, reports: DEFAULT_RECIPIENT_SCRIPT.reports },
    },
    {
      ending: '1429',
      meaning: 'always rate-limited: 429 on every attempt until the retries are used up (exhausted)',
      script: { send: { status: 429 }, reports: [] },
    },
    {
      ending: '0503',
      meaning: 'messages:send answers 503 UNAVAILABLE on every attempt (exhausted)',
      script: { send: { status: 503 }, reports: [] },
    },
    {
      ending: '0202',
      meaning: 'accepted, QUEUED_ON_CHANNEL, then never delivered',
      script: { send: 'accept', reports: ['QUEUED_ON_CHANNEL'] },
    },
    {
      ending: '0204',
      meaning: 'accepted, then no delivery report at all',
      script: { send: 'accept', reports: [] },
    },
    {
      ending: '0206',
      meaning: 'accepted, QUEUED_ON_CHANNEL, DELIVERED, never READ',
      script: { send: 'accept', reports: ['QUEUED_ON_CHANNEL', 'DELIVERED'] },
    },
    {
      ending: '0410',
      meaning: 'accepted, QUEUED_ON_CHANNEL, then FAILED with reason RECIPIENT_NOT_REACHABLE',
      script: {
        send: 'accept',
        reports: ['QUEUED_ON_CHANNEL', 'FAILED'],
        failure: {
          code: 'RECIPIENT_NOT_REACHABLE',
          description: 'The recipient is not reachable on the channel (scripted by the local Sinch stand-in)',
        },
      },
    },
  ];

/**
 * The script for a recipient identity: the entry whose ending matches the identity's digits, or
 * the normal life of a message.
 *
 * @example
 * recipientScriptOf('+46700000410').reports; // ['QUEUED_ON_CHANNEL', 'FAILED']
 * recipientScriptOf('+46700000000').reports; // ['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ']
 */
export function recipientScriptOf(identity: string): RecipientScript {
  const digits = identity.replace(/\D/g, '');
  return RECIPIENT_SCRIPTS.find((entry) => digits.endsWith(entry.ending))?.script ?? DEFAULT_RECIPIENT_SCRIPT;
}

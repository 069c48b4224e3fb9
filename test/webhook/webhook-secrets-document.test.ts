import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptedSecrets,
  parseWebhookSecretsDocument,
  readAppEntry,
  readSecretsObject,
  toAppEntry,
  WebhookSecretsFormatError,
} from '../../functions/webhook/webhook-secrets-document';

describe('the webhook secrets document', () => {
  it('reads the contract forms and the callback URL form; malformed entries by app id only', () => {
    const parsed = parseWebhookSecretsDocument(
      `${JSON.stringify({
        a: 's1',
        b: ['new', 'old'],
        c: { webhook: 'w', callbackUrl: ['cb-new', 'cb-old'] },
        d: { webhook: 42 },
        e: [],
        f: { webhook: 'w', extra: 'x' },
      }).slice(0, -1)},"__proto__":"proto-secret"}`,
    );
    expect(parsed.apps.get('a')).toEqual({ webhook: ['s1'], callbackUrl: [] });
    expect(parsed.apps.get('b')).toEqual({ webhook: ['new', 'old'], callbackUrl: [] });
    expect(acceptedSecrets(parsed.apps.get('c'))).toEqual(['w', 'cb-new', 'cb-old']);
    expect(parsed.apps.get('__proto__')).toEqual({ webhook: ['proto-secret'], callbackUrl: [] });
    expect(parsed.malformedApps).toEqual(['d', 'e', 'f']);
  });

  it('writes the contract forms back when there is no callback URL secret (property)', () => {
    const secret = fc.string({ minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 2 }),
        fc.array(secret, { maxLength: 2 }),
        (webhook, callbackUrl) => {
          const entry = toAppEntry({ webhook, callbackUrl });
          expect(readAppEntry(JSON.parse(JSON.stringify(entry)))).toEqual({ webhook, callbackUrl });
          if (callbackUrl.length === 0) expect(typeof entry === 'string' || Array.isArray(entry)).toBe(true);
        },
      ),
    );
  });

  it('never quotes the secret in its errors (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6 }), (text) => {
        fc.pre(!/^\s*\{[\s\S]*\}\s*$/.test(text));
        try {
          readSecretsObject(text);
        } catch (error) {
          expect(error).toBeInstanceOf(WebhookSecretsFormatError);
          // One of two fixed messages: nothing of the input can be in it.
          expect(['the webhook secrets: not valid JSON', 'the webhook secrets: not a JSON object']).toContain(
            (error as Error).message,
          );
        }
      }),
    );
    expect(() => readSecretsObject('{"app": "whsec-half')).toThrow(/^the webhook secrets: not valid JSON$/);
  });
});

/**
 * Our signature check agrees with Sinch's own Node SDK validator (`@sinch/sdk-core`, a dev
 * dependency only) on random bodies, secrets, nonces and timestamps: JSON with odd whitespace,
 * non-ASCII text, emoji and control characters. Both directions, and on tampered input.
 */
import { calculateWebhookSignature, validateWebhookSignature } from '@sinch/sdk-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NONCE_HEADER,
  SIGNATURE_HEADER,
  signSinchCallback,
  TIMESTAMP_HEADER,
  verifySinchSignature,
} from '../../functions/sinch/signature';

const whitespace = fc.constantFrom(' ', '\n', '\r\n', '\t', '  ', '\u00a0', '\u2028');
const unicodeText = fc.string({ unit: 'grapheme', maxLength: 60 });
/** JSON as Sinch might format it: any value, whitespace sprinkled between tokens. */
const jsonBody = fc
  .tuple(fc.json({ maxDepth: 3 }), fc.array(whitespace, { minLength: 1, maxLength: 4 }))
  .map(([json, spaces]) =>
    json.replace(/([,:{[])/g, (token, _m, at: number) => `${token}${spaces[at % spaces.length]}`),
  );
const body = fc.oneof(
  jsonBody,
  unicodeText,
  unicodeText.map((text) => JSON.stringify({ message: { contact_message: { text_message: { text } } } })),
  fc.string({ unit: 'binary-ascii', maxLength: 80 }),
);
const secret = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.stringMatching(/^[A-Za-z0-9+/]{20,44}={0,2}$/),
);
const signed = fc.record({
  secret,
  body,
  // A header value cannot start or end with whitespace over HTTP: ULIDs as Sinch sends, or any such text.
  nonce: fc.oneof(
    fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
      .filter((n) => n.length > 0 && n.trim() === n),
  ),
  timestamp: fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }),
});

/** What Sinch's SDK computes for a callback: base64(HMAC-SHA256(secret, body.nonce.timestamp)). */
const sinchSignature = (s: { secret: string; body: string; nonce: string; timestamp: number }) =>
  calculateWebhookSignature(`${s.body}.${s.nonce}.${s.timestamp}`, s.secret);

describe("signatures agree with Sinch's Node SDK validator", () => {
  it('accepts what Sinch signs, and Sinch accepts what we sign', () => {
    fc.assert(
      fc.property(signed, (s) => {
        const headers = {
          [SIGNATURE_HEADER]: sinchSignature(s),
          [TIMESTAMP_HEADER]: String(s.timestamp),
          [NONCE_HEADER]: s.nonce,
        };
        expect(
          verifySinchSignature({ headers, body: s.body, secrets: [s.secret], nowSeconds: s.timestamp }),
        ).toEqual({
          ok: true,
          secretIndex: 0,
        });
        const ours = signSinchCallback(s);
        expect(ours[SIGNATURE_HEADER]).toBe(headers[SIGNATURE_HEADER]);
        expect(validateWebhookSignature(s.secret, ours, s.body)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with Sinch on tampered callbacks: both refuse', () => {
    const tamper = fc.constantFrom('body', 'nonce', 'timestamp', 'secret');
    fc.assert(
      // Header values arrive trimmed over HTTP, so a header is tampered with visible characters.
      fc.property(signed, tamper, fc.stringMatching(/^[!-~]{1,3}$/), (s, what, extra) => {
        const headers = signSinchCallback(s);
        const changed = {
          ...s,
          ...(what === 'body' ? { body: `${s.body}${extra}` } : {}),
          ...(what === 'secret' ? { secret: `${s.secret}${extra}` } : {}),
        };
        const sent = {
          ...headers,
          ...(what === 'nonce' ? { [NONCE_HEADER]: `${s.nonce}${extra}` } : {}),
          ...(what === 'timestamp' ? { [TIMESTAMP_HEADER]: String(s.timestamp + 1) } : {}),
        };
        const sinchSays = validateWebhookSignature(changed.secret, sent, changed.body);
        const weSay = verifySinchSignature({
          headers: sent,
          body: changed.body,
          secrets: [changed.secret],
          nowSeconds: s.timestamp,
        }).ok;
        expect([weSay, sinchSays]).toEqual([false, false]);
      }),
      { numRuns: 300 },
    );
  });
});

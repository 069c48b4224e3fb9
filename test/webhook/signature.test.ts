import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALGORITHM_HEADER,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  signSinchCallback,
  TIMESTAMP_HEADER,
  verifySinchSignature,
} from '../../functions/sinch/signature';

// Known-answer vector from the Java and .NET SDK tests (Sinch's published vector).
const KAT = {
  secret: 'foo_secret1234',
  nonce: '01FJA8B4A7BM43YGWSG9GBV067',
  timestamp: '1634579353',
  body: '{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS","identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},"message_metadata":""}',
  signature: '6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=',
};
const katHeaders = {
  [SIGNATURE_HEADER]: KAT.signature,
  [TIMESTAMP_HEADER]: KAT.timestamp,
  [NONCE_HEADER]: KAT.nonce,
  [ALGORITHM_HEADER]: 'HmacSHA256',
};
const katNow = Number(KAT.timestamp);

describe('verifySinchSignature', () => {
  it('accepts the known-answer vector', () => {
    expect(
      verifySinchSignature({
        headers: katHeaders,
        body: KAT.body,
        secrets: [KAT.secret],
        nowSeconds: katNow,
      }),
    ).toEqual({ ok: true, secretIndex: 0 });
  });

  it('signSinchCallback reproduces the known-answer signature', () => {
    expect(
      signSinchCallback({ secret: KAT.secret, body: KAT.body, nonce: KAT.nonce, timestamp: KAT.timestamp }),
    ).toEqual(katHeaders);
  });

  it('accepts the raw bytes as well as the string, and header names in any case', () => {
    const shouting = Object.fromEntries(Object.entries(katHeaders).map(([k, v]) => [k.toUpperCase(), v]));
    expect(
      verifySinchSignature({
        headers: shouting,
        body: Buffer.from(KAT.body, 'utf8'),
        secrets: [KAT.secret],
        nowSeconds: katNow,
      }).ok,
    ).toBe(true);
  });

  it('accepts the previous secret during rotation and says which one matched', () => {
    expect(
      verifySinchSignature({
        headers: katHeaders,
        body: KAT.body,
        secrets: ['the-new-secret', KAT.secret],
        nowSeconds: katNow,
      }),
    ).toEqual({ ok: true, secretIndex: 1 });
  });

  it('verifies over the exact bytes of a non-UTF-8 body (API Gateway base64 case)', () => {
    const body = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0xfe, 0x7d]);
    const headers = signSinchCallback({ secret: 's', body, timestamp: 1000 });
    expect(verifySinchSignature({ headers, body, secrets: ['s'], nowSeconds: 1000 }).ok).toBe(true);
    // The lossy UTF-8 round trip a naive decoder would do breaks it.
    expect(
      verifySinchSignature({ headers, body: body.toString('utf8'), secrets: ['s'], nowSeconds: 1000 }).ok,
    ).toBe(false);
  });

  it.each([
    ['signature', SIGNATURE_HEADER],
    ['timestamp', TIMESTAMP_HEADER],
    ['nonce', NONCE_HEADER],
  ])('rejects a missing %s header as missing_signature', (_name, header) => {
    const headers: Record<string, string | undefined> = { ...katHeaders, [header]: undefined };
    expect(
      verifySinchSignature({ headers, body: KAT.body, secrets: [KAT.secret], nowSeconds: katNow }),
    ).toEqual({
      ok: false,
      kind: 'missing_signature',
    });
  });

  it('reads an absent algorithm header as HmacSHA256, as the Node, Python and .NET SDKs do', () => {
    const headers: Record<string, string | undefined> = { ...katHeaders, [ALGORITHM_HEADER]: undefined };
    delete headers[ALGORITHM_HEADER];

    expect(
      verifySinchSignature({ headers, body: KAT.body, secrets: [KAT.secret], nowSeconds: katNow }),
    ).toEqual({
      ok: true,
      secretIndex: 0,
    });
    expect(verifySinchSignature({ headers, body: KAT.body, secrets: ['wrong'], nowSeconds: katNow })).toEqual(
      {
        ok: false,
        kind: 'invalid_signature',
      },
    );
  });

  it.each(['HmacSHA1', 'hmacsha256', 'HmacSHA512', ''])(
    'rejects algorithm %s as unsupported_algorithm',
    (algorithm) => {
      expect(
        verifySinchSignature({
          headers: { ...katHeaders, [ALGORITHM_HEADER]: algorithm },
          body: KAT.body,
          secrets: [KAT.secret],
          nowSeconds: katNow,
        }),
      ).toEqual({ ok: false, kind: 'unsupported_algorithm' });
    },
  );

  it.each([
    ['301 s old', katNow + 301],
    ['61 s ahead of our clock', katNow - 61],
    ['300 s ahead of our clock', katNow - 300],
  ])('rejects a timestamp %s as timestamp_out_of_range', (_label, nowSeconds) => {
    expect(
      verifySinchSignature({ headers: katHeaders, body: KAT.body, secrets: [KAT.secret], nowSeconds }),
    ).toEqual({
      ok: false,
      kind: 'timestamp_out_of_range',
    });
  });

  it('accepts the edges of the window and honours a configured tolerance', () => {
    const base = { headers: katHeaders, body: KAT.body, secrets: [KAT.secret] };
    expect(verifySinchSignature({ ...base, nowSeconds: katNow + 300 }).ok).toBe(true);
    expect(verifySinchSignature({ ...base, nowSeconds: katNow - 60 }).ok).toBe(true);
    expect(verifySinchSignature({ ...base, nowSeconds: katNow - 31, toleranceSeconds: 30 }).ok).toBe(false);
    expect(verifySinchSignature({ ...base, nowSeconds: katNow + 61, toleranceSeconds: 60 })).toEqual({
      ok: false,
      kind: 'timestamp_out_of_range',
    });
  });

  it.each(['1634579353.0', '1.634579353e9', 'abc', '-1634579353'])(
    'rejects the non-integer timestamp %s',
    (timestamp) => {
      const result = verifySinchSignature({
        headers: { ...katHeaders, [TIMESTAMP_HEADER]: timestamp },
        body: KAT.body,
        secrets: [KAT.secret],
        nowSeconds: katNow,
      });
      expect(result).toEqual({ ok: false, kind: 'timestamp_out_of_range' });
    },
  );

  it('rejects a wrong secret, a malformed signature and an empty secret list as invalid_signature', () => {
    const base = { headers: katHeaders, body: KAT.body, nowSeconds: katNow };
    expect(verifySinchSignature({ ...base, secrets: ['foo_secret1235'] })).toEqual({
      ok: false,
      kind: 'invalid_signature',
    });
    expect(verifySinchSignature({ ...base, secrets: [] })).toEqual({ ok: false, kind: 'invalid_signature' });
    expect(
      verifySinchSignature({
        ...base,
        headers: { ...katHeaders, [SIGNATURE_HEADER]: 'not base64!' },
        secrets: [KAT.secret],
      }),
    ).toEqual({ ok: false, kind: 'invalid_signature' });
    // A truncated signature must not match a prefix.
    expect(
      verifySinchSignature({
        ...base,
        headers: { ...katHeaders, [SIGNATURE_HEADER]: KAT.signature.slice(0, 20) },
        secrets: [KAT.secret],
      }),
    ).toEqual({ ok: false, kind: 'invalid_signature' });
  });
});

describe('verifySinchSignature properties', () => {
  const signed = fc.record({
    secret: fc.string({ minLength: 1, maxLength: 40 }),
    body: fc.string({ maxLength: 300 }),
    nonce: fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    timestamp: fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }),
  });

  it('accepts whatever signSinchCallback signs', () => {
    fc.assert(
      fc.property(signed, ({ secret, body, nonce, timestamp }) => {
        const headers = signSinchCallback({ secret, body, nonce, timestamp });
        expect(verifySinchSignature({ headers, body, secrets: [secret], nowSeconds: timestamp }).ok).toBe(
          true,
        );
      }),
    );
  });

  it('rejects any change to body, nonce, timestamp, secret or signature', () => {
    const change = fc.constantFrom('body', 'nonce', 'timestamp', 'secret', 'signature');
    fc.assert(
      fc.property(signed, change, fc.string({ minLength: 1, maxLength: 5 }), (input, what, extra) => {
        const headers = signSinchCallback(input);
        let body = input.body;
        let secret = input.secret;
        const tampered = { ...headers };
        if (what === 'body') body = `${body}${extra}`;
        // HMAC zero-pads short keys, so only a trailing NUL would give the same key: not a change.
        if (what === 'secret') secret = `${secret}${extra.replaceAll('\u0000', 'z')}`;
        if (what === 'nonce') tampered[NONCE_HEADER] = `${headers[NONCE_HEADER]}${extra.replace(/\s/g, 'x')}`;
        if (what === 'timestamp') tampered[TIMESTAMP_HEADER] = String(input.timestamp + 1);
        if (what === 'signature') {
          const bytes = Buffer.from(headers[SIGNATURE_HEADER]!, 'base64');
          bytes[extra.charCodeAt(0) % bytes.length]! ^= 1 + (extra.charCodeAt(0) % 255);
          tampered[SIGNATURE_HEADER] = bytes.toString('base64');
        }
        const result = verifySinchSignature({
          headers: tampered,
          body,
          secrets: [secret],
          nowSeconds: input.timestamp,
        });
        expect(result).toEqual({ ok: false, kind: 'invalid_signature' });
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyStartArgs, startOptionsFromEnv } from '../../local/start-options';

const noFile = (path: string): string => {
  throw new Error(`ENOENT: ${path}`);
};

describe('startOptionsFromEnv reads the npm start environment', () => {
  it('defaults to port 3000 and no secrets, credentials or overrides', () => {
    expect(startOptionsFromEnv({}, noFile)).toEqual({ port: 3000 });
  });

  it('accepts every port number and refuses anything else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (port) => {
        expect(startOptionsFromEnv({ PORT: String(port) }, noFile)).toMatchObject({ port });
      }),
    );
    fc.assert(
      fc.property(
        fc
          .oneof(fc.integer({ min: 65536 }), fc.integer({ max: -1 }), fc.double({ noInteger: true }))
          .map(String),
        (port) => {
          expect(startOptionsFromEnv({ PORT: port }, noFile)).toMatchObject({ kind: 'invalid_environment' });
        },
      ),
    );
  });

  it('takes webhook secrets from WEBHOOK_SECRETS_JSON or a file, in both contract shapes', () => {
    const secrets = fc.dictionary(
      fc.string({ minLength: 1 }),
      fc.oneof(
        fc.string({ minLength: 1 }),
        fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 2 }),
      ),
      { minKeys: 1 },
    );
    fc.assert(
      fc.property(secrets, (value) => {
        const json = JSON.stringify(value);
        expect(startOptionsFromEnv({ WEBHOOK_SECRETS_JSON: json }, noFile)).toMatchObject({
          webhookSecrets: value,
        });
        expect(startOptionsFromEnv({ WEBHOOK_SECRETS_FILE: '/s.json' }, () => json)).toMatchObject({
          webhookSecrets: value,
        });
      }),
    );
  });

  it('refuses malformed secrets without echoing them', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ minLength: 12 }).filter((s) => {
            try {
              JSON.parse(s);
              return false;
            } catch {
              return true;
            }
          }),
          fc.constant('{}'),
          fc.constant('{"01H":""}'),
          fc.constant('["secret-in-an-array"]'),
          fc.constant('{"01H":{"secret":"nested-secret-value"}}'),
        ),
        (text) => {
          const result = startOptionsFromEnv({ WEBHOOK_SECRETS_JSON: text }, noFile);
          expect(result).toMatchObject({ kind: 'invalid_environment' });
          const message = (result as { message: string }).message;
          expect(message).toContain('WEBHOOK_SECRETS_JSON');
          if (text.length >= 12) expect(message).not.toContain(text);
        },
      ),
    );
    expect(startOptionsFromEnv({ WEBHOOK_SECRETS_FILE: '/missing.json' }, noFile)).toMatchObject({
      kind: 'invalid_environment',
      message: expect.stringContaining('/missing.json'),
    });
  });

  it('needs both halves of a Sinch access key', () => {
    expect(startOptionsFromEnv({ SINCH_KEY_ID: 'k' }, noFile)).toMatchObject({ kind: 'invalid_environment' });
    expect(startOptionsFromEnv({ SINCH_KEY_SECRET: 's' }, noFile)).toMatchObject({
      kind: 'invalid_environment',
    });
    expect(startOptionsFromEnv({ SINCH_KEY_ID: 'k', SINCH_KEY_SECRET: 's' }, noFile)).toMatchObject({
      sinchCredentials: { keyId: 'k', keySecret: 's' },
    });
  });

  it('checks region, URLs, MAX_ATTEMPTS and LOG_LEVEL', () => {
    expect(startOptionsFromEnv({ SINCH_REGION: 'ap' }, noFile)).toMatchObject({
      kind: 'invalid_environment',
    });
    expect(startOptionsFromEnv({ SINCH_API_URL: 'nope' }, noFile)).toMatchObject({
      kind: 'invalid_environment',
    });
    expect(startOptionsFromEnv({ MAX_ATTEMPTS: '0' }, noFile)).toMatchObject({ kind: 'invalid_environment' });
    expect(startOptionsFromEnv({ LOG_LEVEL: 'loud' }, noFile)).toMatchObject({ kind: 'invalid_environment' });
    expect(
      startOptionsFromEnv(
        { SINCH_REGION: 'us', SINCH_API_URL: 'http://127.0.0.1:9', MAX_ATTEMPTS: '3', LOG_LEVEL: 'debug' },
        noFile,
      ),
    ).toMatchObject({
      sinchRegion: 'us',
      sinchApiUrl: 'http://127.0.0.1:9',
      maxAttempts: 3,
      logLevel: 'DEBUG',
    });
  });
});

describe('applyStartArgs', () => {
  it('picks the Sinch with --sinch, and refuses a stand-in beside credentials or a bad value', () => {
    const base = startOptionsFromEnv({}, () => '');
    const withKey = startOptionsFromEnv({ SINCH_KEY_ID: 'k', SINCH_KEY_SECRET: 's' }, () => '');
    expect(applyStartArgs(base, [])).toEqual(base);
    expect(applyStartArgs(base, ['--sinch', 'real'])).toMatchObject({ sinch: 'real' });
    expect(applyStartArgs(base, ['--sinch=stand-in'])).toMatchObject({ sinch: 'stand-in' });
    expect(applyStartArgs(withKey, ['--sinch', 'stand-in'])).toMatchObject({
      kind: 'invalid_environment',
      message: expect.stringContaining('conflicts with SINCH_KEY_ID'),
    });
    expect(applyStartArgs(base, ['--sinch', 'fake'])).toMatchObject({
      message: expect.stringContaining('stand-in or real'),
    });
    expect(applyStartArgs(base, ['--colour'])).toMatchObject({ kind: 'invalid_environment' });
  });
});

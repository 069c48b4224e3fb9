import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { BridgeConfigError, parseBridgeConfig, readConfigSources } from '../../infra/config';
import { EU_APP, exampleConfig } from './example-config';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ulid = fc.string({ unit: fc.constantFrom(...CROCKFORD), minLength: 26, maxLength: 26 });

function errorOf(raw: unknown): string {
  try {
    parseBridgeConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('bridge config', () => {
  it('accepts the shipped example and resolves defaults per region', () => {
    const regions = parseBridgeConfig(exampleConfig());
    expect(regions.map((r) => [r.sinchRegion, r.awsRegion])).toEqual([
      ['eu', 'eu-west-1'],
      ['us', 'us-east-1'],
    ]);
    expect(regions[0]?.tunables).toMatchObject({
      maxAttempts: 5,
      batchSize: 10,
      maxConcurrency: 5,
      logLevel: 'INFO',
    });
    expect(regions[0]?.registration).toEqual({ enabled: true, revision: 1, teardown: false });
  });

  it('lets a region override the top-level tunables', () => {
    const raw = exampleConfig();
    raw.tunables = { maxAttempts: 7, logLevel: 'WARN' };
    raw.regions.us!.tunables = { logLevel: 'DEBUG' };
    const [eu, us] = parseBridgeConfig(raw);
    expect(eu?.tunables).toMatchObject({ maxAttempts: 7, logLevel: 'WARN' });
    expect(us?.tunables).toMatchObject({ maxAttempts: 7, logLevel: 'DEBUG' });
  });

  it.each([
    [
      'an unknown Sinch region',
      (c: ReturnType<typeof exampleConfig>) => (c.regions.ap = c.regions.eu!),
      /sinch\.regions\.ap: unknown Sinch region; allowed: eu, us, br/,
    ],
    [
      'a wrong AWS region',
      (c: ReturnType<typeof exampleConfig>) => (c.regions.eu!.awsRegion = 'europe'),
      /sinch\.regions\.eu\.awsRegion: awsRegion must be an AWS region/,
    ],
    [
      'an app id that is not a ULID',
      (c: ReturnType<typeof exampleConfig>) => (c.regions.us!.apps[0]!.id = 'my-app'),
      /sinch\.regions\.us\.apps\[0\]\.id: app id must be a ULID/,
    ],
    [
      'an empty app list',
      (c: ReturnType<typeof exampleConfig>) => (c.regions.eu!.apps = []),
      /sinch\.regions\.eu\.apps: at least one app/,
    ],
    [
      'an unknown trigger',
      (c: ReturnType<typeof exampleConfig>) =>
        (c.regions.eu!.apps[0]!.triggers = ['MESSAGE_INBOUND', 'NOPE']),
      /sinch\.regions\.eu\.apps\[0\]\.triggers\[1\]/,
    ],
    [
      'an empty project id',
      (c: ReturnType<typeof exampleConfig>) => (c.projectId = ''),
      /sinch\.projectId: projectId/,
    ],
    [
      'no region at all',
      (c: ReturnType<typeof exampleConfig>) => (c.regions = {}),
      /sinch\.regions: configure at least one/,
    ],
    [
      'a batch size above the FIFO limit',
      (c: ReturnType<typeof exampleConfig>) => (c.tunables = { batchSize: 11 }),
      /sinch\.tunables\.batchSize/,
    ],
    [
      'an app in two regions',
      (c: ReturnType<typeof exampleConfig>) => (c.regions.us!.apps[0]!.id = EU_APP),
      /sinch\.regions\.us\.apps\[0\]\.id: app .* already configured in regions\.eu/,
    ],
    [
      'a partial credentials ARN',
      (c: ReturnType<typeof exampleConfig>) =>
        (c.regions.eu!.credentialsSecretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sinch'),
      /sinch\.regions\.eu\.credentialsSecretArn: .*complete ARN/,
    ],
    [
      'an unknown field',
      (c: ReturnType<typeof exampleConfig>) => (c.region = 'eu'),
      /sinch\.region: unknown field \(did you mean regions\?\); allowed: projectId, regions, tunables/,
    ],
    [
      "a mistyped AWS region, with a suggestion from AWS's region list",
      (c: ReturnType<typeof exampleConfig>) => (c.regions.eu!.awsRegion = 'eu-wset-1'),
      /sinch\.regions\.eu\.awsRegion: awsRegion must be an AWS region name such as eu-west-1: "eu-wset-1" is not one \(did you mean eu-west-1\?\)/,
    ],
    [
      'a region-shaped name AWS does not have',
      (c: ReturnType<typeof exampleConfig>) => (c.regions.eu!.awsRegion = 'eu-west-9'),
      /sinch\.regions\.eu\.awsRegion: .*"eu-west-9" is not one/,
    ],
    [
      'a mistyped tunable',
      (c: ReturnType<typeof exampleConfig>) =>
        ((c.tunables as Record<string, unknown>) = { logLevl: 'DEBUG' }),
      /sinch\.tunables\.logLevl: unknown field \(did you mean logLevel\?\)/,
    ],
    [
      'a value outside a fixed list, with the list',
      (c: ReturnType<typeof exampleConfig>) =>
        ((c.tunables as Record<string, unknown>) = { logLevel: 'DEBG' }),
      /sinch\.tunables\.logLevel: "DEBG" is not allowed \(did you mean DEBUG\?\); one of: DEBUG, INFO, WARN, ERROR/,
    ],
  ])('refuses %s with a message naming the field', (_name, mutate, message) => {
    const raw = exampleConfig();
    mutate(raw);
    expect(errorOf(raw)).toMatch(message);
  });

  it('accepts every ULID-shaped app id and refuses anything else', () => {
    fc.assert(
      fc.property(ulid, (id) => {
        const raw = exampleConfig();
        raw.regions.eu!.apps = [{ id }];
        expect(parseBridgeConfig(raw)[0]?.apps[0]?.id).toBe(id);
      }),
    );
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(s)),
        (id) => {
          const raw = exampleConfig();
          raw.regions.eu!.apps = [{ id }];
          expect(errorOf(raw)).toMatch(/sinch\.regions\.eu\.apps\[0\]\.id/);
        },
      ),
    );
  });

  it('reads a config file and dotted -c overrides, in that order of precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-config-'));
    const file = join(dir, 'sinch.json');
    const fromFile = exampleConfig();
    delete fromFile.regions.us;
    writeFileSync(file, JSON.stringify(fromFile));

    const raw = readConfigSources({
      sinch: exampleConfig(),
      sinchConfig: file,
      overrides: {
        'sinch.registration.enabled': 'false',
        'sinch.regions.eu.tunables.logLevel': 'DEBUG',
        'sinch.regions.eu.awsRegion': 'eu-central-1',
        unrelated: 'x',
      },
    });
    const [eu, ...rest] = parseBridgeConfig(raw);

    expect(rest).toEqual([]);
    expect(eu).toMatchObject({
      awsRegion: 'eu-central-1',
      registration: { enabled: false },
      tunables: { logLevel: 'DEBUG' },
    });
  });

  it('accepts the example printed in docs/deploy.md', () => {
    const doc = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(parseBridgeConfig(JSON.parse(example ?? 'null').sinch).map((r) => r.sinchRegion)).toEqual([
      'eu',
      'us',
    ]);
  });

  it('stops the synth of the app with that message', () => {
    const raw = exampleConfig();
    raw.regions.eu!.awsRegion = 'mars-1';
    expect(() => buildApp({ context: { sinch: raw } })).toThrow(/sinch\.regions\.eu\.awsRegion/);
  });

  it('accepts the whole config as a JSON string (-c sinch=...)', () => {
    const raw = readConfigSources({ sinch: JSON.stringify(exampleConfig()) });
    expect(parseBridgeConfig(raw)).toHaveLength(2);
  });

  it('names the sinchConfig file when it is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinch-config-'));
    writeFileSync(join(dir, 'bad.json'), '{"projectId": ');
    expect(() => readConfigSources({ sinchConfig: join(dir, 'missing.json') })).toThrow(
      new BridgeConfigError(`cannot read the sinchConfig file ${join(dir, 'missing.json')}: no such file`),
    );
    expect(() => readConfigSources({ sinchConfig: join(dir, 'bad.json') })).toThrow(
      new RegExp(`the sinchConfig file ${join(dir, 'bad.json')} is not JSON`),
    );
    expect(() => readConfigSources({ sinch: '{nope' })).toThrow(
      /the "sinch" context \(-c sinch=...\) is not JSON/,
    );
  });
});

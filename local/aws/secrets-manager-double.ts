import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for Secrets Manager (AWS JSON 1.1 protocol): `GetSecretValue`,
 * `PutSecretValue` and `DescribeSecret`, the calls the bridge makes, answered the way the real
 * service answers them. Secrets Manager has no local server. What it keeps as strictly as AWS:
 *
 * - versions and staging labels: a put moves `AWSCURRENT` to the new version and `AWSPREVIOUS`
 *   to the old one; `GetSecretValue` reads `AWSCURRENT` unless a `VersionId`/`VersionStage` is given;
 * - a secret created without a value (CloudFormation with neither `SecretString` nor
 *   `GenerateSecretString`) has no version: `GetSecretValue` is `ResourceNotFoundException`;
 * - `ClientRequestToken` (32..64 characters) names the new version: the same token with the same
 *   value is ignored (idempotent retry), with a different value it is `ResourceExistsException`
 *   (a version cannot be modified), which is what makes a token derived from the version a write
 *   was based on a compare-and-swap;
 * - `SecretString` at most 65,536 bytes (`ValidationException`), resource names and ARNs both accepted.
 */
export interface SecretsManagerDouble {
  /** What `AWS_ENDPOINT_URL_SECRETS_MANAGER` should be. */
  endpoint: string;
  /** Creates or replaces a secret's value (a new version, like PutSecretValue from outside). */
  put(secretId: string, secretString: string): void;
  /** Creates a secret with no value yet (no version), as CloudFormation does without a value. */
  create(secretId: string): void;
  /** The `AWSCURRENT` value, or `undefined` (tests read what was written). */
  value(secretId: string): string | undefined;
  /** The secret's ARN as the double reports it. */
  arnOf(secretId: string): string;
  /** `GetSecretValue` calls answered so far, per secret id. */
  calls(secretId?: string): number;
  /** `PutSecretValue` calls that created a version, per secret id. */
  writes(secretId?: string): number;
  /** While set, every call answers 500 InternalServiceError. */
  failing: boolean;
  /** Calls `listener` with the secret's name after each new version (from a client or `put`). */
  onNewVersion(listener: (secretName: string) => void): void;
  close(): Promise<void>;
}

interface Version {
  value: string;
  created: number;
}

interface StoredSecret {
  name: string;
  versions: Map<string, Version>;
  stages: Map<string, string>;
  created: number;
}

const MAX_SECRET_BYTES = 65_536;

/**
 * @example
 * const sm = await startSecretsManagerDouble();
 * sm.put('webhook-secrets', JSON.stringify({ '01H...': 'secret' }));
 */
export async function startSecretsManagerDouble(
  options: { port?: number; region?: string } = {},
): Promise<SecretsManagerDouble> {
  const region = options.region ?? 'us-east-1';
  const secrets = new Map<string, StoredSecret>();
  const counts = new Map<string, number>();
  const writeCounts = new Map<string, number>();
  const state = { failing: false };
  const listeners: Array<(secretName: string) => void> = [];
  const arnOf = (name: string) => `arn:aws:secretsmanager:${region}:123456789012:secret:${name}-AbCdEf`;
  /** A secret by name or by the ARN the double reports. */
  const find = (id: string): StoredSecret | undefined => {
    const byName = secrets.get(id);
    if (byName) return byName;
    const match = /^arn:aws:secretsmanager:[^:]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/.exec(id);
    return match ? secrets.get(match[1]!) : undefined;
  };
  const ensure = (name: string): StoredSecret => {
    let secret = secrets.get(name);
    if (!secret) {
      secret = { name, versions: new Map(), stages: new Map(), created: Date.now() / 1000 };
      secrets.set(name, secret);
    }
    return secret;
  };
  const addVersion = (secret: StoredSecret, versionId: string, value: string) => {
    secret.versions.set(versionId, { value, created: Date.now() / 1000 });
    const current = secret.stages.get('AWSCURRENT');
    if (current) secret.stages.set('AWSPREVIOUS', current);
    secret.stages.set('AWSCURRENT', versionId);
    writeCounts.set(secret.name, (writeCounts.get(secret.name) ?? 0) + 1);
    for (const listener of listeners) listener(secret.name);
  };
  const stagesOf = (secret: StoredSecret, versionId: string) =>
    [...secret.stages].filter(([, id]) => id === versionId).map(([stage]) => stage);

  type Reply = [number, unknown];
  const notFound = (message: string): Reply => [400, { __type: 'ResourceNotFoundException', message }];
  const invalid = (message: string): Reply => [400, { __type: 'ValidationException', message }];

  const operations: Record<string, (input: Record<string, unknown>) => Reply> = {
    GetSecretValue(input) {
      const id = String(input.SecretId ?? '');
      counts.set(id, (counts.get(id) ?? 0) + 1);
      const secret = find(id);
      if (!secret) return notFound("Secrets Manager can't find the specified secret.");
      const stage = typeof input.VersionStage === 'string' ? input.VersionStage : undefined;
      const versionId =
        typeof input.VersionId === 'string' ? input.VersionId : secret.stages.get(stage ?? 'AWSCURRENT');
      const version = versionId ? secret.versions.get(versionId) : undefined;
      if (!versionId || !version) {
        return notFound(
          `Secrets Manager can't find the specified secret value for ${
            input.VersionId
              ? `VersionId: ${String(input.VersionId)}`
              : `staging label: ${stage ?? 'AWSCURRENT'}`
          }`,
        );
      }
      return [
        200,
        {
          ARN: arnOf(secret.name),
          Name: secret.name,
          SecretString: version.value,
          VersionId: versionId,
          VersionStages: stagesOf(secret, versionId),
          CreatedDate: version.created,
        },
      ];
    },
    PutSecretValue(input) {
      const secret = find(String(input.SecretId ?? ''));
      if (!secret) return notFound("Secrets Manager can't find the specified secret.");
      if (typeof input.SecretString !== 'string') {
        return invalid('You must provide either SecretString or SecretBinary.');
      }
      if (Buffer.byteLength(input.SecretString, 'utf8') > MAX_SECRET_BYTES) {
        return invalid('Member must have length less than or equal to 65536');
      }
      const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID();
      if (token.length < 32 || token.length > 64) {
        return invalid('ClientRequestToken must be between 32 and 64 characters.');
      }
      const existing = secret.versions.get(token);
      if (existing) {
        if (existing.value !== input.SecretString) {
          return [
            400,
            {
              __type: 'ResourceExistsException',
              message: 'You can’t modify an existing version, you can only create new versions.',
            },
          ];
        }
      } else {
        addVersion(secret, token, input.SecretString);
      }
      return [
        200,
        {
          ARN: arnOf(secret.name),
          Name: secret.name,
          VersionId: token,
          VersionStages: stagesOf(secret, token),
        },
      ];
    },
    DescribeSecret(input) {
      const secret = find(String(input.SecretId ?? ''));
      if (!secret) return notFound("Secrets Manager can't find the specified secret.");
      const versions: Record<string, string[]> = {};
      for (const versionId of secret.versions.keys()) {
        const stages = stagesOf(secret, versionId);
        if (stages.length > 0) versions[versionId] = stages;
      }
      return [
        200,
        {
          ARN: arnOf(secret.name),
          Name: secret.name,
          CreatedDate: secret.created,
          VersionIdsToStages: versions,
        },
      ];
    },
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = ([status, body]: Reply) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': randomUUID(),
        });
        res.end(JSON.stringify(body));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('secretsmanager.')
        ? operations[target.slice('secretsmanager.'.length)]
        : undefined;
      if (!operation) {
        return reply([400, { __type: 'UnknownOperationException', message: `unsupported ${target}` }]);
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return reply([400, { __type: 'SerializationException', message: 'bad json' }]);
      }
      if (state.failing) {
        if (target === 'secretsmanager.GetSecretValue') {
          const id = String(input.SecretId ?? '');
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        return reply([500, { __type: 'InternalServiceError', message: 'injected failure' }]);
      }
      return reply(operation(input));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    put(secretId, secretString) {
      addVersion(ensure(secretId), randomUUID(), secretString);
    },
    create(secretId) {
      ensure(secretId);
    },
    value(secretId) {
      const secret = find(secretId);
      const current = secret?.stages.get('AWSCURRENT');
      return current ? secret?.versions.get(current)?.value : undefined;
    },
    arnOf,
    calls: (secretId) =>
      secretId === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(secretId) ?? 0),
    writes: (secretId) =>
      secretId === undefined
        ? [...writeCounts.values()].reduce((a, b) => a + b, 0)
        : (writeCounts.get(secretId) ?? 0),
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    onNewVersion: (listener) => {
      listeners.push(listener);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

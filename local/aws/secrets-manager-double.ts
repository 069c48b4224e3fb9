import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for Secrets Manager's `GetSecretValue` (AWS JSON 1.1 protocol).
 * Secrets Manager has no local server, so this double answers the one call the bridge makes,
 * the way the real service does, including `ResourceNotFoundException` and a failure mode.
 */
export interface SecretsManagerDouble {
  /** What `AWS_ENDPOINT_URL_SECRETS_MANAGER` should be. */
  endpoint: string;
  /** Creates or replaces a secret (a new version id each time, like PutSecretValue). */
  put(secretId: string, secretString: string): void;
  /** `GetSecretValue` calls answered so far, per secret id. */
  calls(secretId?: string): number;
  /** While set, every call answers 500 InternalServiceError. */
  failing: boolean;
  close(): Promise<void>;
}

/**
 * @example
 * const sm = await startSecretsManagerDouble();
 * sm.put('webhook-secrets', JSON.stringify({ '01H...': 'secret' }));
 */
export async function startSecretsManagerDouble(
  options: { port?: number } = {},
): Promise<SecretsManagerDouble> {
  const secrets = new Map<string, { value: string; versionId: string; created: number }>();
  const counts = new Map<string, number>();
  const state = { failing: false };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': randomUUID(),
        });
        res.end(JSON.stringify(body));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'secretsmanager.GetSecretValue') {
        return reply(400, { __type: 'UnknownOperationException', message: `unsupported ${target}` });
      }
      let input: { SecretId?: string };
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { __type: 'SerializationException', message: 'bad json' });
      }
      const id = input.SecretId ?? '';
      counts.set(id, (counts.get(id) ?? 0) + 1);
      if (state.failing) {
        return reply(500, { __type: 'InternalServiceError', message: 'injected failure' });
      }
      const secret = secrets.get(id);
      if (!secret) {
        return reply(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      return reply(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}`,
        Name: id,
        SecretString: secret.value,
        VersionId: secret.versionId,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.created,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    put(secretId, secretString) {
      secrets.set(secretId, { value: secretString, versionId: randomUUID(), created: Date.now() / 1000 });
    },
    calls: (secretId) =>
      secretId === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(secretId) ?? 0),
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

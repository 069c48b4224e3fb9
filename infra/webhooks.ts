/**
 * `npm run webhooks -- sync [--dry-run]`: the registration the stack does at deploy, by hand, for
 * the apps of one configured Sinch region (cdk.json, or `--config`). Same logic (`syncWebhooks`)
 * as the custom resource.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Command, CommanderError } from 'commander';
import {
  currentSecret,
  type SyncWebhooksResult,
  syncWebhooks,
} from '../functions/registration/sync-webhooks';
import { SinchClient } from '../functions/sinch/client';
import { DEFAULT_TRIGGERS, parseBridgeConfig, readConfigSources } from './config';

export interface WebhooksCommandIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
}

interface SyncFlags {
  region?: string;
  config?: string;
  baseUrl?: string;
  secretsId?: string;
  credentialsId?: string;
  dryRun?: boolean;
  json?: boolean;
}

class UsageError extends Error {}

/**
 * Runs the command line; resolves with the process exit code (0 ok, 1 a webhook failed, 2 usage).
 *
 * @example
 * process.exitCode = await runWebhooksCommand(['sync', '--region', 'eu', '--dry-run'], { env: process.env, out: console.log, err: console.error });
 */
export async function runWebhooksCommand(argv: string[], io: WebhooksCommandIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('webhooks')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  program
    .command('sync')
    .description("create or update each configured app's Sinch webhook to point at the deployed bridge")
    .option('--region <region>', 'Sinch region of the apps (eu, us, br); needed when several are configured')
    .option('--config <path>', 'bridge config JSON (default: the "sinch" context of cdk.json)')
    .option(
      '--base-url <url>',
      'HTTP API URL of the stack (default WEBHOOK_BASE_URL; the part before /webhooks/ of a WebhookUrl output)',
    )
    .option(
      '--secrets-id <id>',
      'webhook secrets in Secrets Manager (default WEBHOOK_SECRETS_ID; or WEBHOOK_SECRETS_JSON)',
    )
    .option(
      '--credentials-id <id>',
      'access key in Secrets Manager (default SINCH_CREDENTIALS_ID; or SINCH_KEY_ID + SINCH_KEY_SECRET)',
    )
    .option('--dry-run', 'show what would change, change nothing')
    .option('--json', 'print the result as JSON')
    .action(async (flags: SyncFlags) => {
      const result = await sync(flags, io.env);
      if (flags.json) io.out(JSON.stringify(result, null, 2));
      else printResult(result, io.out);
      if (!result.ok) exitCode = 1;
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      io.err(`webhooks: ${error.message}`);
      return 2;
    }
    io.err(`webhooks: ${(error as Error).message}`);
    return 1;
  }
}

async function sync(flags: SyncFlags, env: NodeJS.ProcessEnv): Promise<SyncWebhooksResult> {
  const regions = parseBridgeConfig(
    readConfigSources(
      flags.config
        ? { sinchConfig: flags.config }
        : { sinch: JSON.parse(readFileSync('cdk.json', 'utf8')).context?.sinch },
    ),
  );
  const settings = flags.region ? regions.find((r) => r.sinchRegion === flags.region) : regions[0];
  if (!settings || (!flags.region && regions.length > 1)) {
    throw new UsageError(`pass --region, one of: ${regions.map((r) => r.sinchRegion).join(', ')}`);
  }
  const baseUrl = (flags.baseUrl ?? env.WEBHOOK_BASE_URL)?.replace(/\/+$/, '');
  if (!baseUrl) throw new UsageError("pass --base-url (or WEBHOOK_BASE_URL): the stack's API URL");

  // Secrets live in the stack's AWS region unless the environment says otherwise.
  const secretsManager = new SecretsManagerClient({ region: env.AWS_REGION ?? settings.awsRegion });
  const readSecretJson = async (secretId: string): Promise<unknown> => {
    const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
    return JSON.parse(SecretString ?? '{}');
  };
  const secretsId = flags.secretsId ?? env.WEBHOOK_SECRETS_ID;
  const secrets = env.WEBHOOK_SECRETS_JSON && !secretsId ? JSON.parse(env.WEBHOOK_SECRETS_JSON) : undefined;
  if (!secretsId && !secrets)
    throw new UsageError('pass --secrets-id (or WEBHOOK_SECRETS_ID, or WEBHOOK_SECRETS_JSON)');
  const webhookSecrets = secrets ?? (await readSecretJson(secretsId!));

  const credentialsId = flags.credentialsId ?? env.SINCH_CREDENTIALS_ID;
  const credentials = credentialsId
    ? ((await readSecretJson(credentialsId)) as { keyId: string; keySecret: string })
    : { keyId: env.SINCH_KEY_ID ?? '', keySecret: env.SINCH_KEY_SECRET ?? '' };
  if (!credentials.keyId || !credentials.keySecret) {
    throw new UsageError(
      'no Sinch access key: pass --credentials-id (or SINCH_CREDENTIALS_ID, or SINCH_KEY_ID + SINCH_KEY_SECRET)',
    );
  }

  const apps = settings.apps.map((app) => {
    const secret = currentSecret(webhookSecrets, app.id);
    if (!secret) throw new UsageError(`the webhook secrets have no secret for app ${app.id}`);
    return {
      appId: app.id,
      target: `${baseUrl}/webhooks/${app.id}`,
      secret,
      triggers: app.triggers ?? [...DEFAULT_TRIGGERS],
    };
  });
  const client = new SinchClient({
    region: settings.sinchRegion,
    projectId: settings.projectId,
    apiUrl: env.SINCH_API_URL || undefined,
    authUrl: env.SINCH_AUTH_URL || undefined,
    credentials,
  });
  return syncWebhooks({ client, apps, dryRun: flags.dryRun ?? false });
}

function printResult(result: SyncWebhooksResult, out: (line: string) => void): void {
  const verb = { create: 'create', update: 'update', none: 'unchanged', failed: 'FAILED' } as const;
  for (const r of result.results) {
    const what = r.action === 'update' ? ` (${r.changes.join(', ')})` : '';
    const id = r.webhookId ? ` webhook ${r.webhookId}` : '';
    out(
      `${verb[r.action].padEnd(9)} ${r.appId} -> ${r.target}${id}${what}${r.error ? `: ${r.error.message}` : ''}`,
    );
  }
  if (result.dryRun) out('dry run: nothing was changed at Sinch');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io = { env: process.env, out: (l: string) => console.log(l), err: (l: string) => console.error(l) };
  process.exitCode = await runWebhooksCommand(process.argv.slice(2), io);
}

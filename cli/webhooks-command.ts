/**
 * What `sinch-bridge webhooks list|sync` (and `npm run webhooks -- ...`) do once the flags are
 * parsed. Sync runs the same `syncWebhooks` as the stack's registration custom resource.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  currentSecret,
  type SyncWebhooksResult,
  syncWebhooks,
} from '../functions/registration/sync-webhooks';
import { SinchClient } from '../functions/sinch/client';
import { SinchWebhooksApi, WEBHOOK_TRIGGERS } from '../functions/sinch/webhooks-api';
import {
  BridgeConfigError,
  DEFAULT_TRIGGERS,
  parseBridgeConfig,
  readConfigSources,
  SINCH_REGIONS,
} from '../infra/config';
import type { CliContext } from './cli-context';
import { CliError, unknownValueError, usageError } from './cli-error';
import type { BridgeTarget } from './target';

/** Parsed flags of `webhooks list` and `webhooks sync`. */
export interface WebhookFlags {
  url?: string;
  baseUrl?: string;
  app?: string[];
  config?: string;
  region?: string;
  project?: string;
  trigger?: string[];
  secret?: string;
  secretsId?: string;
  credentialsId?: string;
  dryRun?: boolean;
  json?: boolean;
}

interface AppPlan {
  appId: string;
  triggers?: string[] | undefined;
}

export interface Plan {
  sinchRegion: string;
  projectId?: string | undefined;
  apps: AppPlan[];
  /** Where the apps came from, for messages. */
  appsFrom: string;
  awsRegion?: string | undefined;
}

/** The bridge config of `--config`, else `cdk.json`'s `sinch` context; undefined when neither exists. */
function readBridgeConfig(path: string | undefined) {
  const file = path ?? (existsSync('cdk.json') ? 'cdk.json' : undefined);
  if (!file) return undefined;
  try {
    const sources = path
      ? { sinchConfig: path }
      : {
          sinch: (JSON.parse(readFileSync(file, 'utf8')) as { context?: { sinch?: unknown } }).context?.sinch,
        };
    return { file, regions: parseBridgeConfig(readConfigSources(sources)) };
  } catch (error) {
    if (error instanceof BridgeConfigError) throw usageError(`${file}: ${error.message}`);
    throw usageError(`cannot read the bridge config ${file}: ${(error as Error).message}`);
  }
}

export function checkRegion(region: string | undefined): string | undefined {
  if (region !== undefined && !(SINCH_REGIONS as readonly string[]).includes(region)) {
    throw unknownValueError('Sinch region', region, SINCH_REGIONS);
  }
  return region;
}

function secretsFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  if (!env.WEBHOOK_SECRETS_JSON) return undefined;
  try {
    return JSON.parse(env.WEBHOOK_SECRETS_JSON) as Record<string, unknown>;
  } catch {
    throw usageError('WEBHOOK_SECRETS_JSON is not JSON');
  }
}

/** Which apps, in which region and project: flags first, then the runtime's own, then cdk.json. */
async function planOf(
  context: CliContext,
  flags: WebhookFlags,
  target: BridgeTarget | undefined,
): Promise<Plan> {
  const { env } = context.io;
  const region = checkRegion(flags.region) ?? checkRegion(env.SINCH_REGION || undefined);
  const explicitConfig = flags.config ? readBridgeConfig(flags.config) : undefined;
  const fromConfig = (config: NonNullable<ReturnType<typeof readBridgeConfig>>, from: string): Plan => {
    const settings = region ? config.regions.find((r) => r.sinchRegion === region) : config.regions[0];
    if (!settings || (!region && config.regions.length > 1)) {
      throw usageError(
        `${config.file} configures ${config.regions.map((r) => r.sinchRegion).join(', ')}: pass --region, one of them`,
      );
    }
    return {
      sinchRegion: settings.sinchRegion,
      projectId: settings.projectId,
      apps: settings.apps.map((a) => ({ appId: a.id, triggers: a.triggers })),
      appsFrom: from,
      awsRegion: settings.awsRegion,
    };
  };
  if (flags.app?.length) {
    const config = explicitConfig ?? undefined;
    return {
      sinchRegion: region ?? 'eu',
      projectId: config?.regions[0]?.projectId,
      apps: flags.app.map((appId) => ({ appId })),
      appsFrom: '--app',
    };
  }
  if (explicitConfig) return fromConfig(explicitConfig, `--config ${flags.config}`);
  if (target?.stack) {
    const apps = Object.keys(target.stack.outputs)
      .filter((k) => k.startsWith('WebhookUrl'))
      .map((k) => ({ appId: k.slice('WebhookUrl'.length) }));
    const sinchRegion = /conversation\.api\.sinch\.com/.test(
      target.stack.outputs.SinchServiceConnectionUrl ?? '',
    )
      ? new URL(target.stack.outputs.SinchServiceConnectionUrl!).hostname.split('.')[0]!
      : (region ?? 'eu');
    const projectId = /\/projects\/([^/]+)\//.exec(target.stack.outputs.SinchServiceConnectionUrl ?? '')?.[1];
    return {
      sinchRegion,
      projectId,
      apps,
      appsFrom: `stack ${target.stack.name}`,
      awsRegion: target.awsRegion,
    };
  }
  const secrets = secretsFromEnv(env);
  if (secrets)
    return {
      sinchRegion: region ?? 'eu',
      apps: Object.keys(secrets).map((appId) => ({ appId })),
      appsFrom: 'WEBHOOK_SECRETS_JSON',
    };
  if (target?.local) {
    return {
      sinchRegion: region ?? target.local.sinchRegion,
      projectId: target.local.projectId,
      apps: Object.keys(target.local.secrets).map((appId) => ({ appId })),
      appsFrom: 'the local bridge',
    };
  }
  const config = readBridgeConfig(undefined);
  if (config) return fromConfig(config, config.file);
  throw usageError(
    'no apps: pass --app <appId> (repeatable) or --config <file>, or set WEBHOOK_SECRETS_JSON',
  );
}

/** Reads a Secrets Manager secret as JSON (default SDK configuration; the stack's region). */
async function secretJson(secretId: string, awsRegion: string | undefined): Promise<unknown> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient(awsRegion && !process.env.AWS_REGION ? { region: awsRegion } : {});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return JSON.parse(SecretString ?? '{}');
  } catch (error) {
    throw new CliError(
      'failed',
      `cannot read secret ${secretId}: ${(error as Error).name}: ${(error as Error).message}`,
    );
  } finally {
    client.destroy();
  }
}

/** A Conversation API client, or undefined when no credentials are known. */
export async function sinchClientOf(
  context: CliContext,
  flags: WebhookFlags,
  plan: Plan,
  target: BridgeTarget | undefined,
): Promise<SinchClient | undefined> {
  const { env } = context.io;
  const projectId = flags.project ?? env.SINCH_PROJECT_ID ?? plan.projectId;
  const credentialsId =
    flags.credentialsId ?? env.SINCH_CREDENTIALS_ID ?? target?.stack?.outputs.SinchCredentialsArn;
  const credentials = credentialsId
    ? ((await secretJson(credentialsId, plan.awsRegion)) as { keyId?: string; keySecret?: string })
    : { keyId: env.SINCH_KEY_ID, keySecret: env.SINCH_KEY_SECRET };
  if (!credentials.keyId || !credentials.keySecret) return undefined;
  if (!projectId) throw usageError('no Sinch project: pass --project or set SINCH_PROJECT_ID');
  return new SinchClient({
    region: plan.sinchRegion,
    projectId,
    apiUrl: env.SINCH_API_URL || undefined,
    authUrl: env.SINCH_AUTH_URL || undefined,
    credentials: { keyId: credentials.keyId, keySecret: credentials.keySecret },
  });
}

export const NO_CREDENTIALS =
  'no Sinch access key: set SINCH_KEY_ID and SINCH_KEY_SECRET (and SINCH_PROJECT_ID), or pass --credentials-id';

/** The target only when the user chose one or a local bridge runs; webhooks work without any. */
export async function optionalTarget(context: CliContext): Promise<BridgeTarget | undefined> {
  const target = await context.target();
  return target.mode === 'local' || target.stack ? target : undefined;
}

/**
 * Runs `webhooks list`.
 *
 * @example
 * await listWebhooks(context, { app: ['01H...'] });
 */
export async function listWebhooks(context: CliContext, flags: WebhookFlags): Promise<void> {
  const target = await optionalTarget(context);
  const plan = await planOf(context, flags, target);
  const client = await sinchClientOf(context, flags, plan, target);
  if (!client) throw usageError(NO_CREDENTIALS);
  const api = new SinchWebhooksApi(client);
  for (const { appId } of plan.apps) {
    let hooks: Awaited<ReturnType<SinchWebhooksApi['list']>>;
    try {
      hooks = await api.list(appId);
    } catch (error) {
      throw new CliError(
        'failed',
        `listing the webhooks of app ${appId} failed: ${(error as Error).message}`,
      );
    }
    for (const { secret: _secret, ...hook } of hooks) {
      if (flags.json)
        await context.io.stdout(`${JSON.stringify({ ...hook, app_id: hook.app_id ?? appId })}\n`);
      else
        await context.io.stdout(`${appId}  ${hook.id}  ${hook.target}  ${(hook.triggers ?? []).join(',')}\n`);
    }
    if (!flags.json && hooks.length === 0) await context.io.stdout(`${appId}  (no webhooks)\n`);
  }
}

/** The words of the result, the same on the CLI and in `npm run webhooks`. */
function verbOf(action: 'create' | 'update' | 'none' | 'failed', dryRun: boolean): string {
  if (action === 'failed') return 'FAILED';
  const word = action === 'none' ? 'leave' : action;
  return dryRun ? `would ${word}` : { create: 'created', update: 'updated', leave: 'left' }[word]!;
}

/**
 * Runs `webhooks sync`.
 *
 * @example
 * await syncWebhooksCommand(context, { url: 'https://abc.execute-api.eu-west-1.amazonaws.com', dryRun: true });
 */
export async function syncWebhooksCommand(context: CliContext, flags: WebhookFlags): Promise<void> {
  const { io } = context;
  if (flags.url && flags.baseUrl && flags.url !== flags.baseUrl)
    throw usageError('--url and --base-url differ: give one');
  for (const trigger of flags.trigger ?? []) {
    if (!(WEBHOOK_TRIGGERS as readonly string[]).includes(trigger))
      throw unknownValueError('trigger', trigger, WEBHOOK_TRIGGERS);
  }
  const target = await optionalTarget(context);
  const plan = await planOf(context, flags, target);
  const stackBase = target?.stack
    ? Object.entries(target.stack.outputs)
        .find(([k]) => k.startsWith('WebhookUrl'))?.[1]
        ?.replace(/\/webhooks\/[^/]+$/, '')
    : undefined;
  const rawBase = flags.url ?? flags.baseUrl ?? io.env.WEBHOOK_BASE_URL ?? stackBase;
  if (!rawBase)
    throw usageError("pass --url <baseUrl> (or WEBHOOK_BASE_URL, or --stack): the bridge's public base URL");
  if (!URL.canParse(rawBase) || !/^https?:$/.test(new URL(rawBase).protocol)) {
    throw usageError(`--url must be an http(s) URL, got "${rawBase}"`);
  }
  const base = rawBase.replace(/\/+$/, '');

  const secretsId = flags.secretsId ?? io.env.WEBHOOK_SECRETS_ID ?? target?.stack?.outputs.WebhookSecretsArn;
  const secrets: unknown = flags.secret
    ? undefined
    : secretsId
      ? await secretJson(secretsId, plan.awsRegion)
      : (secretsFromEnv(io.env) ?? target?.local?.secrets);
  const specs = plan.apps.map((app) => {
    const secret = flags.secret ?? currentSecret(secrets, app.appId);
    if (!secret) {
      throw usageError(
        `no secret for app ${app.appId}: pass --secret or --secrets-id, or set WEBHOOK_SECRETS_JSON`,
      );
    }
    return {
      appId: app.appId,
      target: `${base}/webhooks/${app.appId}`,
      secret,
      triggers: flags.trigger ?? app.triggers ?? [...DEFAULT_TRIGGERS],
    };
  });
  const client = await sinchClientOf(context, flags, plan, target);
  let result: SyncWebhooksResult;
  if (!client) {
    if (!flags.dryRun) throw usageError(NO_CREDENTIALS);
    // Without credentials the plan cannot be compared with Sinch: say what it would make sure of.
    for (const spec of specs) {
      const line = `would create or update  ${spec.appId} -> ${spec.target}  triggers ${spec.triggers.join(',')}  (not compared with Sinch: no access key)`;
      if (flags.json)
        await io.stdout(
          `${JSON.stringify({ ...spec, secret: undefined, action: 'unknown', dryRun: true })}\n`,
        );
      else await io.stdout(`${line}\n`);
    }
    if (!flags.json) io.stderr(`dry run (apps from ${plan.appsFrom}): nothing was changed at Sinch\n`);
    return;
  }
  result = await syncWebhooks({ client, apps: specs, dryRun: flags.dryRun ?? false });
  if (flags.json) {
    await io.stdout(`${JSON.stringify(result)}\n`);
  } else {
    for (const r of result.results) {
      const what = r.action === 'update' ? ` (${r.changes.join(', ')})` : '';
      const id = r.webhookId ? `  webhook ${r.webhookId}` : '';
      await io.stdout(
        `${verbOf(r.action, result.dryRun).padEnd(12)} ${r.appId} -> ${r.target}${id}${what}${r.error ? `: ${r.error.message}` : ''}\n`,
      );
    }
    io.stderr(
      `${result.dryRun ? 'dry run: nothing was changed at Sinch' : 'done'} (apps from ${plan.appsFrom})\n`,
    );
  }
  if (!result.ok) throw new CliError('failed', 'some webhooks could not be synced');
}

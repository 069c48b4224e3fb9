/**
 * What `sinch-bridge webhooks rotate` does once the flags are parsed: finds the secrets, Sinch
 * and the app's webhook URL for the target (the local bridge, or AWS), then runs
 * `rotateAppSecret` (functions/registration/rotate-secret.ts), printing each step.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  RotationError,
  type RotationProgress,
  rotateAppSecret,
} from '../functions/registration/rotate-secret';
import { SinchClient } from '../functions/sinch/client';
import type { SinchRequester } from '../functions/sinch/webhooks-api';
import { WebhookSecretsWriteError } from '../functions/webhook/webhook-secrets-store';
import type { CliContext } from './cli-context';
import { CliError, usageError } from './cli-error';
import type { BridgeTarget } from './target';
import {
  checkRegion,
  NO_CREDENTIALS,
  optionalTarget,
  type Plan,
  sinchClientOf,
  type WebhookFlags,
} from './webhooks-command';

/** Parsed flags of `webhooks rotate`. */
export interface RotateFlags {
  app: string;
  callbackUrl?: boolean;
  start?: boolean;
  finish?: boolean;
  propagation?: number;
  grace?: number;
  url?: string;
  baseUrl?: string;
  secretsId?: string;
  credentialsId?: string;
  region?: string;
  project?: string;
  json?: boolean;
}

/** The stack's default `SECRETS_MAX_AGE_SECONDS` plus a margin: every warm container has refetched by then. */
export const AWS_PROPAGATION_SECONDS = 330;
/** How long the old secret stays accepted after Sinch switched (callbacks it signed before, and their retries). */
export const AWS_GRACE_SECONDS = 900;
export const LOCAL_GRACE_SECONDS = 10;

interface RotationTarget {
  secrets: SecretsManagerClient;
  secretId: string;
  sinch: SinchRequester;
  webhookUrl: string;
  propagationSeconds: number;
  graceSeconds: number;
  where: string;
}

async function secretsClient(local: BridgeTarget['local'], awsRegion: string | undefined) {
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  if (local) {
    // The local double accepts any key; a profile from the shell must not be needed.
    return new SecretsManagerClient({
      endpoint: local.endpoints.secretsManager,
      region: local.awsRegion,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }
  return new SecretsManagerClient(awsRegion && !process.env.AWS_REGION ? { region: awsRegion } : {});
}

async function localTarget(
  local: NonNullable<BridgeTarget['local']>,
  flags: RotateFlags,
): Promise<RotationTarget> {
  if (!local.secretIds || !local.sinchApiUrl) {
    throw usageError('this local bridge predates `webhooks rotate`: restart it (npm start)');
  }
  const secrets = await secretsClient(local, undefined);
  const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const stored = await secrets.send(
    new GetSecretValueCommand({ SecretId: local.secretIds.sinchCredentials }),
  );
  const key = JSON.parse(stored.SecretString ?? '{}') as { keyId?: string; keySecret?: string };
  if (!key.keyId || !key.keySecret) throw usageError(NO_CREDENTIALS);
  return {
    secrets,
    secretId: local.secretIds.webhookSecrets,
    sinch: new SinchClient({
      region: local.sinchRegion,
      projectId: local.projectId,
      apiUrl: local.sinchApiUrl,
      authUrl: local.sinchAuthUrl || undefined,
      credentials: { keyId: key.keyId, keySecret: key.keySecret },
    }),
    webhookUrl: `${(flags.url ?? flags.baseUrl ?? local.webhookBaseUrl).replace(/\/+$/, '')}/webhooks/${flags.app}`,
    propagationSeconds: (local.secretsMaxAgeSeconds ?? 300) + 1,
    graceSeconds: LOCAL_GRACE_SECONDS,
    where: `the local bridge (pid ${local.pid})`,
  };
}

async function awsTarget(
  context: CliContext,
  flags: RotateFlags,
  target: BridgeTarget | undefined,
): Promise<RotationTarget> {
  const { env } = context.io;
  const outputs = target?.stack?.outputs ?? {};
  const connection = outputs.SinchServiceConnectionUrl ?? '';
  const region =
    checkRegion(flags.region) ??
    checkRegion(env.SINCH_REGION || undefined) ??
    (/^https:\/\/([a-z]+)\.conversation\.api\.sinch\.com/.exec(connection)?.[1] || undefined);
  if (!region) throw usageError('no Sinch region: pass --region or set SINCH_REGION (or use --stack)');
  const plan: Plan = {
    sinchRegion: region,
    projectId: /\/projects\/([^/]+)\//.exec(connection)?.[1],
    apps: [{ appId: flags.app }],
    appsFrom: '--app',
    awsRegion: target?.awsRegion,
  };
  const secretId = flags.secretsId ?? env.WEBHOOK_SECRETS_ID ?? outputs.WebhookSecretsArn;
  if (!secretId) {
    throw usageError('no webhook secrets: pass --secrets-id or --stack, or set WEBHOOK_SECRETS_ID');
  }
  const base = flags.url ?? flags.baseUrl ?? env.WEBHOOK_BASE_URL;
  const webhookUrl = base
    ? `${base.replace(/\/+$/, '')}/webhooks/${flags.app}`
    : outputs[`WebhookUrl${flags.app}`];
  if (!webhookUrl) {
    throw usageError(
      target?.stack
        ? `stack ${target.stack.name} has no webhook for app ${flags.app} (output WebhookUrl${flags.app})`
        : "pass --url <baseUrl> (or WEBHOOK_BASE_URL, or --stack): the bridge's public base URL",
    );
  }
  const clientFlags: WebhookFlags = {
    ...(flags.project ? { project: flags.project } : {}),
    ...(flags.credentialsId ? { credentialsId: flags.credentialsId } : {}),
  };
  const sinch = await sinchClientOf(context, clientFlags, plan, target);
  if (!sinch) throw usageError(NO_CREDENTIALS);
  return {
    secrets: await secretsClient(undefined, plan.awsRegion),
    secretId,
    sinch,
    webhookUrl,
    propagationSeconds: AWS_PROPAGATION_SECONDS,
    graceSeconds: AWS_GRACE_SECONDS,
    where: target?.stack ? `stack ${target.stack.name}` : `secret ${secretId}`,
  };
}

/** One line per step, for people (never a secret). */
function describe(step: RotationProgress, what: string): string {
  switch (step.step) {
    case 'stored':
      return step.resumed
        ? `resumed: app ${step.appId} already holds [new, old] ${what} secrets from an unfinished rotation`
        : `stored [new, old] ${what} secrets of app ${step.appId}: both are accepted`;
    case 'propagating':
      return `waiting ${Math.round(step.waitMs / 1000)} s until every webhook container has both secrets`;
    case 'sinch_updated':
      return step.webhookIds.length > 0
        ? `Sinch now signs with the new secret (webhook ${step.webhookIds.join(', ')})`
        : `Sinch now signs callback URL reports of app ${step.appId} with the new secret`;
    case 'grace':
      return `grace: the old secret stays accepted ${Math.round(step.waitMs / 1000)} s more`;
    case 'finished':
      return step.dropped
        ? `dropped the old ${what} secret of app ${step.appId}: rotation done`
        : `app ${step.appId} holds one ${what} secret: nothing to drop`;
  }
}

/**
 * Runs `webhooks rotate`.
 *
 * @example
 * await rotateWebhookSecretCommand(context, { app: '01H...', grace: 900 });
 */
export async function rotateWebhookSecretCommand(context: CliContext, flags: RotateFlags): Promise<void> {
  const { io } = context;
  if (flags.start && flags.finish) throw usageError('--start and --finish are two halves: give one');
  const target = await optionalTarget(context);
  const chosen = target?.local
    ? await localTarget(target.local, flags)
    : await awsTarget(context, flags, target);
  const kind = flags.callbackUrl ? 'callbackUrl' : 'webhook';
  const what = flags.callbackUrl ? 'callback URL' : 'webhook';
  io.stderr(`rotating the ${what} secret of app ${flags.app} (${chosen.where})\n`);
  try {
    await rotateAppSecret({
      secrets: chosen.secrets,
      secretId: chosen.secretId,
      sinch: chosen.sinch,
      appId: flags.app,
      kind,
      target: chosen.webhookUrl,
      phase: flags.finish ? 'finish' : flags.start ? 'start' : 'all',
      propagationMs: (flags.propagation ?? chosen.propagationSeconds) * 1000,
      graceMs: (flags.grace ?? chosen.graceSeconds) * 1000,
      progress: async (step) => {
        if (flags.json) await io.stdout(`${JSON.stringify(step)}\n`);
        else await io.stdout(`${describe(step, what)}\n`);
      },
    });
    if (flags.start && !flags.json) {
      await io.stdout(
        `next: after the grace period, \`sinch-bridge webhooks rotate --app ${flags.app}${
          flags.callbackUrl ? ' --callback-url' : ''
        } --finish\` drops the old secret\n`,
      );
    }
  } catch (error) {
    if (error instanceof RotationError || error instanceof WebhookSecretsWriteError) {
      throw new CliError('failed', error.message);
    }
    throw error;
  } finally {
    chosen.secrets.destroy();
  }
}

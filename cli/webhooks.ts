import type { Command } from 'commander';
import { currentSecret, syncWebhooks } from '../functions/registration/sync-webhooks';
import { SinchClient } from '../functions/sinch/client';
import { SinchWebhooksApi } from '../functions/sinch/webhooks-api';
import { DEFAULT_TRIGGERS } from '../infra/config';
import { readLocalBridgeState } from '../local/state';
import { CliError, usageError } from './cli-error';
import type { CliIo } from './main';

interface SinchFlags {
  project?: string;
  region?: string;
  app?: string[];
}

/** A Conversation API client from flags and `SINCH_*` variables; a usage error naming what is missing. */
function sinchClientOf(flags: SinchFlags, env: NodeJS.ProcessEnv): SinchClient {
  const projectId = flags.project ?? env.SINCH_PROJECT_ID;
  const region = flags.region ?? env.SINCH_REGION ?? 'eu';
  const keyId = env.SINCH_KEY_ID;
  const keySecret = env.SINCH_KEY_SECRET;
  if (!projectId || !keyId || !keySecret) {
    throw usageError(
      'the Sinch API needs SINCH_PROJECT_ID (or --project), SINCH_KEY_ID and SINCH_KEY_SECRET',
    );
  }
  return new SinchClient({
    region,
    projectId,
    apiUrl: env.SINCH_API_URL || undefined,
    authUrl: env.SINCH_AUTH_URL || undefined,
    credentials: { keyId, keySecret },
  });
}

/** Webhook secrets from `WEBHOOK_SECRETS_JSON`, else the running local bridge. */
function knownSecrets(env: NodeJS.ProcessEnv): Record<string, unknown> {
  if (env.WEBHOOK_SECRETS_JSON) {
    try {
      return JSON.parse(env.WEBHOOK_SECRETS_JSON) as Record<string, unknown>;
    } catch {
      throw usageError('WEBHOOK_SECRETS_JSON is not JSON');
    }
  }
  return readLocalBridgeState()?.secrets ?? {};
}

function appsOf(flags: SinchFlags, env: NodeJS.ProcessEnv): string[] {
  const apps = flags.app?.length ? flags.app : Object.keys(knownSecrets(env));
  if (apps.length === 0)
    throw usageError('no apps: pass --app <appId> (repeatable) or set WEBHOOK_SECRETS_JSON');
  return apps;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `webhooks list|sync`: the Conversation API webhooks of the bridge's apps, with the same sync
 * logic the stack's registration custom resource runs.
 *
 * @example
 * registerWebhookCommands(program, io);
 */
export function registerWebhookCommands(program: Command, io: CliIo): void {
  const webhooks = program
    .command('webhooks')
    .description(
      'list or sync the Sinch webhooks of the apps (needs SINCH_PROJECT_ID, SINCH_KEY_ID, SINCH_KEY_SECRET)',
    );

  webhooks
    .command('list')
    .description("list each app's webhooks at Sinch (secrets are not shown)")
    .option(
      '--app <appId>',
      'app, repeatable (default: the apps of WEBHOOK_SECRETS_JSON or the local bridge)',
      collect,
    )
    .option('--project <projectId>', 'Sinch project (default SINCH_PROJECT_ID)')
    .option('--region <region>', 'eu, us or br (default SINCH_REGION, else eu)')
    .option('--json', 'one JSON document per webhook')
    .action(async (flags: SinchFlags & { json?: boolean }) => {
      const apps = appsOf(flags, io.env);
      const api = new SinchWebhooksApi(sinchClientOf(flags, io.env));
      for (const appId of apps) {
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
          if (flags.json) io.stdout(`${JSON.stringify({ ...hook, app_id: hook.app_id ?? appId })}\n`);
          else io.stdout(`${appId}  ${hook.id}  ${hook.target}  ${(hook.triggers ?? []).join(',')}\n`);
        }
        if (!flags.json && hooks.length === 0) io.stdout(`${appId}  (no webhooks)\n`);
      }
    });

  webhooks
    .command('sync')
    .description('make each app have one webhook to <url>/webhooks/<appId>, signed with its secret')
    .requiredOption(
      '--url <baseUrl>',
      "the bridge's public base URL (the stack's API endpoint, or a tunnel to the local bridge)",
    )
    .option(
      '--app <appId>',
      'app, repeatable (default: the apps of WEBHOOK_SECRETS_JSON or the local bridge)',
      collect,
    )
    .option(
      '--secret <secret>',
      "the signing secret (default: the app's current secret in WEBHOOK_SECRETS_JSON or the local bridge)",
    )
    .option('--trigger <trigger>', `trigger, repeatable (default: ${DEFAULT_TRIGGERS.join(', ')})`, collect)
    .option('--project <projectId>', 'Sinch project (default SINCH_PROJECT_ID)')
    .option('--region <region>', 'eu, us or br (default SINCH_REGION, else eu)')
    .option('--dry-run', 'show what would change, change nothing')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        flags: SinchFlags & {
          url: string;
          secret?: string;
          trigger?: string[];
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        if (!URL.canParse(flags.url)) throw usageError(`--url must be a URL, got "${flags.url}"`);
        const base = flags.url.replace(/\/+$/, '');
        const secrets = knownSecrets(io.env);
        const apps = appsOf(flags, io.env).map((appId) => {
          const secret = flags.secret ?? currentSecret(secrets, appId);
          if (!secret)
            throw usageError(`no secret for app ${appId}: pass --secret or set WEBHOOK_SECRETS_JSON`);
          return {
            appId,
            target: `${base}/webhooks/${appId}`,
            secret,
            triggers: flags.trigger ?? [...DEFAULT_TRIGGERS],
          };
        });
        const result = await syncWebhooks({
          client: sinchClientOf(flags, io.env),
          apps,
          dryRun: flags.dryRun ?? false,
        });
        if (flags.json) {
          io.stdout(`${JSON.stringify(result)}\n`);
        } else {
          for (const r of result.results) {
            const what = r.action === 'update' ? `update (${r.changes.join(', ')})` : r.action;
            io.stdout(
              `${r.appId}  ${result.dryRun ? 'would ' : ''}${what}  ${r.target}${r.webhookId ? `  ${r.webhookId}` : ''}${r.error ? `  ${r.error.message}` : ''}\n`,
            );
          }
        }
        if (!result.ok) throw new CliError('failed', 'some webhooks could not be synced');
      },
    );
}

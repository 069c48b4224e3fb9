import { type Command, InvalidArgumentError } from 'commander';
import { type CliContext, type CommandGroup, collect, subcommandOf } from '../cli-context';
import type { WebhookFlags } from '../webhooks-command';
import type { RotateFlags } from '../webhooks-rotate-command';

const appOption = [
  '--app <appId>',
  'app, repeatable (default: --config, else WEBHOOK_SECRETS_JSON, the local bridge, or cdk.json)',
] as const;
const configOption = [
  '--config <path>',
  'bridge config JSON (the "sinch" object of cdk.json); its apps of --region and their triggers',
] as const;
const regionOption = [
  '--region <region>',
  'Sinch region: eu, us or br (default SINCH_REGION, else the config)',
] as const;
const projectOption = [
  '--project <projectId>',
  'Sinch project (default SINCH_PROJECT_ID, else the config)',
] as const;
const credentialsOption = [
  '--credentials-id <id>',
  'access key {"keyId","keySecret"} in Secrets Manager (default SINCH_CREDENTIALS_ID; else SINCH_KEY_ID + SINCH_KEY_SECRET)',
] as const;

/** Whole seconds, 0 allowed (a grace period may be skipped on purpose). */
function seconds(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) {
    throw new InvalidArgumentError('expected whole seconds (0 or more)');
  }
  return parsed;
}

/**
 * `webhooks list|sync|rotate`: the one webhook tool (`npm run webhooks -- ...` runs the same commands).
 *
 * @example
 * registerWebhooksCommands(program, context);
 */
export const registerWebhooksCommands: CommandGroup = (program: Command, context: CliContext) => {
  const webhooks = subcommandOf(program, 'webhooks', "show or fix the apps' Sinch webhooks");

  webhooks
    .command('list')
    .description("list each app's webhooks at Sinch (secrets are not shown)")
    .option(...appOption, collect)
    .option(...configOption)
    .option(...regionOption)
    .option(...projectOption)
    .option(...credentialsOption)
    .option('--json', 'one JSON document per webhook')
    .addHelpText(
      'after',
      '\nExit codes: 0 listed, 1 Sinch refused or failed, 2 usage or missing credentials.',
    )
    .action(async (flags: WebhookFlags) => {
      const { listWebhooks } = await import('../webhooks-command');
      await listWebhooks(context, flags);
    });

  webhooks
    .command('sync')
    .description('make each app have one webhook to <url>/webhooks/<appId>, signed with its secret')
    .option(
      '--url <baseUrl>',
      "the bridge's base URL (default WEBHOOK_BASE_URL, or the --stack's webhook outputs)",
    )
    .option('--base-url <baseUrl>', 'the same as --url')
    .option(...appOption, collect)
    .option(...configOption)
    .option(...regionOption)
    .option(...projectOption)
    .option(
      '--trigger <trigger>',
      'trigger, repeatable (default: the config, else MESSAGE_INBOUND, MESSAGE_DELIVERY, EVENT_INBOUND, MESSAGE_SUBMIT)',
      collect,
    )
    .option(
      '--secret <secret>',
      "the signing secret (default: the app's current secret from --secrets-id, WEBHOOK_SECRETS_JSON or the local bridge)",
    )
    .option(
      '--secrets-id <id>',
      'webhook secrets {"<appId>": "<secret>"} in Secrets Manager (default WEBHOOK_SECRETS_ID)',
    )
    .option(...credentialsOption)
    .option(
      '--dry-run',
      'say what would change, change nothing (works without Sinch credentials, without comparing)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nSays per app: create, update (what changes) or leave (already right); "would ..." on --dry-run.\n' +
        'Exit codes: 0 done, 1 an app could not be synced, 2 usage or missing configuration.',
    )
    .action(async (flags: WebhookFlags) => {
      const { syncWebhooksCommand } = await import('../webhooks-command');
      await syncWebhooksCommand(context, flags);
    });

  webhooks
    .command('rotate')
    .description(
      "rotate an app's secret end to end: [new, old] stored, Sinch updated, the old one dropped after a grace period",
    )
    .requiredOption('--app <appId>', 'the app whose secret changes')
    .option(
      '--callback-url',
      "rotate the app's secret_for_overridden_callback_urls (reports of commands sent with callbackUrl) instead",
    )
    .option(
      '--start',
      'stop once Sinch signs with the new secret (both stay accepted); finish later with --finish',
    )
    .option(
      '--finish',
      'only drop the old secret (checks first that Sinch shows the new one, when it shows it)',
    )
    .option(
      '--propagation <seconds>',
      "wait before telling Sinch, so every webhook container has both secrets (default: the webhook's SECRETS_MAX_AGE_SECONDS + 30 s, 330; locally the bridge's + 1)",
      seconds,
    )
    .option(
      '--grace <seconds>',
      'how long the old secret stays accepted after Sinch switched (default 900; locally 10)',
      seconds,
    )
    .option(
      '--url <baseUrl>',
      "the bridge's base URL (default WEBHOOK_BASE_URL, or the --stack's webhook output)",
    )
    .option('--base-url <baseUrl>', 'the same as --url')
    .option(
      '--secrets-id <id>',
      'webhook secrets in Secrets Manager (default WEBHOOK_SECRETS_ID, or the --stack output WebhookSecretsArn)',
    )
    .option(...credentialsOption)
    .option(...regionOption)
    .option(...projectOption)
    .option('--json', 'one JSON document per step')
    .addHelpText(
      'after',
      '\nWorks on the local bridge while one runs, else on AWS (--stack, or --secrets-id and --url).\n' +
        'Run it again to resume an interrupted rotation. Exit codes: 0 done, 1 a step failed (the\n' +
        'message says what is stored and what to run), 2 usage or missing configuration.',
    )
    .action(async (flags: RotateFlags) => {
      const { rotateWebhookSecretCommand } = await import('../webhooks-rotate-command');
      await rotateWebhookSecretCommand(context, flags);
    });
};

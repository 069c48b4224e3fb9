import { type Command, Option } from 'commander';
import { type CliContext, type CommandGroup, positiveInt } from '../cli-context';
import { SIMULATED_TRIGGERS } from '../sample-callbacks';
import type { SimulateFlags } from '../simulate-command';

/**
 * `simulate`: post a correctly signed Sinch callback to a webhook.
 *
 * @example
 * registerSimulateCommand(program, context);
 */
export const registerSimulateCommand: CommandGroup = (program: Command, context: CliContext) => {
  program
    .command('simulate')
    .description('post a correctly signed Sinch callback of any trigger to a webhook URL')
    .option('--url <url>', 'webhook URL (default: the local bridge, /webhooks/<app>)')
    .option('--app <appId>', "app id (default: from --url, else the local bridge's first app)")
    .option(
      '--secret <secret>',
      'webhook secret (default: SINCH_WEBHOOK_SECRET, WEBHOOK_SECRETS_JSON or the local bridge)',
    )
    .addOption(
      new Option('--trigger <trigger>', 'callback trigger')
        .choices(SIMULATED_TRIGGERS)
        .default('MESSAGE_INBOUND'),
    )
    .addOption(
      new Option('-f, --file <path>', 'post this callback body as is (JSON file, "-" for stdin)').conflicts([
        'text',
        'status',
        'messageId',
      ]),
    )
    .option('--text <text>', 'message text (MESSAGE_INBOUND, MESSAGE_SUBMIT)')
    .option('--channel <channel>', 'channel of the contact', 'WHATSAPP')
    .option('--identity <identity>', 'identity of the contact on the channel', '46700000000')
    .option('--status <status>', 'delivery status (MESSAGE_DELIVERY, EVENT_DELIVERY)')
    .option('--message-id <id>', 'message id a delivery report is about')
    .option(
      '--project <projectId>',
      "project id in the body (default: SINCH_PROJECT_ID or the local bridge's)",
    )
    .option(
      '--timestamp <unixSeconds>',
      'sign with this timestamp (e.g. an old one, to see a 401)',
      positiveInt,
    )
    .option('--json', 'print the webhook answer as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 the webhook answered 2xx, 1 it answered otherwise or was unreachable, 2 usage.',
    )
    .action(async (flags: SimulateFlags) => {
      const { simulateCommand } = await import('../simulate-command');
      await simulateCommand(context, flags);
    });
};

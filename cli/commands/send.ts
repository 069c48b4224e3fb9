import { type Command, Option } from 'commander';
import { type CliContext, type CommandGroup, collect } from '../cli-context';
import type { SendCommandFlags } from '../send-command';

/** Flags that build a command; a `--file` replaces them all. */
const BUILDING_FLAGS = [
  'id',
  'app',
  'from',
  'to',
  'contact',
  'text',
  'media',
  'template',
  'template-version',
  'language',
  'priority',
  'metadata',
  'channel-priority',
];

/**
 * `send`: enqueue an outbound command (a reused id is reported as deduplicated).
 *
 * @example
 * registerSendCommand(program, context);
 */
export const registerSendCommand: CommandGroup = (program: Command, context: CliContext) => {
  program
    .command('send')
    .description('enqueue an outbound command from flags or a JSON file')
    .addOption(
      new Option(
        '-f, --file <path>',
        'the command as JSON ("-" reads stdin); replaces the flags below',
      ).conflicts(BUILDING_FLAGS.map((flag) => flag.replace(/-(.)/g, (_, c: string) => c.toUpperCase()))),
    )
    .option('--id <id>', 'idempotency key and Sinch correlation_id (default: cli-<uuid>)')
    .option('--app <appId>', 'the Sinch app to send from (default with the local bridge: its first app)')
    .option('--from <queueAddress>', 'send from <appId>@<subchannel>.sinchconversation.com')
    .option('--to <CHANNEL:identity>', 'recipient, repeatable for channel fallback', collect)
    .addOption(
      new Option('--contact <contactId>', 'recipient contact (CONVERSATION-mode apps only)').conflicts('to'),
    )
    .addOption(new Option('--text <text>', 'a text message').conflicts(['media', 'template']))
    .addOption(new Option('--media <url>', 'a media message').conflicts(['template']))
    .option('--template <id>', 'a template message')
    .option('--template-version <version>', 'template version')
    .option('--language <code>', 'template language code')
    .addOption(new Option('--priority <priority>', 'queue priority at Sinch').choices(['normal', 'high']))
    .option('--metadata <text>', 'message metadata echoed on delivery reports')
    .option('--channel-priority <CHANNEL>', 'channel order, repeatable', collect)
    .option('--queue-url <url>', 'outbound queue URL (default: the target)')
    .option('--no-validate', 'enqueue even if the command is invalid (to watch it fail)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 enqueued (or deduplicated), 1 SQS failed, 2 invalid command or usage, 130 Ctrl-C.',
    )
    .action(async (flags: SendCommandFlags) => {
      const { sendCommand } = await import('../send-command');
      await sendCommand(context, flags);
    });
};

import { type Command, Option } from 'commander';
import { type CliContext, type CommandGroup, collect, positiveInt } from '../cli-context';
import { usageError } from '../cli-error';
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
 * `send`: enqueue an outbound command, optionally `--wait` for its outcome (and delivery).
 *
 * @example
 * registerSendCommand(program, context);
 */
export const registerSendCommand: CommandGroup = (program: Command, context: CliContext) => {
  program
    .command('send')
    .description('enqueue an outbound command from flags or a JSON file; --wait for its outcome')
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
    .addOption(
      new Option(
        '--wait [until]',
        'wait for the outcome (accepted or failed), or with "delivered" also for the delivery report',
      )
        .choices(['outcome', 'delivered'])
        .preset('outcome'),
    )
    .option('--timeout <seconds>', 'how long --wait waits (default 60)', positiveInt)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 enqueued (with --wait: accepted, and delivered or read with --wait delivered),\n' +
        '1 the command failed (outbound.failed, or a FAILED delivery report), 2 invalid command or usage,\n' +
        '3 --wait saw no outcome in time, 130 Ctrl-C.',
    )
    .action(async (flags: SendCommandFlags) => {
      if (flags.timeout !== undefined && !flags.wait) throw usageError('--timeout needs --wait');
      if (flags.wait && !flags.validate) throw usageError('--wait needs a valid command: drop --no-validate');
      const { sendCommand } = await import('../send-command');
      await sendCommand(context, flags);
    });
};

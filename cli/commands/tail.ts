import type { Command } from 'commander';
import { type CliContext, type CommandGroup, collect, positiveInt } from '../cli-context';
import type { TailFlags } from '../tail-command';

/**
 * `tail`: follow the events queue, or `--peek` at it.
 *
 * @example
 * registerTailCommand(program, context);
 */
export const registerTailCommand: CommandGroup = (program: Command, context: CliContext) => {
  program
    .command('tail')
    .description('follow the events queue: consumes what it shows; --peek looks without removing anything')
    .option('--peek', 'one look at what is waiting, deleting nothing (each message shown costs one receive)')
    .option(
      '--type <type>',
      'only events of this type, repeatable (full, e.g. sinch.bridge.outbound.failed, or short: outbound.failed); needs --peek',
      collect,
    )
    .option('--app <appId>', 'only events of this app, repeatable; needs --peek', collect)
    .option('--json', 'one CloudEvent JSON document per line')
    .option('--show-content', 'show message text and full identities (personal data)')
    .option('-n, --limit <count>', 'exit after this many events', positiveInt)
    .option('-t, --timeout <seconds>', 'exit after this many seconds without an event', positiveInt)
    .option('--queue-url <url>', 'events queue URL (default: the target)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done (Ctrl-C while following is 130), 2 usage, 3 --limit N --timeout S saw fewer than N events.\n' +
        'Colours on a terminal (NO_COLOR=1 turns them off). An event is deleted only after it was printed.',
    )
    .action(async (flags: TailFlags) => {
      const { tailCommand } = await import('../tail-command');
      await tailCommand(context, flags);
    });
};

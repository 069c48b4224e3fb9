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
    .option(
      '--peek',
      'delete nothing: one look at what is waiting (each waiting message costs one receive), then, with the local bridge, new events as they arrive',
    )
    .option(
      '--type <type>',
      'only events of this type, repeatable (full, e.g. sinch.bridge.outbound.failed, or short: outbound.failed); others are left on the queue',
      collect,
    )
    .option('--app <appId>', 'only events of this app, repeatable; others are left on the queue', collect)
    .option('--json', 'one CloudEvent JSON document per line')
    .option('--show-content', 'show message text and full identities (personal data)')
    .option('-n, --limit <count>', 'exit after this many events', positiveInt)
    .option('-t, --timeout <seconds>', 'exit after this many seconds without an event shown', positiveInt)
    .option('--queue-url <url>', 'events queue URL (default: the target)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done (Ctrl-C while following is 130), 2 usage, 3 --limit N --timeout S saw fewer than N events.\n' +
        'Colours on a terminal (NO_COLOR=1 turns them off). An event is deleted only after it was printed;\n' +
        'an event the filters skip is never deleted. In AWS mode --peek and the filters take one look and exit.',
    )
    .action(async (flags: TailFlags) => {
      const { tailCommand } = await import('../tail-command');
      await tailCommand(context, flags);
    });
};

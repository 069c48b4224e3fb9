import type { Command } from 'commander';
import type { CliContext, CommandGroup } from '../cli-context';
import type { SuppressionFlags } from '../suppressions-command';

/**
 * `suppressions list|check|add|remove|import`: the opt-out suppression list of an app.
 *
 * @example
 * registerSuppressionsCommands(program, context);
 */
export const registerSuppressionsCommands: CommandGroup = (program: Command, context: CliContext) => {
  const group = program
    .command('suppressions')
    .description('the opt-out list: who must not be messaged (per app, channel and identity)');
  const run =
    (action: 'list' | 'check' | 'add' | 'remove' | 'import') =>
    async (...args: unknown[]) => {
      const { suppressionsCommand } = await import('../suppressions-command');
      const flags = args.find((a) => a && typeof a === 'object' && !Array.isArray(a)) as SuppressionFlags;
      const positional = args.filter((a): a is string => typeof a === 'string');
      await suppressionsCommand(context, action, positional, flags ?? {});
    };
  const appOption = ['--app <appId>', 'the app (default: the first of the local bridge or stack)'] as const;
  group
    .command('list')
    .description('the suppressed recipients of an app')
    .option(...appOption)
    .option('--channel <CHANNEL>', 'only this channel')
    .option('--json', 'one JSON document per recipient')
    .action(run('list'));
  group
    .command('check')
    .description('whether a recipient is suppressed, and since when and why')
    .argument('<CHANNEL:identity>', 'e.g. SMS:+46700000000')
    .option(...appOption)
    .option('--json', 'one JSON document')
    .action(run('check'));
  group
    .command('add')
    .description('suppress a recipient (source operator); publishes suppression.added')
    .argument('<CHANNEL:identity>', 'e.g. SMS:+46700000000')
    .option(...appOption)
    .action(run('add'));
  group
    .command('remove')
    .description('unsuppress a recipient who opted back in elsewhere; publishes suppression.removed')
    .argument('<CHANNEL:identity>', 'e.g. SMS:+46700000000')
    .option(...appOption)
    .action(run('remove'));
  group
    .command('import')
    .description(
      'suppress every recipient of a CSV (channel,identity[,appId] per line), e.g. a list from another system',
    )
    .argument('<file>', 'the CSV file')
    .option(...appOption)
    .action(run('import'));
};

import type { Command } from 'commander';
import type { CliContext, CommandGroup } from '../cli-context';
import type { StatusFlags } from '../status-command';

/**
 * `status <id>`: the lifecycle timeline of one outbound command (accepted, delivery reports,
 * unconfirmed), from its command record.
 *
 * @example
 * registerStatusCommand(program, context);
 */
export const registerStatusCommand: CommandGroup = (program: Command, context: CliContext) => {
  program
    .command('status')
    .description('the delivery timeline of one outbound command: accepted, queued, delivered, read or failed')
    .argument('<id>', 'the command id')
    .option('--app <appId>', 'the app of the command (default: the first of the stack or the local bridge)')
    .option('--json', 'one JSON document')
    .action(async (id: string, flags: StatusFlags) => {
      const { statusCommand } = await import('../status-command');
      await statusCommand(context, id, flags);
    });
};

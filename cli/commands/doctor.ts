import type { Command } from 'commander';
import type { CliContext, CommandGroup } from '../cli-context';

/**
 * `doctor`: is this setup healthy, and if not, which command fixes it.
 *
 * @example
 * registerDoctorCommand(program, context);
 */
export const registerDoctorCommand: CommandGroup = (program: Command, context: CliContext) => {
  program
    .command('doctor')
    .description(
      'check the setup: mode and what decided it, bridge health, queue and DLQ depths, Sinch token, registered webhooks',
    )
    .option('--json', 'one JSON document with every check')
    .addHelpText(
      'after',
      '\nExit codes: 0 all is well, 1 a check found a problem (each with the command that fixes it), 2 usage.',
    )
    .action(async (flags: { json?: boolean }) => {
      const { doctorCommand } = await import('../doctor-command');
      await doctorCommand(context, flags);
    });
};

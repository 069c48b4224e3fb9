import type { Command } from 'commander';
import { type CliContext, type CommandGroup, positiveInt } from '../cli-context';
import type { VerifyFlags } from '../verify-command';

/**
 * `verify`: prove a deployment (or the local bridge) works end to end.
 *
 * @example
 * registerVerifyCommand(program, context);
 */
export const registerVerifyCommand: CommandGroup = (program: Command, context: CliContext) => {
  program
    .command('verify')
    .description(
      'prove the bridge works end to end: a signed callback reaches the events queue, and (with --to) a test send gets its outcome',
    )
    .option('--app <appId>', 'the app to verify (default: the first of the stack or the local bridge)')
    .option('--to <CHANNEL:identity>', 'also send a test message to this recipient and wait for its outcome')
    .option('--timeout <seconds>', 'how long each step may take', positiveInt, 60)
    .addHelpText(
      'after',
      '\nUse with --stack <name> (e.g. sinch-bridge --stack SinchBridge-eu verify), or while npm start runs.\n' +
        'Exit codes: 0 every step passed, 1 a step failed (it says which and why), 2 usage, 130 Ctrl-C.',
    )
    .action(async (flags: VerifyFlags) => {
      const { verifyCommand } = await import('../verify-command');
      await verifyCommand(context, flags);
    });
};

/**
 * `sinch-bridge`: the operator CLI. Works against the running local bridge (`npm start`) or a
 * deployed stack, and says on stderr which one it uses. Each command group lives in one file in
 * `cli/commands/` and loads its heavy parts (AWS SDK, zod) only when it runs, so `--help` is fast.
 */
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import type { CliContext, CliIo, CommandGroup } from './cli-context';
import { CliError, EXIT_CODES } from './cli-error';
import { registerArchiveCommands } from './commands/archive';
import { registerCompletionCommand } from './commands/completion';
import { registerDlqCommands } from './commands/dlq';
import { registerDoctorCommand } from './commands/doctor';
import { registerMediaCommands } from './commands/media';
import { registerSendCommand } from './commands/send';
import { registerSimulateCommand } from './commands/simulate';
import { registerStatusCommand } from './commands/status';
import { registerSuppressionsCommands } from './commands/suppressions';
import { registerTailCommand } from './commands/tail';
import { registerVerifyCommand } from './commands/verify';
import { registerWebhooksCommands } from './commands/webhooks';
import type { BridgeTarget } from './target';

export type { CliIo } from './cli-context';

/** Every command group, in the order `--help` lists them. Adding a group is one line here. */
const COMMAND_GROUPS: readonly CommandGroup[] = [
  registerSendCommand,
  registerSimulateCommand,
  registerTailCommand,
  registerDlqCommands,
  registerWebhooksCommands,
  registerDoctorCommand,
  registerVerifyCommand,
  registerArchiveCommands,
  registerMediaCommands,
  registerCompletionCommand,
  registerStatusCommand,
  registerSuppressionsCommands,
];

const STYLES = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
} as const;

/** Global flags: the mode. */
interface GlobalFlags {
  aws?: boolean;
  local?: boolean;
  stack?: string;
}

/**
 * Builds the `sinch-bridge` program. Every command writes results to `io.stdout` and progress,
 * the mode line and errors to `io.stderr`.
 *
 * @example
 * const program = createProgram({ stdout, stderr, env: process.env });
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('sinch-bridge');
  let target: Promise<BridgeTarget> | undefined;
  const colour = Boolean(io.stdoutIsTty) && !io.env.NO_COLOR;
  const context: CliContext = {
    io,
    target: () => {
      target ??= (async () => {
        const { describeTarget, resolveTarget } = await import('./target');
        const resolved = await resolveTarget(io.env, program.opts<GlobalFlags>());
        io.stderr(`${describeTarget(resolved)}\n`);
        return resolved;
      })();
      return target;
    },
    paint: (style, text) => (colour ? `\u001b[${STYLES[style][0]}m${text}\u001b[${STYLES[style][1]}m` : text),
  };

  program
    .description(
      'Operate a Sinch Conversation bridge: send commands, simulate callbacks, follow events, handle dead letters, ' +
        'sync webhooks, check a setup. Uses the local bridge while `npm start` runs, else AWS; every command says which on stderr.',
    )
    .version(packageJson.version, '-V, --version', 'print the version')
    .addOption(new Option('--aws', 'use AWS even while a local bridge runs (queue URLs from the variables)'))
    .addOption(new Option('--stack <name>', 'use this deployed stack (reads its outputs; implies --aws)'))
    .addOption(new Option('--local', 'use the local bridge; fail when none runs'))
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 the operation failed, 2 wrong usage or missing configuration, 3 nothing arrived in time, 130 Ctrl-C.',
    )
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => void io.stdout(s), writeErr: io.stderr })
    .exitOverride();
  for (const register of COMMAND_GROUPS) register(program, context);
  // Every subcommand reports usage errors the same way as the program.
  const configure = (command: Command) => {
    for (const sub of command.commands) {
      sub.showHelpAfterError('(add --help for usage)').exitOverride();
      configure(sub);
    }
  };
  configure(program);
  return program;
}

/**
 * Runs the CLI and returns its exit code (0 ok, 1 failed, 2 usage, 3 timeout, 130 interrupted);
 * never exits the process.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: ..., env: process.env });
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return io.signal?.aborted ? EXIT_CODES.interrupted : EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed help, the version or the usage error already.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    if (error instanceof CliError) {
      io.stderr(`error: ${error.message}\n`);
      return error.exitCode;
    }
    if (io.signal?.aborted) return EXIT_CODES.interrupted;
    const err = error as Error & { code?: string };
    // stdout closed under us (`sinch-bridge tail | head -1`): nothing left to say, nothing lost.
    if (err.code === 'EPIPE') return EXIT_CODES.ok;
    io.stderr(`error: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}\n`);
    return EXIT_CODES.failed;
  }
}

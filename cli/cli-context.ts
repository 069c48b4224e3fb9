/**
 * What every command group gets: where to write, the environment, and the target (local bridge or
 * AWS), resolved on first use and announced on stderr. Command groups import this file, never
 * `main.ts`, so the entry can import them without a cycle.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { BridgeTarget } from './target';

/** Where the CLI reads and writes; tests of plain functions pass their own. */
export interface CliIo {
  /** Results. The real CLI resolves once the text reached stdout and rejects when stdout is closed (EPIPE). */
  stdout: (text: string) => unknown;
  /** Progress, the mode line and errors. */
  stderr: (text: string) => void;
  /** Variables the CLI reads itself; AWS SDK clients read `process.env` (default configuration). */
  env: NodeJS.ProcessEnv;
  /** Aborts long-running commands; Ctrl-C in the real CLI. */
  signal?: AbortSignal;
  /** stdout is a terminal: colours on (unless NO_COLOR). */
  stdoutIsTty?: boolean;
}

/** A command group's view of the run. */
export interface CliContext {
  io: CliIo;
  /** The target (resolved once, then announced on stderr as `mode: ...`). */
  target(): Promise<BridgeTarget>;
  /** Colour escapes for people at a terminal; plain text otherwise. */
  paint(style: 'red' | 'green' | 'yellow' | 'dim' | 'bold' | 'cyan', text: string): string;
}

/**
 * Adds one group of commands (one file in `cli/commands/`) to the program. Registering a new
 * group is one line in `COMMAND_GROUPS` in `cli/main.ts`.
 */
export type CommandGroup = (program: Command, context: CliContext) => void;

/**
 * commander argument parser for positive integers.
 *
 * @example
 * .option('--max <count>', 'at most this many', positiveInt, 100)
 */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/**
 * commander collector for repeatable options.
 *
 * @example
 * .option('--to <CHANNEL:identity>', 'recipient, repeatable', collect)
 */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The program's subcommand `name`, created when no group has made it yet, so two groups can add
 * subcommands to one command (e.g. `webhooks sync` and `webhooks rotate`).
 *
 * @example
 * subcommandOf(program, 'webhooks', "show or fix the apps' Sinch webhooks").command('rotate')...
 */
export function subcommandOf(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

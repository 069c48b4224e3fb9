import type { Command } from 'commander';
import type { CliContext, CommandGroup } from '../cli-context';

/**
 * `replay` and `erase`: the events archive, read back onto a queue, and a person removed from
 * the archive and the media copies.
 *
 * @example
 * registerArchiveCommands(program, context);
 */
export const registerArchiveCommands: CommandGroup = (program: Command, context: CliContext) => {
  program
    .command('replay')
    .description(
      'republish archived events of a time window, in their original order per group, marked with bridgereplay',
    )
    .requiredOption('--since <time>', 'start (ISO 8601, or an age such as 90m, 6h, 2d)')
    .option('--until <time>', 'end, exclusive (ISO 8601 or an age; default now)')
    .option('--app <appId>', 'only this app')
    .option('--type <type>', 'only this event type, e.g. sinch.conversation.message_inbound')
    .option('--to-queue <url>', "FIFO queue to publish to (default: the target's events queue)")
    .option('--dry-run', 'read and count, publish nothing')
    .option(
      '--archive-bucket <name>',
      'archive bucket (default: ARCHIVE_BUCKET, the stack output, or the local bridge)',
    )
    .option('--json', 'print the summary as JSON')
    .action(async (flags: ReplayFlags) => {
      const { replayCommand } = await import('../archive-commands');
      await replayCommand(context, flags);
    });

  program
    .command('erase')
    .description(
      "remove one person's copied media and their events from the archive, and report what was removed",
    )
    .requiredOption('--identity <CHANNEL:identity>', 'the person, e.g. WHATSAPP:46700000001')
    .option('--app <appId>', 'only this app (default: every app)')
    .option('--dry-run', 'find and report, delete nothing')
    .option(
      '--archive-bucket <name>',
      'archive bucket (default: ARCHIVE_BUCKET, the stack output, or the local bridge)',
    )
    .option(
      '--media-bucket <name>',
      'media bucket (default: MEDIA_BUCKET, the stack output, or the local bridge)',
    )
    .option('--json', 'print the report as JSON')
    .action(async (flags: EraseFlags) => {
      const { eraseCommand } = await import('../archive-commands');
      await eraseCommand(context, flags);
    });
};

export interface ReplayFlags {
  since: string;
  until?: string;
  app?: string;
  type?: string;
  toQueue?: string;
  dryRun?: boolean;
  archiveBucket?: string;
  json?: boolean;
}

export interface EraseFlags {
  identity: string;
  app?: string;
  dryRun?: boolean;
  archiveBucket?: string;
  mediaBucket?: string;
  json?: boolean;
}

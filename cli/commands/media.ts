import type { Command } from 'commander';
import { type CliContext, type CommandGroup, positiveInt } from '../cli-context';

/**
 * `media get`: a copied inbound media file, as a pre-signed URL or saved to a file.
 *
 * @example
 * registerMediaCommands(program, context);
 */
export const registerMediaCommands: CommandGroup = (program: Command, context: CliContext) => {
  const media = program.command('media').description('the copies of inbound media files');
  media
    .command('get')
    .description(
      'print a pre-signed URL of the file copied for a message event (the eventId of its media.stored), or save it with --out',
    )
    .argument('<eventId>', 'id of the message event (data.eventId of sinch.bridge.media.stored)')
    .option('--out <file>', 'save the file here (its SHA-256 is checked) instead of printing a URL')
    .option(
      '--expires <seconds>',
      'lifetime of the pre-signed URL, at most 604800 (7 days)',
      positiveInt,
      900,
    )
    .option(
      '--media-bucket <name>',
      'media bucket (default: MEDIA_BUCKET, the stack output, or the local bridge)',
    )
    .option('--json', 'print the result as JSON')
    // Event ids are base64url: one in 64 starts with '-', which must reach the command as the id.
    .allowUnknownOption()
    .action(async (eventId: string, flags: MediaGetFlags) => {
      const { mediaGetCommand } = await import('../media-command');
      await mediaGetCommand(context, eventId, flags);
    });
};

export interface MediaGetFlags {
  out?: string;
  expires: number;
  mediaBucket?: string;
  json?: boolean;
}

import { type Command, Option } from 'commander';
import { type CliContext, type CommandGroup, positiveInt } from '../cli-context';

/**
 * `dlq inspect|redrive`: look at dead letters (with why each failed) and move them back.
 *
 * @example
 * registerDlqCommands(program, context);
 */
export const registerDlqCommands: CommandGroup = (program: Command, context: CliContext) => {
  const dlq = program.command('dlq').description('look at and redrive dead letters');
  const queueOption = () =>
    new Option('--queue <queue>', 'which dead-letter queue')
      .choices(['outbound', 'events'])
      .default('outbound');
  dlq
    .command('inspect')
    .description('list dead letters and why each failed, without removing them or using up attempts')
    .addOption(queueOption())
    .option('--max <count>', 'at most this many', positiveInt, 100)
    .option('--queue-url <url>', "DLQ URL (default: the target, or the source queue's redrive policy)")
    .option('--json', 'one JSON document per dead letter')
    .action(
      async (flags: { queue: 'outbound' | 'events'; max: number; queueUrl?: string; json?: boolean }) => {
        const { inspectDeadLetters } = await import('../dlq');
        const { deadLetterQueueUrlOf } = await import('../target');
        const { io } = context;
        const target = await context.target();
        const queueUrl = await deadLetterQueueUrlOf(target, flags.queue, flags.queueUrl);
        const letters = await inspectDeadLetters({ sqs: target.sqs, queueUrl, max: flags.max });
        for (const letter of letters) {
          if (flags.json) {
            let body: unknown = letter.body;
            try {
              body = JSON.parse(letter.body);
            } catch {
              // kept as text
            }
            await io.stdout(`${JSON.stringify({ ...letter, body })}\n`);
            continue;
          }
          const f = letter.failure;
          const why = [
            context.paint('red', f.kind),
            f.status !== undefined ? `status ${f.status}` : undefined,
            f.code ? `code ${f.code}` : undefined,
            f.reason ? `reason ${f.reason}` : undefined,
            f.attempts !== undefined ? `after ${f.attempts} attempt(s)` : undefined,
          ]
            .filter(Boolean)
            .join(', ');
          await io.stdout(
            `${letter.messageId}  ${f.commandId ? `command ${f.commandId}  ` : ''}sent ${letter.sentAt ?? '?'}  group ${letter.groupId ?? '-'}\n` +
              `  failed: ${why}${f.message ? `\n  message: ${f.message}` : ''}\n  body: ${letter.body.slice(0, 300)}\n`,
          );
        }
        if (!flags.json) io.stderr(`${letters.length} dead letter(s) in ${queueUrl}\n`);
      },
    );
  dlq
    .command('redrive')
    .description('move dead letters back to their source queue')
    .addOption(queueOption())
    .option('--max <count>', 'at most this many (default: all)', positiveInt)
    .option('--json', 'print the result as JSON')
    .action(async (flags: { queue: 'outbound' | 'events'; max?: number; json?: boolean }) => {
      const { redriveDeadLetters } = await import('../../local/console/dead-letters');
      const { deadLetterQueueUrlOf, queueUrlOf } = await import('../target');
      const { CliError } = await import('../cli-error');
      const { io } = context;
      const target = await context.target();
      const sourceUrl = queueUrlOf(target, flags.queue);
      const dlqUrl = await deadLetterQueueUrlOf(target, flags.queue);
      const redriven = await redriveDeadLetters(target.sqs, {
        dlqUrl,
        sourceUrl,
        ...(flags.max !== undefined ? { max: flags.max } : {}),
        onMoved: (id) => {
          if (!flags.json) io.stderr(`moved ${id}\n`);
        },
      });
      const result = { moved: redriven.moved.length, failed: redriven.failed };
      if (flags.json) await io.stdout(`${JSON.stringify(result)}\n`);
      else await io.stdout(`moved ${result.moved} message(s) from ${dlqUrl} to ${sourceUrl}\n`);
      if (result.failed.length > 0) {
        throw new CliError(
          'failed',
          `${result.failed.length} message(s) not moved: ${result.failed[0]!.error}`,
        );
      }
    });
};

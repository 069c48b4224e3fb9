/**
 * Lambda's side of the send benchmark, in a process of its own: the producer that enqueues the
 * commands, and the SQS event source mapping (Lambda's poller) that receives batches, invokes the
 * send function and deletes what it answered for. In AWS neither runs on the function's CPU: the
 * poller is Lambda's service and invokes the function over the network. Here it invokes the
 * handler in the benchmark's process over IPC, so the benchmark's process measures the function's
 * own CPU, and the poller's is reported apart (`pollerCpuMsPerSend`).
 *
 * Parent to child: `{ id, op: 'enqueue', commands: [...] }`, `{ id, op: 'poll' }` (start the
 * mapping), `{ id, op: 'pause' }` (stop it; invocations in flight finish), `{ id, op: 'cpu' }`,
 * `{ id, op: 'stop' }`, and `{ invoked, result | error }` for each invocation. Child to parent:
 * `{ ready }`, `{ id, value }`, and `{ invoke, event, timeoutMs }`.
 */
import { fileURLToPath } from 'node:url';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startEventSourceMapping } from '../../local/event-source-mapping';
import { forkBenchProcess } from '../stand-in-processes';

/** One outbound command as the producer enqueues it. */
export interface ProducedCommand {
  body: string;
  groupId: string;
  dedupeId: string;
}

export interface SendPollerOptions {
  queueUrl: string;
  batchSize: number;
  /** Pollers, as the mapping's maximum concurrency: invocations in flight at most. */
  concurrency: number;
  timeoutMs: number;
}

/** The poller process as the benchmark drives it. */
export interface SendPoller {
  /** Enqueues the commands with SendMessageBatch, ten at a time, in order. */
  enqueue(commands: ProducedCommand[]): Promise<void>;
  /** Starts the event source mapping (the pollers). */
  poll(): Promise<void>;
  /** Stops the mapping; resolves once the invocations in flight finished. */
  pause(): Promise<void>;
  /** CPU (user + system) the poller's process has used so far, in ms. */
  cpuMs(): Promise<number>;
  /** Stops polling (the invocations in flight finish) and ends the process. */
  stop(): Promise<void>;
}

/**
 * Forks the poller and answers its invocations with `handler`.
 *
 * @example
 * const poller = await startSendPoller({ queueUrl, batchSize: 10, concurrency: 5, timeoutMs: 60_000 }, invoke);
 * await poller.enqueue(commands);
 */
export async function startSendPoller(
  options: SendPollerOptions,
  invoke: (event: SQSEvent, timeoutMs: number) => Promise<SQSBatchResponse>,
): Promise<SendPoller> {
  const started = await forkBenchProcess(
    fileURLToPath(import.meta.url),
    options,
    'send poller',
    (message, child) => {
      if (typeof message.invoke !== 'number') return;
      const invoked = message.invoke;
      invoke(message.event as SQSEvent, message.timeoutMs as number).then(
        (result) => child.send({ invoked, result }),
        (error: unknown) => child.send({ invoked, error: String(error) }),
      );
    },
  );
  return {
    enqueue: (commands) => started.ask('enqueue', { commands }),
    poll: () => started.ask('poll'),
    pause: () => started.ask('pause'),
    cpuMs: () => started.ask('cpu'),
    stop: async () => {
      await started.ask('stop');
      await started.exited;
    },
  };
}

async function runAsPoller(options: SendPollerOptions): Promise<void> {
  // md5: false: checking the MD5s of what the poller receives is Lambda's work, not the function's.
  const sqs = new SQSClient({ cacheMiddleware: true, md5: false });
  let nextInvocation = 0;
  const answers = new Map<number, { resolve(r: SQSBatchResponse): void; reject(e: Error): void }>();
  const startMapping = () =>
    startEventSourceMapping({
      queueUrl: options.queueUrl,
      sqs,
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      function: { functionName: 'send', timeoutMs: options.timeoutMs },
      // The invocation runs in the benchmark's process: the event goes there, the answer comes back.
      handler: (event, context) =>
        new Promise<SQSBatchResponse>((resolve, reject) => {
          const invoke = nextInvocation++;
          answers.set(invoke, { resolve, reject });
          process.send!({ invoke, event, timeoutMs: context.getRemainingTimeInMillis() });
        }),
    });
  let mapping: ReturnType<typeof startEventSourceMapping> | undefined;
  process.on('message', async (m) => {
    const message = m as {
      id?: number;
      op?: string;
      commands?: ProducedCommand[];
      invoked?: number;
      result?: SQSBatchResponse;
      error?: string;
    };
    if (message.invoked !== undefined) {
      const answer = answers.get(message.invoked);
      answers.delete(message.invoked);
      if (message.error !== undefined) answer?.reject(new Error(message.error));
      else answer?.resolve(message.result!);
      return;
    }
    let value: unknown;
    if (message.op === 'enqueue') {
      const commands = message.commands ?? [];
      for (let i = 0; i < commands.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: commands.slice(i, i + 10).map((c, j) => ({
              Id: String(j),
              MessageBody: c.body,
              MessageGroupId: c.groupId,
              MessageDeduplicationId: c.dedupeId,
            })),
          }),
        );
      }
    } else if (message.op === 'poll') {
      mapping ??= startMapping();
    } else if (message.op === 'pause') {
      await mapping?.stop();
      mapping = undefined;
    } else if (message.op === 'cpu') {
      const used = process.cpuUsage();
      value = (used.user + used.system) / 1000;
    } else if (message.op === 'stop') {
      await mapping?.stop();
      sqs.destroy();
      process.send!({ id: message.id }, () => process.exit(0));
      return;
    }
    process.send!({ id: message.id, value });
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runAsPoller(JSON.parse(process.argv[2] ?? '{}') as SendPollerOptions);
}

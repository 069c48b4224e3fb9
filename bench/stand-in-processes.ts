import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLocalDynamoDb } from '../local/aws/dynamodb-server';
import { type LocalQueue, startLocalSqs } from '../local/aws/sqs-server';

/** A loopback AWS stand-in running in its own process. */
export interface StandInProcess {
  endpoint: string;
  close(): Promise<void>;
}

type StandInSpec = { kind: 'sqs'; queues: LocalQueue[] } | { kind: 'dynamodb'; tables: string[] };

/**
 * Starts a loopback stand-in (local SQS or dynalite) in a separate Node process. Benchmarks use
 * this so the stand-in's own CPU work (parsing, MD5s, LevelDB) does not run on the event loop of
 * the code being measured: in AWS, SQS and DynamoDB do not run on the Lambda's CPU either.
 *
 * @example
 * const sqs = await startStandInProcess({ kind: 'sqs', queues: [{ name: 'events.fifo', attributes: { FifoQueue: 'true' } }] });
 */
export function startStandInProcess(spec: StandInSpec): Promise<StandInProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(spec)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`stand-in ${spec.kind} exited with ${code}`)));
    child.once('message', (m) => {
      resolve({
        endpoint: (m as { endpoint: string }).endpoint,
        close: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill();
          }),
      });
    });
  });
}

/** The queue URL of a queue on a local SQS stand-in (its account is fixed). */
export function localQueueUrl(endpoint: string, name: string): string {
  return `${endpoint}/123456789012/${name}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as StandInSpec;
  const server =
    spec.kind === 'sqs'
      ? await startLocalSqs({ queues: spec.queues })
      : await startLocalDynamoDb({ tables: spec.tables });
  process.send?.({ endpoint: server.endpoint });
  process.on('disconnect', () => process.exit(0));
}

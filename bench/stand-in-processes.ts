import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLocalDynamoDb } from '../local/aws/dynamodb-server';
import { type LocalQueue, startLocalSqs } from '../local/aws/sqs-server';
import { type SinchStandIn, startSinchStandIn } from '../local/sinch/sinch-stand-in';

/** A loopback AWS stand-in running in its own process. */
export interface StandInProcess {
  endpoint: string;
  close(): Promise<void>;
}

type StandInSpec =
  | { kind: 'sqs'; queues: LocalQueue[] }
  | { kind: 'dynamodb'; tables: string[] }
  | { kind: 'sinch'; latencyMs: number };

/** What the Sinch stand-in process reports: its ids and, on request, its counters. */
export interface SinchStandInInfo {
  apiUrl: string;
  authUrl: string;
  projectId: string;
  keyId: string;
  keySecret: string;
}

/** The Sinch stand-in in its own process: its ids, and its counters over IPC. */
export interface SinchStandInProcess extends SinchStandInInfo {
  /** messages:send requests answered 2xx, and successful token fetches, so far. */
  counts(): Promise<{ accepted: number; tokenFetches: number }>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The built-in Sinch stand-in in a separate process, like `startStandInProcess`: its HTTP work
 * (parsing, validation, answers) then does not count as CPU of the sender being measured.
 *
 * @example
 * const sinch = await startSinchStandInProcess({ latencyMs: 20 });
 * (await sinch.counts()).accepted;
 */
export function startSinchStandInProcess(options: { latencyMs: number }): Promise<SinchStandInProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [JSON.stringify({ kind: 'sinch', ...options })], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let nextId = 0;
    const pending = new Map<number, (value: unknown) => void>();
    const ask = <T>(op: string) =>
      new Promise<T>((answer) => {
        const id = nextId++;
        pending.set(id, answer as (value: unknown) => void);
        child.send({ id, op });
      });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`stand-in sinch exited with ${code}`)));
    child.on('message', (m) => {
      const message = m as { id?: number; value?: unknown; info?: SinchStandInInfo };
      if (message.info) {
        resolve({
          ...message.info,
          counts: () => ask('counts'),
          reset: () => ask('reset'),
          close: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill();
            }),
        });
        return;
      }
      pending.get(message.id!)?.(message.value);
      pending.delete(message.id!);
    });
  });
}

function serveSinchOverIpc(sinch: SinchStandIn): void {
  process.send?.({
    info: {
      apiUrl: sinch.apiUrl,
      authUrl: sinch.authUrl,
      projectId: sinch.projectId,
      keyId: sinch.keyId,
      keySecret: sinch.keySecret,
    },
  });
  process.on('message', (m) => {
    const { id, op } = m as { id: number; op: string };
    if (op === 'counts') {
      const accepted = sinch.sends().filter((s) => s.outcome === 'accepted').length;
      process.send?.({ id, value: { accepted, tokenFetches: sinch.tokenFetches() } });
    } else if (op === 'reset') {
      sinch.reset();
      process.send?.({ id });
    }
  });
}

/**
 * Starts a loopback stand-in (local SQS or dynalite) in a separate Node process. Benchmarks use
 * this so the stand-in's own CPU work (parsing, MD5s, LevelDB) does not run on the event loop of
 * the code being measured: in AWS, SQS and DynamoDB do not run on the Lambda's CPU either.
 *
 * @example
 * const sqs = await startStandInProcess({ kind: 'sqs', queues: [{ name: 'events.fifo', attributes: { FifoQueue: 'true' } }] });
 */
export function startStandInProcess(spec: Exclude<StandInSpec, { kind: 'sinch' }>): Promise<StandInProcess> {
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
  if (spec.kind === 'sinch') {
    serveSinchOverIpc(await startSinchStandIn({ latencyMs: spec.latencyMs }));
    process.on('disconnect', () => process.exit(0));
  } else {
    const server =
      spec.kind === 'sqs'
        ? await startLocalSqs({ queues: spec.queues })
        : await startLocalDynamoDb({ tables: spec.tables });
    process.send?.({ endpoint: server.endpoint });
    process.on('disconnect', () => process.exit(0));
  }
}

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type LocalTable, startLocalDynamoDb } from '../local/aws/dynamodb-server';
import { type LocalQueue, redrivePolicy, startLocalSqs } from '../local/aws/sqs-server';
import { type SinchStandIn, startSinchStandIn } from '../local/sinch/sinch-stand-in';

/** A loopback stand-in running in its own process. */
export interface StandInProcess {
  endpoint: string;
  /** CPU time (user + system) the stand-in's process has used so far, in milliseconds. */
  cpuMs(): Promise<number>;
  close(): Promise<void>;
}

type StandInSpec =
  | { kind: 'sqs'; queues: LocalQueue[] }
  | { kind: 'dynamodb'; tables: LocalTable[] }
  | { kind: 'sinch'; latencyMs: number };

/** The ids of the Sinch stand-in, as the sender's configuration needs them. */
export interface SinchStandInInfo {
  apiUrl: string;
  authUrl: string;
  projectId: string;
  keyId: string;
  keySecret: string;
}

/** The Sinch stand-in in its own process: its ids, and its counters over IPC. */
export interface SinchStandInProcess extends SinchStandInInfo, Omit<StandInProcess, 'endpoint'> {
  /** messages:send requests answered 2xx, and successful token fetches, so far. */
  counts(): Promise<{ accepted: number; tokenFetches: number }>;
  /**
   * Resolves with the number of accepted sends once it reaches `count`, or with what it is after
   * `timeoutMs`. Watched inside the stand-in's process, so waiting costs no IPC per check.
   */
  acceptedAtLeast(count: number, timeoutMs: number): Promise<number>;
  reset(): Promise<void>;
}

/** A benchmark helper process as its parent drives it (see {@link forkBenchProcess}). */
export interface BenchProcess {
  /** What the child sent in its `{ ready }` message. */
  ready: unknown;
  /** Sends `{ id, op, ...args }`; resolves with the `value` of the child's `{ id, value }` answer. */
  ask<T>(op: string, args?: Record<string, unknown>): Promise<T>;
  /** Sends a message that expects no answer (while the child is connected). */
  send(message: unknown): void;
  /** Resolves when the child has exited. */
  exited: Promise<void>;
  /** Kills the child; resolves when it has exited. */
  kill(): Promise<void>;
}

/**
 * Forks `file` (a module that runs as a child when it is the entry point) with `arg` as JSON, and
 * resolves once it sends `{ ready }`. Answers `{ id, value }` go to the `ask` that sent `id`; any
 * other message goes to `onMessage`. Used by the stand-ins and by the send bench's poller.
 *
 * @example
 * const child = await forkBenchProcess(fileURLToPath(import.meta.url), spec, 'stand-in sqs');
 * await child.ask<number>('cpu');
 */
export function forkBenchProcess(
  file: string,
  arg: unknown,
  name: string,
  onMessage?: (message: Record<string, unknown>, child: BenchProcess) => void,
): Promise<BenchProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(file, [JSON.stringify(arg)], {
      execArgv: benchProcessExecArgv(),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let nextId = 0;
    const pending = new Map<number, (value: unknown) => void>();
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const handle: BenchProcess = {
      ready: undefined,
      ask: <T>(op: string, args: Record<string, unknown> = {}) =>
        new Promise<T>((answer) => {
          const id = nextId++;
          pending.set(id, answer as (value: unknown) => void);
          child.send({ id, op, ...args });
        }),
      send: (message) => {
        if (child.connected) child.send(message as object);
      },
      exited,
      kill: () => {
        child.kill();
        return exited;
      },
    };
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    child.on('message', (m) => {
      const message = m as Record<string, unknown> & { id?: number; value?: unknown; ready?: unknown };
      if (message.ready) {
        handle.ready = message.ready;
        resolve(handle);
      } else if (typeof message.id === 'number') {
        pending.get(message.id)?.(message.value);
        pending.delete(message.id);
      } else {
        onMessage?.(message, handle);
      }
    });
  });
}

/**
 * The Node options of a benchmark's helper process (stand-ins, Lambda's poller): the TypeScript
 * loader, and with STAND_IN_CPU_PROF=<dir> a `--cpu-prof` profile into <dir> (NODE_OPTIONS refuses
 * --cpu-prof, and a profile of the parent does not show these processes' work).
 */
function benchProcessExecArgv(): string[] {
  return [
    ...(process.env.STAND_IN_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.STAND_IN_CPU_PROF}`]
      : []),
    '--import',
    'tsx',
  ];
}

/** The send path's queues, as the stack makes them: outbound (with its DLQ) and events. */
export const SEND_PATH_QUEUES: LocalQueue[] = [
  { name: 'outbound-dlq.fifo', attributes: { FifoQueue: 'true' } },
  { name: 'events.fifo', attributes: { FifoQueue: 'true' } },
  {
    name: 'outbound.fifo',
    attributes: {
      FifoQueue: 'true',
      VisibilityTimeout: '180',
      RedrivePolicy: redrivePolicy('outbound-dlq.fifo', 7),
    },
  },
];

/**
 * Starts a loopback AWS stand-in (local SQS or dynalite) in a separate Node process. Benchmarks use
 * this so the stand-in's own CPU work (parsing, MD5s, LevelDB) does not run on the event loop of
 * the code being measured: in AWS, SQS and DynamoDB do not run on the Lambda's CPU either. Their
 * CPU is still reported (`cpuMs`), to show when a stand-in is the ceiling.
 *
 * @example
 * const sqs = await startStandInProcess({ kind: 'sqs', queues: [{ name: 'events.fifo', attributes: { FifoQueue: 'true' } }] });
 */
export async function startStandInProcess(
  spec: Exclude<StandInSpec, { kind: 'sinch' }>,
): Promise<StandInProcess> {
  const started = await forkBenchProcess(fileURLToPath(import.meta.url), spec, `stand-in ${spec.kind}`);
  return {
    endpoint: (started.ready as { endpoint: string }).endpoint,
    cpuMs: () => started.ask('cpu'),
    close: started.kill,
  };
}

/**
 * The built-in Sinch stand-in in a separate process, like `startStandInProcess`: its HTTP work
 * (parsing, validation, answers) then does not count as CPU of the sender being measured.
 *
 * @example
 * const sinch = await startSinchStandInProcess({ latencyMs: 20 });
 * (await sinch.counts()).accepted;
 */
export async function startSinchStandInProcess(options: { latencyMs: number }): Promise<SinchStandInProcess> {
  const started = await forkBenchProcess(
    fileURLToPath(import.meta.url),
    { kind: 'sinch', ...options },
    'stand-in sinch',
  );
  return {
    ...(started.ready as unknown as SinchStandInInfo),
    counts: () => started.ask('counts'),
    acceptedAtLeast: (count, timeoutMs) => started.ask('acceptedAtLeast', { count, timeoutMs }),
    reset: () => started.ask('reset'),
    cpuMs: () => started.ask('cpu'),
    close: started.kill,
  };
}

/** The queue URL of a queue on a local SQS stand-in (its account is fixed). */
export function localQueueUrl(endpoint: string, name: string): string {
  return `${endpoint}/123456789012/${name}`;
}

function serveOverIpc(ready: Record<string, unknown>, sinch?: SinchStandIn): void {
  process.send?.({ ready });
  // Asked every 5 ms while the benchmark waits: a counter, not a filter over every request kept.
  const accepted = () => sinch?.acceptedSends() ?? 0;
  process.on('message', (m) => {
    const {
      id,
      op,
      count = 0,
      timeoutMs = 0,
    } = m as { id: number; op: string; count?: number; timeoutMs?: number };
    if (op === 'cpu') {
      const used = process.cpuUsage();
      process.send?.({ id, value: (used.user + used.system) / 1000 });
    } else if (op === 'counts' && sinch) {
      process.send?.({ id, value: { accepted: accepted(), tokenFetches: sinch.tokenFetches() } });
    } else if (op === 'acceptedAtLeast' && sinch) {
      const until = Date.now() + timeoutMs;
      const check = () => {
        const now = accepted();
        if (now >= count || Date.now() >= until) process.send?.({ id, value: now });
        else setTimeout(check, 5);
      };
      check();
    } else if (op === 'reset' && sinch) {
      sinch.reset();
      process.send?.({ id });
    }
  });
  process.on('disconnect', () => process.exit(0));
  // close() kills the child with SIGTERM: exiting normally on it lets `node --cpu-prof` write the
  // stand-in's profile (a process killed by the signal writes none).
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as StandInSpec;
  if (spec.kind === 'sinch') {
    const sinch = await startSinchStandIn({ latencyMs: spec.latencyMs });
    const { apiUrl, authUrl, projectId, keyId, keySecret } = sinch;
    serveOverIpc({ apiUrl, authUrl, projectId, keyId, keySecret }, sinch);
  } else {
    const server =
      spec.kind === 'sqs'
        ? await startLocalSqs({ queues: spec.queues })
        : await startLocalDynamoDb({ tables: spec.tables });
    serveOverIpc({ endpoint: server.endpoint });
  }
}

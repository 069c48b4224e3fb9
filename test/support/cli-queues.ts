import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type LocalSqs, redrivePolicy, startLocalSqs } from '../../local/aws/sqs-server';
import { writeLocalBridgeState } from '../../local/state';
import { cleanEnv } from './cli-process';

/** The bridge's four queues on a loopback SQS, as a stack has them. */
export interface CliQueues {
  sqs: LocalSqs;
  client: SQSClient;
  urls: { events: string; eventsDlq: string; outbound: string; outboundDlq: string };
  /** What an operator sets for a deployed stack: the SDK's variables and the queue URLs. */
  awsEnv: NodeJS.ProcessEnv;
  /** A state directory in which a "local bridge" (this test process) is recorded over the same queues. */
  localEnv: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * Starts the queues, and records them as a running local bridge in a private state directory
 * (the CLI only needs the state file and a live pid: this process's).
 *
 * @example
 * const queues = await startCliQueues();
 * await sinchBridge(['tail', '--peek'], queues.awsEnv);
 */
export async function startCliQueues(apps: Record<string, string> = {}): Promise<CliQueues> {
  const sqs = await startLocalSqs({
    queues: [
      { name: 'events-dlq.fifo', attributes: { FifoQueue: 'true' } },
      {
        name: 'events.fifo',
        attributes: { FifoQueue: 'true', RedrivePolicy: redrivePolicy('events-dlq.fifo', 10) },
      },
      { name: 'outbound-dlq.fifo', attributes: { FifoQueue: 'true' } },
      {
        name: 'outbound.fifo',
        attributes: { FifoQueue: 'true', RedrivePolicy: redrivePolicy('outbound-dlq.fifo', 7) },
      },
    ],
  });
  const urls = {
    events: sqs.queueUrl('events.fifo'),
    eventsDlq: sqs.queueUrl('events-dlq.fifo'),
    outbound: sqs.queueUrl('outbound.fifo'),
    outboundDlq: sqs.queueUrl('outbound-dlq.fifo'),
  };
  const client = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const awsEnv = cleanEnv({
    SINCH_BRIDGE_DIR: mkdtempSync(join(tmpdir(), 'cli-none-')),
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    EVENTS_QUEUE_URL: urls.events,
    OUTBOUND_QUEUE_URL: urls.outbound,
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'cli-local-'));
  writeLocalBridgeState(
    {
      pid: process.pid,
      webhookBaseUrl: 'http://127.0.0.1:9',
      sinchRegion: 'eu',
      projectId: 'p-cli',
      awsRegion: 'us-east-1',
      endpoints: { sqs: sqs.endpoint, dynamodb: 'http://127.0.0.1:9', secretsManager: 'http://127.0.0.1:9' },
      queueUrls: urls,
      secrets: apps,
    },
    join(stateDir, 'local.json'),
  );
  return {
    sqs,
    client,
    urls,
    awsEnv,
    localEnv: cleanEnv({ SINCH_BRIDGE_DIR: stateDir }),
    close: async () => {
      client.destroy();
      await sqs.close();
    },
  };
}

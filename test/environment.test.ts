/**
 * The environment check every queue-fed function (send, router, media) runs before its first
 * batch: a wrong deployment is logged once by variable name and thrown, so the batch stays queued.
 */
import { describe, expect, it } from 'vitest';
import { configOrThrow } from '../functions/environment';
import { readRouterConfig } from '../functions/router/router-config';
import { readSendConfig } from '../functions/send/send-config';

function recordingLogger() {
  const lines: Array<{ message: string; extra: { problems: string[] } }> = [];
  return { lines, error: (message: string, extra: { problems: string[] }) => lines.push({ message, extra }) };
}

describe('configOrThrow', () => {
  it('hands back the configuration when the environment is right, logging nothing', () => {
    const logger = recordingLogger();
    const config = configOrThrow(
      readRouterConfig({ EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/events.fifo' }),
      'router',
      logger,
    );
    expect(config).toEqual({ eventsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/events.fifo' });
    expect(logger.lines).toEqual([]);
  });

  it('logs the problems once by variable name and throws them, without the values', () => {
    const logger = recordingLogger();
    const read = readSendConfig({
      SINCH_REGION: 'mars',
      SINCH_PROJECT_ID: 'p',
      EVENTS_QUEUE_URL: 'q',
      SINCH_CREDENTIALS_ID: 'c',
      SINCH_API_URL: 'not-a-url-s3cr3t',
      OUTBOUND_DLQ_URL: 'd',
      IDEMPOTENCY_TABLE: 't',
    });

    expect(() => configOrThrow(read, 'send function', logger)).toThrow(
      /^send function misconfigured: .*SINCH_REGION: .*SINCH_API_URL: /,
    );
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.message).toBe('send function misconfigured');
    expect(logger.lines[0]!.extra.problems.map((p) => p.split(':')[0])).toEqual([
      'SINCH_REGION',
      'SINCH_API_URL',
    ]);
    expect(JSON.stringify(logger.lines)).not.toMatch(/mars|s3cr3t/);
  });
});

import { describe, expect, it } from 'vitest';
import { readSendConfig } from '../../functions/send/send-config';

const required = {
  SINCH_REGION: 'eu',
  SINCH_PROJECT_ID: 'p',
  EVENTS_QUEUE_URL: 'https://sqs/events.fifo',
  SINCH_CREDENTIALS_ID: 'creds',
  OUTBOUND_DLQ_URL: 'https://sqs/dlq.fifo',
  IDEMPOTENCY_TABLE: 'idem',
};

describe('send function environment', () => {
  it('applies the documented defaults', () => {
    const read = readSendConfig(required);
    expect(read).toMatchObject({
      ok: true,
      config: {
        apiUrl: 'https://eu.conversation.api.sinch.com',
        authUrl: 'https://auth.sinch.com/oauth2/token',
        retry: { maxAttempts: 5, baseSeconds: 90, capSeconds: 900 },
        timeouts: { connectMs: 3_000, totalMs: 10_000 },
        rateLimit: undefined,
        idempotencyTtlSeconds: 1_209_600,
        projectHoldSeconds: 60,
      },
    });
  });

  it('reads the optional knobs; an empty variable means the default', () => {
    const read = readSendConfig({
      ...required,
      MAX_ATTEMPTS: '8',
      SEND_RATE_PER_SECOND: '2.5',
      SEND_RATE_BURST: '3',
      SINCH_TIMEOUT_MS: '',
    });
    expect(read).toMatchObject({
      ok: true,
      config: {
        retry: { maxAttempts: 8 },
        rateLimit: { perSecond: 2.5, burst: 3 },
        timeouts: { totalMs: 10_000 },
      },
    });
  });

  it('names every problem, by variable', () => {
    const read = readSendConfig({ SINCH_REGION: 'xx', MAX_ATTEMPTS: '0' });
    expect(read.ok).toBe(false);
    const problems = read.ok ? [] : read.problems;
    for (const name of [
      'SINCH_REGION',
      'SINCH_PROJECT_ID',
      'OUTBOUND_DLQ_URL',
      'IDEMPOTENCY_TABLE',
      'MAX_ATTEMPTS',
    ]) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
  });
});

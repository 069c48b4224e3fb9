import { describe, expect, it } from 'vitest';
import { type AbuseRequest, generateAbuseRequests, isValidlySigned } from '../support/faults/abuse-requests';
import { runAbuseScenario } from './scenarios/abuse';

const target = {
  secrets: { 'app-a': 'secret-a', 'app-b': 'secret-b' },
  projectId: 'p',
  nowSeconds: 1_634_579_353,
};

describe('the abuse oracle', () => {
  it('accepts the known-answer vector of the Sinch SDK tests and nothing mutated from it', () => {
    // Prepare
    const body =
      '{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS","identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},"message_metadata":""}';
    const request: AbuseRequest = {
      method: 'POST',
      path: '/webhooks/kat',
      headers: [
        ['x-sinch-webhook-signature', '6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE='],
        ['x-sinch-webhook-signature-timestamp', '1634579353'],
        ['x-sinch-webhook-signature-nonce', '01FJA8B4A7BM43YGWSG9GBV067'],
        ['x-sinch-webhook-signature-algorithm', 'HmacSHA256'],
      ],
      body: Buffer.from(body),
      marker: 'kat',
      mutations: ['callback'],
    };
    const kat = { ...target, secrets: { kat: 'foo_secret1234', other: 'x' } };

    // Act / Assess
    expect(isValidlySigned(request, kat)).toBe(true);
    expect(isValidlySigned({ ...request, body: Buffer.from(`${body} `) }, kat)).toBe(false);
    expect(isValidlySigned({ ...request, method: 'PUT' }, kat)).toBe(false);
    expect(isValidlySigned({ ...request, path: '/webhooks/other' }, kat)).toBe(false);
    expect(isValidlySigned(request, { ...kat, nowSeconds: kat.nowSeconds + 301 })).toBe(false);
  });

  it('generates intact requests that are validly signed, and mutations that mostly are not', () => {
    const requests = generateAbuseRequests(300, 7, target);
    const intact = requests.filter((r) => r.mutations.length === 1 && r.mutations[0] === 'callback');
    expect(intact.length).toBeGreaterThan(10);
    expect(intact.every((r) => isValidlySigned(r, target))).toBe(true);
    expect(requests.filter((r) => !isValidlySigned(r, target)).length).toBeGreaterThan(150);
  });
});

// 1/10 of `npm run soak`: 500 generated requests.
describe('the webhook under abuse', () => {
  it('enqueues nothing without a valid signature, answers no unexplained 5xx, rejects no intact callback', async () => {
    // Prepare / Act
    const report = await runAbuseScenario({ count: 500 });

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.unhandledRejections).toBe(0);
    expect(report.enqueued).toBeLessThanOrEqual(report.validlySigned);
    // Not a webhook that rejects everything: every intact signed callback went through.
    expect(report.intact).toBeGreaterThan(10);
    expect(report.accepted).toBeGreaterThanOrEqual(report.intact - report.answered5xx);
  }, 180_000);
});

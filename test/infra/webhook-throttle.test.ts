/**
 * API Gateway's budget for Sinch's callbacks grows with the apps a region serves (25/s per app,
 * doubled), while every other route keeps a small budget of its own.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TUNABLE_DEFAULTS, type Tunables } from '../../infra/config';
import { WebhookIngress } from '../../infra/constructs/ingress';
import { OTHER_ROUTES_THROTTLE, webhookThrottle } from '../../infra/webhook-throttle';

const code = lambda.Code.fromInline('exports.handler = async () => ({})');

function stageOf(appCount: number, tunables: Partial<Tunables> = {}) {
  const stack = new Stack(new App(), 'Hooks', { env: { account: '123456789012', region: 'eu-west-1' } });
  const apps = Array.from({ length: appCount }, (_, i) => ({
    id: `01JD4T8R0Y6W9E2B7KQ5M3N${String(i).padStart(3, '0')}`,
  }));
  new WebhookIngress(stack, 'Ingress', {
    sinchRegion: 'eu',
    projectId: 'p',
    apps,
    tunables: { ...TUNABLE_DEFAULTS, ...tunables },
    code,
    secretEntriesCode: code,
  });
  const stages = Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Stage');
  return Object.values(stages)[0]!.Properties as {
    DefaultRouteSettings: Record<string, number>;
    RouteSettings: Record<string, Record<string, number>>;
  };
}

describe('webhook throttling', () => {
  it('gives Sinch at least 25 callbacks/s per app with headroom, within the account limits (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), (apps) => {
        const { rateLimit, burstLimit } = webhookThrottle(apps);
        expect(rateLimit).toBeGreaterThanOrEqual(Math.min(10_000, apps * 25 * 2));
        expect(rateLimit).toBeGreaterThanOrEqual(100);
        expect(rateLimit).toBeLessThanOrEqual(10_000);
        expect(burstLimit).toBeGreaterThanOrEqual(Math.min(5_000, rateLimit));
        expect(burstLimit).toBeLessThanOrEqual(5_000);
      }),
    );
  });

  it('sizes the POST route from the app count; every other route keeps the small default', () => {
    const forty = stageOf(40);
    expect(forty.RouteSettings).toEqual({
      'POST /webhooks/{appId}': { ThrottlingRateLimit: 2000, ThrottlingBurstLimit: 4000 },
    });
    expect(forty.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: OTHER_ROUTES_THROTTLE.rateLimit,
      ThrottlingBurstLimit: OTHER_ROUTES_THROTTLE.burstLimit,
    });
    expect(stageOf(1).RouteSettings['POST /webhooks/{appId}']).toEqual({
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
  });

  it('lets explicit tunables win', () => {
    expect(stageOf(40, { throttleRateLimit: 900, throttleBurstLimit: 1000 }).RouteSettings).toEqual({
      'POST /webhooks/{appId}': { ThrottlingRateLimit: 900, ThrottlingBurstLimit: 1000 },
    });
  });
});

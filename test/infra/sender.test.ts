/**
 * The sending half of a stack (infra/constructs/sender.ts): the redrive is only the crash
 * safety net, the function's timeout fits a full batch of worst-case Sinch calls, its
 * concurrency is reserved, the command record's TTL attribute is `ttl`, and a project-wide
 * refusal raises an alarm.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { outboundMaxReceiveCount } from '../../functions/send/backoff';
import { END_MARGIN_MS, RECORD_MARGIN_MS } from '../../functions/send/deadline';
import { exampleConfig } from './example-config';
import { synthRegions } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown> };

function euTemplate(tunables: Record<string, unknown> = {}): Template {
  const config = exampleConfig();
  config.tunables = { ...(config.tunables ?? {}), ...tunables };
  const { templates } = synthRegions(config);
  return Object.entries(templates).find(([name]) => name.includes('-eu'))![1];
}

function sendFunction(template: Template): Resource {
  return Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).find(
    (fn) =>
      (fn.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables
        ?.POWERTOOLS_SERVICE_NAME === 'sinch-bridge-send',
  )!;
}

function outboundQueue(template: Template): Resource {
  return Object.entries(template.findResources('AWS::SQS::Queue') as Record<string, Resource>).find(([id]) =>
    id.includes('OutboundQueue'),
  )![1];
}

// Three synths for all cases (each takes seconds): the defaults, and two variants that turn the knobs.
const VARIANTS = {
  defaults: {},
  small: { maxAttempts: 1, batchSize: 3, sendTimeoutSeconds: 20, maxConcurrency: 20 },
  tight: { maxAttempts: 2, batchSize: 10, sendTimeoutSeconds: 3 },
} as const;

describe('OutboundSender', () => {
  const templates = {} as Record<keyof typeof VARIANTS, Template>;
  beforeAll(() => {
    for (const [name, tunables] of Object.entries(VARIANTS)) {
      templates[name as keyof typeof VARIANTS] = euTemplate(tunables);
    }
  }, 300_000);

  it.each([
    ['defaults', 5],
    ['small', 1],
    ['tight', 2],
  ] as const)(
    'items 3 and 22: %s (MAX_ATTEMPTS %i) gets a redrive of at least 5 receives, well above it',
    (name, maxAttempts) => {
      const { maxReceiveCount } = outboundQueue(templates[name]).Properties.RedrivePolicy as {
        maxReceiveCount: number;
      };
      expect(maxReceiveCount).toBeGreaterThanOrEqual(5);
      expect(maxReceiveCount).toBeGreaterThanOrEqual(10 * maxAttempts);
      expect(maxReceiveCount).toBe(outboundMaxReceiveCount(maxAttempts));
    },
  );

  it.each(['defaults', 'small', 'tight'] as const)(
    'item 2: the function timeout fits a full batch of worst-case Sinch calls (%s)',
    (name) => {
      const template = templates[name];
      const fn = sendFunction(template);
      const env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
      const sinchTimeoutMs = Number(env.SINCH_TIMEOUT_MS);
      const batchSize = (VARIANTS[name] as { batchSize?: number }).batchSize ?? 10;
      expect(sinchTimeoutMs).toBeGreaterThanOrEqual(1_000);
      expect(batchSize * (sinchTimeoutMs + RECORD_MARGIN_MS) + END_MARGIN_MS).toBeLessThanOrEqual(
        (fn.Properties.Timeout as number) * 1000,
      );
      // AWS's rule for SQS sources: the queue's visibility is at least six times the timeout.
      expect(outboundQueue(template).Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
        6 * (fn.Properties.Timeout as number),
      );
    },
  );

  it('item 9: reserves the event source maximum concurrency for the send function', () => {
    expect(sendFunction(templates.small).Properties.ReservedConcurrentExecutions).toBe(20);
    templates.small.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    expect(sendFunction(templates.defaults).Properties.ReservedConcurrentExecutions).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('keeps command records in a table whose TTL attribute is ttl', () => {
    templates.defaults.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('item 8: alarms when Sinch refuses the whole project', () => {
    templates.defaults.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SendProjectBlocked',
      Threshold: 1,
    });
  });
});

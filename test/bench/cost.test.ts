import { describe, expect, it } from 'vitest';
import { billedMs, costPerMillion, FULL_VCPU_MEMORY_MB, PRICES, WAIT_ASSUMPTIONS_MS } from '../../bench/cost';
import { checkTargets, costsOf, formatReport } from '../../bench/report';
import type { SendBenchResult } from '../../bench/scenarios/send';
import type { WebhookBenchResult } from '../../bench/scenarios/webhook';

describe('costPerMillion', () => {
  it('bills a CPU millisecond measured here as 1769/memory milliseconds in Lambda, plus the waits', () => {
    // Prepare / Act
    const at512 = billedMs(2, 512, 8);
    const atFullVcpu = billedMs(2, FULL_VCPU_MEMORY_MB, 8);
    const above = billedMs(2, 4096, 8);

    // Assess
    expect(at512).toBeCloseTo(2 * (1769 / 512) + 8, 6);
    expect(atFullVcpu).toBeCloseTo(10, 6);
    expect(above).toBeCloseTo(10, 6); // more memory than one vCPU does not make one thread faster
  });

  it('totals its lines and charges more for more CPU', () => {
    // Prepare
    const light = costPerMillion({ webhookCpuMs: 1, minimalCpuMs: 1, sendCpuMs: 2 });
    const heavy = costPerMillion({ webhookCpuMs: 3, minimalCpuMs: 1, sendCpuMs: 6 });

    // Assess
    for (const t of [light.inbound, light.inboundBare, light.outbound]) {
      const sum = t.lines.reduce((s, l) => s + l.usd, 0);
      expect(t.totalUsd).toBeCloseTo(sum, 1);
    }
    expect(heavy.inbound.totalUsd).toBeGreaterThan(light.inbound.totalUsd);
    expect(heavy.outbound.lambdaGbSeconds).toBeGreaterThan(light.outbound.lambdaGbSeconds);
    expect(heavy.inboundBare.totalUsd).toBe(light.inboundBare.totalUsd);
  });

  it('charges each send its two command-record writes and its suppression read', () => {
    // Prepare / Act
    const { outbound } = costPerMillion({ webhookCpuMs: 1, minimalCpuMs: 1, sendCpuMs: 1 });
    const dynamoDb = outbound.lines.find((l) => l.item === 'DynamoDB on demand');

    // Assess
    expect(dynamoDb?.usd).toBeCloseTo(
      2 * PRICES.dynamoDbPerMillionWriteUnits + PRICES.dynamoDbPerMillionReadUnits,
      2,
    );
  });

  it('prices the webhook function from GB-seconds at the list price', () => {
    // Prepare: 1 ms CPU at 512 MB = 3.455 ms billed + 8 ms SQS wait
    const { inboundBare } = costPerMillion({
      webhookCpuMs: 1,
      minimalCpuMs: 1,
      sendCpuMs: 1,
      webhookMemoryMb: 512,
    });
    const webhook = inboundBare.lines.find((l) => l.item === 'Webhook function');

    // Assess
    const gbSeconds = (1_000_000 * (1769 / 512 + WAIT_ASSUMPTIONS_MS.sqsSendMessage) * 0.5) / 1000;
    expect(webhook?.usd).toBeCloseTo(
      gbSeconds * PRICES.lambdaPerGbSecond + PRICES.lambdaPerMillionRequests,
      2,
    );
  });
});

describe('the bench report', () => {
  const environment = {
    node: 'v24',
    platform: 'linux-x64',
    cpus: 2,
    loadAverage: [0, 0, 0],
    date: '2026-12-01',
  };
  const webhook = { cpuMsPerEvent: 1.3, minimalCpuMsPerEvent: 1.0 } as WebhookBenchResult;
  const send = { cpuMsPerSend: 2.5 } as SendBenchResult;

  it('prints the cost tables from the CPU it measured, and only when webhook and send both ran', () => {
    // Prepare
    const both = { environment, webhook: { ...webhook, peakRssMB: 1 }, send: { ...send, peakRssMB: 1 } };
    const costs = costsOf(both);

    // Act
    const printed = formatReport({ ...both, targets: checkTargets(both), ...(costs ? { costs } : {}) });

    // Assess
    expect(costsOf({ environment, webhook: { ...webhook, peakRssMB: 1 } })).toBeUndefined();
    expect(costs).toEqual(costPerMillion({ webhookCpuMs: 1.3, minimalCpuMs: 1.0, sendCpuMs: 2.5 }));
    expect(printed).toContain('Cost per million');
    expect(printed).toContain(`| **total** | | **${costs!.outbound.totalUsd.toFixed(2)}** |`);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Acknowledgment, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { SKIP_BUNDLING_CONTEXT } from '../../infra/constructs/bridge-function';
import { shippedContext } from './example-config';
import { synthRegions } from './synth';

/** Acknowledgements as CDK records them: metadata `{"Annotation::<rule id>": "<reason>"}` on the construct. */
function acknowledgementsUnder(scope: IConstruct): Array<{ path: string } & Acknowledgment> {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ path: c.node.path, id, reason })),
  );
}

describe('cdk-nag AwsSolutions', () => {
  const { app, stacks } = synthRegions();

  it.each(Object.keys(stacks))('finds nothing unacknowledged in %s', (name) => {
    const report = new AwsSolutionsChecks(app).validateScope(stacks[name]!);
    const findings = report.violations.map(
      (v) =>
        `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('acknowledges each finding on the exact construct, with a reason', () => {
    const acknowledgements = Object.values(stacks).flatMap(acknowledgementsUnder);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThan(40);
      // Never a blanket acknowledgement on a whole stack.
      expect(ack.path.split('/').length, `${ack.id} on ${ack.path}`).toBeGreaterThan(1);
    }
  });

  it('fails the synth of the app on an unacknowledged finding', () => {
    // Prepare: the real app, plus one queue without encryption, TLS policy or DLQ
    const context = { ...shippedContext(), [SKIP_BUNDLING_CONTEXT]: true };
    const broken = buildApp({ context, outdir: mkdtempSync(join(tmpdir(), 'nag-')) });
    const stack = broken.node.findChild('SinchBridge-us');
    new sqs.Queue(stack, 'Careless', { encryption: sqs.QueueEncryption.UNENCRYPTED, enforceSSL: false });

    // Act / Assess
    expect(() => broken.synth()).toThrow(/AwsSolutions-SQS/);
  });
});

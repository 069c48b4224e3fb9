/**
 * Opt-outs in a synthesized region stack: the retained suppression table and its sparse index,
 * the router's step configuration with exactly the grants it uses, the send function's read, the
 * confirmation grant only when an app has a confirmation text, the alarm and the output.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EU_APP, exampleConfig } from './example-config';
import { synthRegions } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown> };
const config = exampleConfig();
const euApps = config.regions.eu!.apps as Array<Record<string, unknown>>;
euApps[0]!.optOut = {
  channels: { SMS: { optOut: ['STOP', 'ARRET'], optIn: ['START'] } },
  confirmationText: 'No more messages. Reply START to undo.',
};
const template: Template = synthRegions(config).templates['SinchBridge-eu']!;

function fnByService(service: string): Resource {
  const found = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) } },
    }) as Record<string, Resource>,
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}
const envOf = (fn: Resource) =>
  (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const policyStatementsOf = (fn: Resource) => {
  const role = JSON.stringify((fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement);
};
const tableId = () =>
  Object.entries(template.findResources('AWS::DynamoDB::GlobalTable') as Record<string, Resource>).find(
    ([, t]) => JSON.stringify(t.Properties.GlobalSecondaryIndexes).includes('listedApp'),
  )![0];

describe('SuppressionList in a region stack', () => {
  it('keeps a retained table with point-in-time recovery and a sparse index of the suppressed per app', () => {
    const id = tableId();
    const table = template.toJSON().Resources[id];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byApp',
          KeySchema: [
            { AttributeName: 'listedApp', KeyType: 'HASH' },
            { AttributeName: 'recipient', KeyType: 'RANGE' },
          ],
        },
      ],
      Replicas: [
        expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
    expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
    template.hasOutput('SuppressionTableName', { Value: { Ref: id } });
  });

  it("gives the router the table, the apps' keywords and the outbound queue, with only UpdateItem and SendMessage", () => {
    const router = fnByService('sinch-bridge-router');
    const env = envOf(router);
    expect(env.SUPPRESSION_TABLE).toEqual({ Ref: tableId() });
    expect(JSON.parse(env.SUPPRESSION_APPS as string)).toEqual({
      [EU_APP]: {
        channels: { SMS: { optOut: ['STOP', 'ARRET'], optIn: ['START'] } },
        confirmationText: 'No more messages. Reply START to undo.',
      },
    });
    expect(env.OUTBOUND_QUEUE_URL).toBeDefined();
    const onTable = policyStatementsOf(router).filter((s) => JSON.stringify(s.Resource).includes(tableId()));
    expect(onTable.map((s) => s.Action)).toEqual(['dynamodb:UpdateItem']);
  });

  it('lets the send function read the list with BatchGetItem only', () => {
    const send = fnByService('sinch-bridge-send');
    expect(envOf(send).SUPPRESSION_TABLE).toEqual({ Ref: tableId() });
    const onTable = policyStatementsOf(send).filter((s) => JSON.stringify(s.Resource).includes(tableId()));
    expect(onTable.map((s) => s.Action)).toEqual(['dynamodb:BatchGetItem']);
  });

  it('alarms on a surge of opt-outs', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SuppressionAdded',
      Threshold: 50,
      Dimensions: [{ Name: 'service', Value: 'sinch-bridge-router' }],
    });
  });
});

/**
 * Alarms reach people (the topic and key policies let CloudWatch in, for this account's alarms
 * only) and every grant names actions its resource can take.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthRegions } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
};

const { templates } = synthRegions();
const eu = templates['SinchBridge-eu']!;

const OUR_ALARMS = {
  StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
  ArnLike: {
    'aws:SourceArn': {
      'Fn::Join': [
        '',
        // The stack's region is known, so CDK writes the partition out.
        ['arn:aws:cloudwatch:eu-west-1:', { Ref: 'AWS::AccountId' }, ':alarm:*'],
      ],
    },
  },
};

describe('alarm delivery', () => {
  it("lets CloudWatch publish to the alarm topic, for this account's alarms only, beside the TLS-only deny", () => {
    const [policy] = Object.values(eu.findResources('AWS::SNS::TopicPolicy')) as Resource[];
    const statements = (policy!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const publish = statements.filter((s) => s.Effect === 'Allow');
    expect(publish).toEqual([
      expect.objectContaining({
        Action: 'sns:Publish',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Condition: OUR_ALARMS,
      }),
    ]);
    expect(statements.some((s) => s.Effect === 'Deny')).toBe(true);
  });

  it('gives CloudWatch the topic key under the same conditions', () => {
    eu.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: OUR_ALARMS,
          }),
        ]),
      },
    });
  });
});

/** The CloudFormation service of an action prefix. */
const SERVICE_OF_ACTION: Record<string, string> = {
  dynamodb: 'DynamoDB',
  sqs: 'SQS',
  secretsmanager: 'SecretsManager',
  logs: 'Logs',
  lambda: 'Lambda',
  kms: 'KMS',
  sns: 'SNS',
  firehose: 'KinesisFirehose',
  s3: 'S3',
  states: 'StepFunctions',
};
/** Actions that act on a DynamoDB stream ARN, never on a table's. */
const STREAM_ACTIONS = [
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:DescribeStream',
  'dynamodb:ListStreams',
];

/** The logical ids a resource expression points at, and its literal text. */
function targetsOf(expression: unknown): { ids: string[]; text: string } {
  const ids: string[] = [];
  const text: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') text.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (Array.isArray(record['Fn::GetAtt'])) ids.push(String((record['Fn::GetAtt'] as unknown[])[0]));
      else if (typeof record.Ref === 'string') ids.push(record.Ref);
      else Object.values(record).forEach(walk);
    }
  };
  walk(expression);
  return { ids, text: text.join('') };
}

describe('grants', () => {
  it.each(Object.keys(templates))(
    '%s: every IAM action names a resource of its own service, stream actions only streams',
    (name) => {
      const template = templates[name]!;
      const resources = template.toJSON().Resources as Record<string, Resource>;
      const problems: string[] = [];
      for (const [policyId, policy] of Object.entries(resources)) {
        if (policy.Type !== 'AWS::IAM::Policy' && policy.Type !== 'AWS::IAM::ManagedPolicy') continue;
        for (const statement of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
          const actions = [statement.Action].flat();
          for (const resource of [statement.Resource].flat()) {
            if (resource === '*') continue;
            const { ids, text } = targetsOf(resource);
            for (const action of actions) {
              const service = SERVICE_OF_ACTION[action.split(':')[0]!];
              if (
                STREAM_ACTIONS.includes(action) &&
                !text.includes('/stream/') &&
                !ids.some((id) => resources[id]?.Type === 'AWS::DynamoDB::Table' && text.includes('stream'))
              ) {
                problems.push(`${policyId}: ${action} on ${JSON.stringify(resource)}`);
              }
              for (const id of ids) {
                const type = resources[id]?.Type;
                if (!type || !service || id.startsWith('AWS::')) continue;
                if (!type.startsWith(`AWS::${service}::`))
                  problems.push(`${policyId}: ${action} on ${type} ${id}`);
              }
            }
          }
        }
      }
      expect(problems).toEqual([]);
    },
  );
});

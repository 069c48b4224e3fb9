import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloudFormation, startLocalCloudFormation } from '../../local/aws/cloudformation-server';

/** The CloudFormation stand-in, called by the AWS SDK's own client (AWS Query protocol, SigV4). */
describe('local CloudFormation stand-in (DescribeStacks)', () => {
  let cfn: LocalCloudFormation;
  const client = (secretAccessKey = 'local', region = 'eu-west-1') =>
    new CloudFormationClient({
      endpoint: cfn.endpoint,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey },
      maxAttempts: 1,
    });

  beforeAll(async () => {
    cfn = await startLocalCloudFormation({
      region: 'eu-west-1',
      stacks: [
        { name: 'SinchBridge-eu', outputs: { EventsQueueUrl: 'http://127.0.0.1:1/q.fifo?a=1&b=<2>' } },
      ],
    });
  });
  afterAll(async () => {
    await cfn.close();
  });

  it('describes a stack by name and by id, outputs escaped and read back exactly', async () => {
    const byName = await client().send(new DescribeStacksCommand({ StackName: 'SinchBridge-eu' }));
    const [stack] = byName.Stacks ?? [];
    expect(stack).toMatchObject({
      StackName: 'SinchBridge-eu',
      StackStatus: 'CREATE_COMPLETE',
      Outputs: [{ OutputKey: 'EventsQueueUrl', OutputValue: 'http://127.0.0.1:1/q.fifo?a=1&b=<2>' }],
    });
    expect(stack!.StackId).toMatch(/^arn:aws:cloudformation:eu-west-1:\d{12}:stack\/SinchBridge-eu\//);
    expect(stack!.CreationTime).toBeInstanceOf(Date);
    const byId = await client().send(new DescribeStacksCommand({ StackName: stack!.StackId! }));
    expect(byId.Stacks?.[0]?.StackName).toBe('SinchBridge-eu');
  });

  it("answers CloudFormation's errors: a missing stack, a bad signature, the wrong region, another action", async () => {
    const errorOf = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => ({
          name: e.name,
          message: e.message,
          status: e.$metadata?.httpStatusCode,
        }),
      );
    expect(await errorOf(client().send(new DescribeStacksCommand({ StackName: 'Nope' })))).toEqual({
      name: 'ValidationError',
      message: 'Stack with id Nope does not exist',
      status: 400,
    });
    expect(
      await errorOf(client('wrong').send(new DescribeStacksCommand({ StackName: 'SinchBridge-eu' }))),
    ).toMatchObject({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(
      await errorOf(
        client('local', 'us-east-1').send(new DescribeStacksCommand({ StackName: 'SinchBridge-eu' })),
      ),
    ).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(await errorOf(client().send(new ListStacksCommand({})))).toMatchObject({
      name: 'InvalidAction',
      status: 400,
    });
    expect(cfn.calls()).toContain('ListStacks');
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloudFormation, startLocalCloudFormation } from '../../local/aws/cloudformation-server';
import { type LocalBridge, startLocalBridge } from '../../local/bridge';
import { cleanEnv, sinchBridge } from '../support/cli-process';

/**
 * `sinch-bridge --stack <name> verify` end to end: the real CLI process reads the stack's outputs
 * from CloudFormation (the loopback stand-in, AWS Query protocol) and follows them to a running
 * local bridge's webhook, queues and secrets, as it would follow a deployed stack's. No local
 * bridge is recorded for the CLI: it is in AWS mode, and only the outputs lead it there.
 */
describe('sinch-bridge --stack <name> verify (the real CLI process, stack outputs from CloudFormation)', {
  timeout: 180_000,
}, () => {
  let bridge: LocalBridge;
  let cfn: LocalCloudFormation;
  let env: NodeJS.ProcessEnv;
  let appId: string;

  beforeAll(async () => {
    bridge = await startLocalBridge({ port: 0, logLevel: 'SILENT' });
    appId = Object.keys(bridge.secrets)[0]!;
    const region = bridge.environment.AWS_REGION!;
    const outputs = {
      ...Object.fromEntries(
        Object.keys(bridge.secrets).map((app) => [`WebhookUrl${app}`, `${bridge.baseUrl}/webhooks/${app}`]),
      ),
      SinchServiceConnectionUrl: `https://eu.conversation.api.sinch.com/v1/projects/${bridge.projectId}/messages:send`,
      EventsQueueUrl: bridge.queueUrls.events,
      EventsDeadLetterQueueUrl: bridge.queueUrls.eventsDlq,
      OutboundQueueUrl: bridge.queueUrls.outbound,
      OutboundDeadLetterQueueUrl: bridge.queueUrls.outboundDlq,
      // Secrets Manager takes a secret's name where it takes its ARN; the double knows names.
      WebhookSecretsArn: bridge.secretIds.webhookSecrets,
      IdempotencyTableName: bridge.environment.IDEMPOTENCY_TABLE!,
    };
    // Port 2: privileged, so no test server's ephemeral port can be it, and not on fetch's list
    // of blocked ports (9 is). A port freed by closing a listener was taken by another test
    // file's stand-in when files ran in parallel.
    const deadPort = 2;
    cfn = await startLocalCloudFormation({
      region,
      stacks: [
        { name: 'SinchBridge-local', outputs },
        // The same stack, but its webhook output leads nowhere (a port nothing listens on).
        {
          name: 'SinchBridge-unreachable',
          outputs: { ...outputs, [`WebhookUrl${appId}`]: `http://127.0.0.1:${deadPort}/webhooks/${appId}` },
        },
      ],
    });
    env = cleanEnv({
      SINCH_BRIDGE_DIR: mkdtempSync(join(tmpdir(), 'verify-stack-')),
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
      AWS_ENDPOINT_URL_SQS: bridge.endpoints.sqs,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: bridge.endpoints.secretsManager,
      AWS_ENDPOINT_URL_DYNAMODB: bridge.endpoints.dynamodb,
    });
  });
  afterAll(async () => {
    await cfn?.close();
    await bridge?.stop();
  });

  it('reads the outputs and passes every step: signed callback, its event, a test send', async () => {
    const verified = await sinchBridge(
      ['--stack', 'SinchBridge-local', 'verify', '--to', 'SMS:+46700000001', '--timeout', '60'],
      env,
    );
    expect(verified.stderr).toMatch(/^mode: AWS \(region [^,]+, stack SinchBridge-local/m);
    expect(verified.stdout).toContain(
      `ok    outputs: app ${appId}, webhook ${bridge.baseUrl}/webhooks/${appId}, events ${bridge.queueUrls.events}`,
    );
    expect(verified.stdout).toContain('ok    signed callback: the webhook answered 200');
    expect(verified.stdout).toContain(
      'ok    event on the events queue: sinch.conversation.message_inbound arrived',
    );
    expect(verified.stdout).toMatch(/ok {4}test send: accepted by Sinch, message \S+/);
    expect(verified.stderr).toContain('verified');
    expect(verified.code).toBe(0);
    expect(cfn.calls()).toContain('DescribeStacks');
  });

  it('says which step failed when an output leads nowhere, and exits 1', async () => {
    const verified = await sinchBridge(
      ['--stack', 'SinchBridge-unreachable', 'verify', '--timeout', '10'],
      env,
    );
    expect(verified.stdout).toMatch(/FAIL {2}signed callback: the webhook answered nothing .*ECONNREFUSED/);
    expect(verified.stdout).not.toContain('event on the events queue');
    expect(verified.stderr).toContain('verify failed: signed callback');
    expect(verified.code).toBe(1);
  });

  it('names a stack CloudFormation does not have (exit 2)', async () => {
    const verified = await sinchBridge(['--stack', 'SinchBridge-nowhere', 'verify'], env);
    expect(verified.stderr).toContain(
      'cannot read the outputs of stack SinchBridge-nowhere: ValidationError: Stack with id SinchBridge-nowhere does not exist',
    );
    expect(verified.code).toBe(2);
  });

  // LAST: a 403 makes the send function hold the project's other commands for a while.
  it('says the test send failed and why when Sinch refuses it, and exits 1', async () => {
    const verified = await sinchBridge(
      ['--stack', 'SinchBridge-local', 'verify', '--to', 'SMS:+46700000403', '--timeout', '60'],
      env,
    );
    expect(verified.stdout).toContain('ok    signed callback: the webhook answered 200');
    expect(verified.stdout).toMatch(
      /FAIL {2}test send: failed: rejected 403: .*\(sinch-bridge dlq inspect\)/,
    );
    expect(verified.stderr).toContain('verify failed: test send');
    expect(verified.code).toBe(1);
  });
});

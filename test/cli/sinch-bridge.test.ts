import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The newcomer's path, as processes: `npm start` (its script, `tsx local/start.ts`), then the
 * `sinch-bridge` bin in another "terminal", found through the state the bridge leaves.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxCli = join(root, 'node_modules/tsx/dist/cli.mjs');
const bin = join(root, 'cli/sinch-bridge.mjs');
const run = promisify(execFile);

/** A clean environment: nothing that points at AWS, so the CLI must find the local bridge. */
function cleanEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SINCH_BRIDGE_DIR: dir };
  return env;
}

async function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env, cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('sinch-bridge without a bridge', () => {
  const env = cleanEnv(mkdtempSync(join(tmpdir(), 'sinch-bridge-none-')));

  it('--help exits 0 and describes every command', async () => {
    const commands = [
      [],
      ['send'],
      ['simulate'],
      ['tail'],
      ['dlq', 'inspect'],
      ['dlq', 'redrive'],
      ['webhooks', 'list'],
      ['webhooks', 'sync'],
      ['webhooks', 'rotate'],
      ['doctor'],
      ['verify'],
      ['completion'],
    ];
    const results = await Promise.all(commands.map((args) => cli([...args, '--help'], env)));
    for (const [i, result] of results.entries()) {
      expect(result.code, commands[i]!.join(' ')).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: sinch-bridge ${commands[i]!.join(' ')}`));
    }
  });

  it('prints its version, and a completion script that knows every command and choice', async () => {
    const [version, completion] = await Promise.all([cli(['--version'], env), cli(['completion'], env)]);
    expect(version).toMatchObject({
      code: 0,
      stdout: `${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`,
    });
    expect(completion.code).toBe(0);
    expect(completion.stdout).toContain('complete -F _sinch_bridge sinch-bridge');
    expect(completion.stdout).toMatch(/"dlq inspect"\) words="[^"]*--queue/);
    expect(completion.stdout).toMatch(/--trigger\) COMPREPLY=\( \$\(compgen -W "MESSAGE_INBOUND /);
  });

  it('exits 2 on wrong usage or missing configuration, with a clear message', async () => {
    const [unknown, noRecipient, noQueue, noSinch] = await Promise.all([
      cli(['send', '--bogus'], env),
      cli(['send', '--text', 'x'], env),
      cli(['tail'], env),
      cli(['webhooks', 'list', '--app', '01H'], env),
    ]);
    expect([unknown.code, noRecipient.code, noQueue.code, noSinch.code]).toEqual([2, 2, 2, 2]);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
    expect(noRecipient.stderr).toContain('a recipient is required');
    expect(noQueue.stderr).toContain('EVENTS_QUEUE_URL');
    expect(noSinch.stderr).toContain('SINCH_KEY_ID');
  });
});

describe('npm start, then the CLI in another terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sinch-bridge-'));
  const env = cleanEnv(dir);
  let bridge: ChildProcess;
  let output = '';

  beforeAll(async () => {
    bridge = spawn(process.execPath, [tsxCli, 'local/start.ts'], { cwd: root, env: { ...env, PORT: '0' } });
    bridge.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    bridge.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      bridge.stdout!.on('data', () => output.includes('Ctrl-C stops the bridge.') && resolve());
      bridge.once('exit', (code) => reject(new Error(`npm start exited ${code}:\n${output}`)));
    });
  });
  afterAll(() => {
    if (bridge.exitCode === null) bridge.kill('SIGKILL');
  });

  it('prints the webhook URL, the queue URLs and where the secret is', () => {
    expect(output).toMatch(/http:\/\/127\.0\.0\.1:\d+\/webhooks\/[0-9A-Z]{26}/);
    expect(output).toMatch(
      /outbound DLQ\s+http:\/\/127\.0\.0\.1:\d+\/\d+\/sinch-bridge-eu-outbound-dlq\.fifo/,
    );
    expect(output).toContain(join(dir, 'dev-app.json'));
    expect(output).toContain('built-in Sinch stand-in');
  });

  it('says it uses the local bridge, even with AWS variables exported, unless --aws', async () => {
    const aws = {
      ...env,
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9',
      AWS_REGION: 'eu-west-1',
      EVENTS_QUEUE_URL: 'http://127.0.0.1:9/1/q.fifo',
    };
    const [local, forced, conflicting] = await Promise.all([
      cli(['tail', '--peek', '--timeout', '1'], aws),
      cli(['--aws', 'tail', '--peek'], aws),
      cli(['--local', '--aws', 'tail'], aws),
    ]);
    expect(local.code).toBe(0);
    expect(local.stderr).toMatch(
      /^mode: local \(local bridge pid \d+, http:\/\/127\.0\.0\.1:\d+\): a local bridge is running .*AWS_ENDPOINT_URL_SQS, EVENTS_QUEUE_URL ignored; --aws or --stack for AWS/m,
    );
    expect(forced.stderr).toMatch(/^mode: AWS \(region eu-west-1, SQS http:\/\/127\.0\.0\.1:9\): --aws/m);
    expect(forced.code).toBe(1);
    expect(conflicting).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--local conflicts with --aws'),
    });
  });

  it('prints AWS CLI variables that work as printed, region included', () => {
    const line = /Other AWS tools: (.*)/.exec(output)?.[1] ?? '';
    expect(line).toMatch(/AWS_ENDPOINT_URL_SQS=http:\/\/127\.0\.0\.1:\d+ /);
    expect(line).toMatch(/AWS_REGION=[a-z]{2}-[a-z]+-\d /);
    expect(line).toMatch(/AWS_DEFAULT_REGION=[a-z]{2}-[a-z]+-\d/);
  });

  it('shows a simulated callback in tail', async () => {
    const simulated = await cli(['simulate', '--text', 'hello'], env);
    const tailed = await cli(['tail', '--json', '--limit', '1', '--timeout', '20'], env);
    expect(simulated.code).toBe(0);
    expect(simulated.stdout).toContain('answered 200');
    expect(tailed.code).toBe(0);
    expect(JSON.parse(tailed.stdout)).toMatchObject({
      type: 'sinch.conversation.message_inbound',
      data: { content: { kind: 'text', text: 'hello' } },
    });
  });

  it('sends through the built-in Sinch stand-in and shows the outcome and the delivery reports', async () => {
    const sent = await cli(['send', '--id', 'first-send', '--to', 'SMS:+46700000003', '--text', 'x'], env);
    // The outcome, three delivery reports, and the lifecycle's outbound.status after each.
    const tailed = await cli(['tail', '--json', '--limit', '7', '--timeout', '20'], env);
    expect(sent.code).toBe(0);
    expect(tailed.code).toBe(0);
    const events = tailed.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            data: { id?: string; status?: string; correlationId?: string };
          },
      );
    expect(events.find((e) => e.type === 'sinch.bridge.outbound.accepted')?.data.id).toBe('first-send');
    expect(
      events
        .filter((e) => e.type === 'sinch.conversation.message_delivery')
        .map((e) => [e.data.status, e.data.correlationId]),
    ).toEqual([
      ['QUEUED_ON_CHANNEL', 'first-send'],
      ['DELIVERED', 'first-send'],
      ['READ', 'first-send'],
    ]);
    expect(
      events.filter((e) => e.type === 'sinch.bridge.outbound.status').map((e) => [e.data.status, e.data.id]),
    ).toEqual([
      ['queued_on_channel', 'first-send'],
      ['delivered', 'first-send'],
      ['read', 'first-send'],
    ]);
  });

  it('exits 3 when tail sees nothing in time', async () => {
    const tailed = await cli(['tail', '--limit', '1', '--timeout', '1'], env);
    expect(tailed.code).toBe(3);
  });

  it('stops cleanly on Ctrl-C and forgets its state', async () => {
    expect(existsSync(join(dir, 'local.json'))).toBe(true);
    const exited = new Promise<number | null>((resolve) => bridge.once('exit', (code) => resolve(code)));
    bridge.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopped');
    expect(existsSync(join(dir, 'local.json'))).toBe(false);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSuppressionCsv } from '../../cli/suppressions-command';
import type { CloudEvent } from '../../functions/events/cloud-event';
import type { LocalBridge } from '../../local/bridge';
import { startBridgeForCli } from '../support/cli-local-bridge';
import { cleanEnv, sinchBridge } from '../support/cli-process';

/**
 * `sinch-bridge suppressions` (the real CLI process) against the local bridge: add, check, list,
 * remove and import, each change on the table the send function reads and published as an event.
 */
describe('sinch-bridge suppressions (local bridge)', () => {
  let bridge: LocalBridge;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ bridge, env } = await startBridgeForCli());
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  async function publishedSuppressions(count: number): Promise<CloudEvent[]> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const events = bridge.eventFeed
        .since(0, ['events'])
        .events.map((e) => JSON.parse(e.body) as CloudEvent)
        .filter((e) => e.type.startsWith('sinch.bridge.suppression.'));
      if (events.length >= count || Date.now() > deadline) return events;
      await bridge.eventFeed.wait(bridge.eventFeed.since(0, ['events']).next, ['events'], 1_000);
    }
  }

  it('adds, checks, lists, imports and removes, publishing each change', async () => {
    const csv = join(mkdtempSync(join(tmpdir(), 'suppressions-')), 'list.csv');
    writeFileSync(
      csv,
      'channel,identity\nSMS,+46700002002\n"WHATSAPP","46700002003"\nSMS,+46 70 000 20 01\nbroken\n',
    );

    const added = await sinchBridge(['suppressions', 'add', 'SMS:+46700002001'], env);
    const again = await sinchBridge(['suppressions', 'add', 'sms:46700002001'], env);
    const imported = await sinchBridge(['suppressions', 'import', csv], env);
    const [check, list] = await Promise.all([
      sinchBridge(['suppressions', 'check', 'SMS:+46700002001', '--json'], env),
      sinchBridge(['suppressions', 'list', '--channel', 'SMS'], env),
    ]);
    const removed = await sinchBridge(['suppressions', 'remove', 'SMS:+46700002001'], env);
    const after = await sinchBridge(['suppressions', 'check', 'SMS:+46700002001'], env);

    expect(added.code).toBe(0);
    expect(added.stdout).toBe('added: SMS:46700002001\n');
    expect(again.stdout).toBe('unchanged: SMS:46700002001 was already suppressed\n');
    expect(imported.code).toBe(1);
    expect(imported.stdout).toContain('2 added, 1 already suppressed, 1 line(s) refused');
    expect(imported.stderr).toContain('line 5: expected channel,identity[,appId]');
    expect(JSON.parse(check.stdout)).toMatchObject({
      channel: 'SMS',
      identity: '46700002001',
      suppressed: true,
      source: 'operator',
    });
    expect(
      list.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('  ')[0]),
    ).toEqual(['SMS:46700002001', 'SMS:46700002002']);
    expect(removed.stdout).toBe('removed: SMS:46700002001\n');
    expect(after.stdout).toMatch(/^SMS:46700002001 {2}not suppressed/);

    const events = await publishedSuppressions(4);
    expect(events.map((e) => [e.type.split('.').pop(), (e.data as { identity: string }).identity])).toEqual([
      ['added', '46700002001'],
      ['added', '46700002002'],
      ['added', '46700002003'],
      ['removed', '46700002001'],
    ]);
    expect(events[0]!.data).toMatchObject({ source: 'operator', channel: 'SMS' });
  });

  it('works in AWS mode from SUPPRESSION_TABLE (here the local table, through the standard endpoint variables)', async () => {
    const appId = Object.keys(bridge.secrets)[0]!;
    await sinchBridge(['suppressions', 'add', 'SMS:+46700002009'], env);
    const aws = await sinchBridge(
      ['suppressions', 'check', 'SMS:+46700002009', '--aws', '--app', appId, '--json'],
      cleanEnv({
        SUPPRESSION_TABLE: bridge.environment.SUPPRESSION_TABLE,
        AWS_REGION: bridge.environment.AWS_REGION,
        AWS_ENDPOINT_URL_DYNAMODB: bridge.endpoints.dynamodb,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      }),
    );
    expect(aws.stderr).toMatch(/^mode: AWS/m);
    expect(JSON.parse(aws.stdout)).toMatchObject({ appId, identity: '46700002009', suppressed: true });
  });

  it('reads a CSV with or without header, quotes, app column and comments', () => {
    expect(parseSuppressionCsv('# exported 2026-11-01\nSMS,+4670,01EAPP\r\n\nwhatsapp,"4671"\n')).toEqual({
      recipients: [
        { channel: 'SMS', identity: '+4670', appId: '01EAPP' },
        { channel: 'WHATSAPP', identity: '4671' },
      ],
      problems: [],
    });
    expect(parseSuppressionCsv('SMS\n,4670\nSMS,1,2,3\n').problems).toHaveLength(3);
  });
});

import { describe, expect, it } from 'vitest';
import { TRIGGERS } from '../../functions/events/callback-envelope';
import { WEBHOOK_TRIGGERS } from '../../functions/sinch/webhooks-api';
import { parseBridgeConfig } from '../../infra/config';
import { exampleConfig } from './example-config';

function withTriggers(triggers: string[]) {
  const raw = exampleConfig();
  raw.regions.eu!.apps[0]!.triggers = triggers as never;
  return raw;
}

describe('webhook triggers: one spelling everywhere', () => {
  it('every event trigger is a trigger a webhook can be registered for, and nothing else is', () => {
    expect([...WEBHOOK_TRIGGERS].sort()).toEqual([...TRIGGERS].sort());
    expect(WEBHOOK_TRIGGERS).toContain('SMART_CONVERSATION');
    expect(WEBHOOK_TRIGGERS).not.toContain('SMART_CONVERSATIONS');
  });

  it('takes SMART_CONVERSATION and BATCH_STATUS_UPDATE silently', () => {
    const warnings: string[] = [];
    const [eu] = parseBridgeConfig(withTriggers(['SMART_CONVERSATION', 'BATCH_STATUS_UPDATE']), {
      warn: (m) => warnings.push(m),
    });
    expect(eu?.apps[0]?.triggers).toEqual(['SMART_CONVERSATION', 'BATCH_STATUS_UPDATE']);
    expect(warnings).toEqual([]);
  });

  it("reads the Node SDK's SMART_CONVERSATIONS as SMART_CONVERSATION, with a warning naming the field", () => {
    const warnings: string[] = [];
    const [eu] = parseBridgeConfig(
      withTriggers(['MESSAGE_INBOUND', 'SMART_CONVERSATIONS', 'SMART_CONVERSATION']),
      {
        warn: (m) => warnings.push(m),
      },
    );
    expect(eu?.apps[0]?.triggers).toEqual(['MESSAGE_INBOUND', 'SMART_CONVERSATION']);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^sinch\.regions\.eu\.apps\[0\]\.triggers\[1\]: SMART_CONVERSATIONS .*SMART_CONVERSATION/,
      ),
    ]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOutboundCommand } from '../../functions/send/command';
import { KNOWN_CHANNELS, parseQueueAddress, toQueueAddress } from '../../functions/sinch/channels';

const APP = '01HQ8Z0ZB6W1S4VJ4NPXAQ4E5T';
const PROTOTYPE_KEYS = [
  'constructor',
  '__proto__',
  'tostring',
  'hasownproperty',
  'valueof',
  '__definegetter__',
];

describe('queue addresses (from)', () => {
  it.each(PROTOTYPE_KEYS)('%s is not a subchannel', (sub) => {
    expect(parseQueueAddress(`${APP}@${sub}.sinchconversation.com`)).toBeUndefined();
  });

  it.each(PROTOTYPE_KEYS)('a command "from" %s is invalid_command, naming from', (sub) => {
    // Prepare
    const body = JSON.stringify({
      id: 'proto-1',
      from: `${APP}@${sub}.sinchconversation.com`,
      to: { channel: 'SMS', identity: '+46700000001' },
      text: 'hi',
    });
    // Act
    const parsed = parseOutboundCommand(body);
    // Assess
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain('from');
  });

  it('an unknown subchannel is not a queue address', () => {
    expect(parseQueueAddress(`${APP}@pigeon.sinchconversation.com`)).toBeUndefined();
  });

  it('every known channel round-trips through its queue address (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KNOWN_CHANNELS), (channel) => {
        expect(parseQueueAddress(toQueueAddress(APP, channel))).toEqual({ appId: APP, channel });
      }),
    );
  });
});

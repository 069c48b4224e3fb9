import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../cli/cli-error';
import { commandFromFlags, toOutboundQueueMessage, validateCommand } from '../../cli/outbound-message';
import { maskIdentity } from '../../cli/tail';
import { SEND_CHANNELS } from '../../functions/sinch/app-message';

/** What SQS accepts as a FIFO group or deduplication id. */
const SQS_FIFO_ID = /^[\x21-\x7e]{1,128}$/;
const appId = '01HZX3Q4J5K6M7N8P9R0S1T2V3';

describe('send builds valid outbound commands and FIFO messages', () => {
  it('maps --to CHANNEL:identity flags to a command the send function accepts', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            // Any case of a send API channel: the CLI upper-cases it.
            fc
              .tuple(fc.constantFrom(...SEND_CHANNELS), fc.boolean())
              .map(([channel, lower]) => (lower ? channel.toLowerCase() : channel)),
            fc.string({ minLength: 1, maxLength: 40 }),
          ),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        fc.string({ minLength: 1, maxLength: 200 }),
        (recipients, text) => {
          const command = validateCommand(
            commandFromFlags({ app: appId, to: recipients.map(([c, i]) => `${c}:${i}`), text }),
          );
          const expected = recipients.map(([channel, identity]) => ({
            channel: channel.toUpperCase(),
            identity,
          }));
          expect(command.to).toEqual(expected.length === 1 ? expected[0] : expected);
          expect(command.text).toBe(text);
          expect(command.id).toMatch(/^cli-/);
        },
      ),
    );
  });

  it('gives every command id a valid, stable deduplication id and group', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 128, unit: 'grapheme' }).filter((s) => s.length <= 128),
        fc.string({ minLength: 1, maxLength: 300 }),
        (id, identity) => {
          const command = validateCommand({ id, appId, to: { channel: 'SMS', identity }, text: 'x' });
          const a = toOutboundQueueMessage(command);
          const b = toOutboundQueueMessage(command);
          expect(a.MessageDeduplicationId).toMatch(SQS_FIFO_ID);
          expect(a.MessageGroupId).toMatch(SQS_FIFO_ID);
          expect(a).toEqual(b);
          expect(JSON.parse(a.MessageBody)).toEqual(command);
        },
      ),
    );
  });

  it('refuses malformed recipients and invalid commands as usage errors', () => {
    for (const to of ['WHATSAPP', ':+4670', 'SMS:']) {
      expect(() => commandFromFlags({ app: appId, to: [to], text: 'x' })).toThrow(CliError);
    }
    expect(() => commandFromFlags({ app: appId, text: 'x' })).toThrow(/recipient is required/);
    expect(() => validateCommand({ id: 'a', appId, to: { channel: 'SMS', identity: '1' } })).toThrow(
      /exactly one of text, media, template, message/,
    );
  });
});

describe('tail masks identities', () => {
  it('keeps the length and hides at least half of any identity', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (identity) => {
        const masked = maskIdentity(identity);
        expect(masked).toHaveLength(identity.length);
        expect([...masked].filter((c) => c === '*').length).toBeGreaterThanOrEqual(identity.length / 2);
      }),
    );
    expect(maskIdentity('46700000000')).toBe('467******00');
  });
});

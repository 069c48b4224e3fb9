/**
 * The published JSON Schemas, read by an independent JSON Schema validator (Ajv), agree with the
 * zod schemas they are generated from, and stay backwards compatible: every command of every
 * accepted form (all valid for Sinch) passes the schema as it was published before the bridge
 * checked commands against Sinch's models, the current schema, and the send function's own
 * validation; every normalized event passes the event schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOutboundCommand } from '../functions/send/command';
import { normalizeCallback } from '../functions/webhook/normalize-callback';
import { CALLBACK_BY_TRIGGER, proseShapes, TEST_APP_ID } from './support/callbacks';
import { validCommandArb } from './support/command-arbitraries';

const root = join(import.meta.dirname, '..');
const json = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8'));
// Formats (uri, email) are annotations in 2020-12; the zod side checks them.
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
const validator = (schema: Record<string, unknown>) => {
  const { $id: _id, ...rest } = schema;
  return ajv.compile(rest);
};

const commandNow = validator(json('schemas/outbound-command.v1.json'));
const commandBefore = validator(json('test/support/published/outbound-command.v1.before-sinch-checks.json'));
const eventEnvelope = validator(json('schemas/cloud-event-envelope.v1.json'));
const eventData = validator(json('schemas/conversation-event.v1.json'));

describe('schemas/outbound-command.v1.json', () => {
  it('every command valid for Sinch passes the schema published before, the schema now, and the send function', () => {
    fc.assert(
      fc.property(validCommandArb, (raw) => {
        const command = JSON.parse(JSON.stringify(raw));
        // The fields and the template form added since are unknown to the old schema.
        const { messageContentType: _m, conversationMetadataUpdateStrategy: _s, ...legacy } = command;
        if (!legacy.template?.channel) {
          expect(commandBefore(legacy), JSON.stringify(commandBefore.errors)).toBe(true);
          expect(parseOutboundCommand(JSON.stringify(legacy)).ok).toBe(true);
        }
        expect(commandNow(command), JSON.stringify(commandNow.errors)).toBe(true);
        expect(parseOutboundCommand(JSON.stringify(command)).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['an omni template without version', { template: { id: 'tpl' } }],
    ['a lower-case channel', { text: 'hi', to: { channel: 'whatsapp', identity: '+4670' } }],
    ['ttl 2', { text: 'hi', ttl: 2 }],
    ['an unknown channel property', { text: 'hi', channelProperties: { WHATSAPP_HEADER: 'x' } }],
    ['a message with no kind', { message: { agent: { display_name: 'A', type: 'BOT' } } }],
  ])('the schema now refuses what Sinch refuses: %s', (_label, fields) => {
    const command = { id: 'c', appId: '01EAPP', to: { channel: 'WHATSAPP', identity: '+4670' }, ...fields };
    expect(commandNow(command)).toBe(false);
    expect(parseOutboundCommand(JSON.stringify(command)).ok).toBe(false);
  });
});

describe('schemas/conversation-event.v1.json', () => {
  const callbacks = [
    ...Object.values(CALLBACK_BY_TRIGGER).flatMap((make) => [
      make({ mode: 'CONVERSATION' }),
      make({ mode: 'DISPATCH' }),
    ]),
    ...Object.values(proseShapes).map((make) => make()),
  ];

  it.each(
    callbacks.map(
      (c) =>
        [
          Object.keys(c).find(
            (k) =>
              k.endsWith('notification') ||
              k === 'message' ||
              k.includes('report') ||
              k === 'event' ||
              k === 'message_redaction' ||
              k === 'unsupported_callback' ||
              k === 'channel_event',
          ) ?? '?',
          c,
        ] as const,
    ),
  )('the event of %s passes the envelope and data schemas', (_key, callback) => {
    const event = normalizeCallback(callback, {
      region: 'eu',
      projectId: 'p',
      appId: TEST_APP_ID,
      rawBody: JSON.stringify(callback),
      receivedAt: '2026-11-25T06:30:01.000Z',
    });
    const wire = JSON.parse(JSON.stringify(event));
    expect(eventEnvelope(wire), JSON.stringify(eventEnvelope.errors)).toBe(true);
    expect(eventData(wire.data), JSON.stringify(eventData.errors)).toBe(true);
  });
});

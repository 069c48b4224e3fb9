import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../functions/events/cloud-event';
import {
  identityKeySegment,
  mediaJobOf,
  mediaObjectKey,
  mediaObjectName,
  mediaOutcomeKey,
} from '../../functions/media/media-job';
import { normalizeCallback } from '../../functions/webhook/normalize-callback';
import { CALLBACK_BY_TRIGGER, callbacks, contactMessages, TEST_APP_ID } from '../support/callbacks';

function eventOf(callback: Record<string, unknown>): CloudEvent {
  return normalizeCallback(callback, {
    region: 'eu',
    projectId: 'proj',
    appId: TEST_APP_ID,
    rawBody: JSON.stringify(callback),
    receivedAt: '2026-11-25T06:30:00.000Z',
  }) as CloudEvent;
}

describe('mediaJobOf', () => {
  it('makes a job of media and media card messages only', () => {
    const media = mediaJobOf(eventOf(callbacks.messageInbound({ content: contactMessages.media() })));
    expect(media).toMatchObject({
      kind: 'media',
      url: 'https://media.example.com/inbound/photo.jpg',
      filename: 'photo.jpg',
      appId: TEST_APP_ID,
      channel: 'WHATSAPP',
      identity: '46700000001',
      groupId: `${TEST_APP_ID}:WHATSAPP:46700000001`,
    });
    expect(
      mediaJobOf(eventOf(callbacks.messageInbound({ content: contactMessages.mediaCard() }))),
    ).toMatchObject({
      kind: 'media_card',
      url: 'https://media.example.com/card.png',
    });
    for (const content of [
      contactMessages.text(),
      contactMessages.location(),
      contactMessages.choiceResponse(),
      contactMessages.fallback(),
      contactMessages.productResponse(),
      contactMessages.channelSpecific(),
      { media_message: { url: '' } },
    ]) {
      expect(mediaJobOf(eventOf(callbacks.messageInbound({ content })))).toBeUndefined();
    }
    for (const make of Object.values(CALLBACK_BY_TRIGGER)) {
      const event = eventOf(make());
      if (event.type !== 'sinch.conversation.message_inbound') expect(mediaJobOf(event)).toBeUndefined();
    }
  });
});

describe('media object keys', () => {
  it('are <appId>/<hex sha256 of "channel:identity">/<eventId>/<name>, the outcome record beside the file', () => {
    const job = mediaJobOf(eventOf(callbacks.messageInbound({ content: contactMessages.media() })))!;
    const segment = identityKeySegment('WHATSAPP', '46700000001');
    expect(segment).toMatch(/^[0-9a-f]{64}$/);
    expect(mediaObjectKey(job)).toBe(`${TEST_APP_ID}/${segment}/${job.eventId}/photo.jpg`);
    expect(mediaOutcomeKey(job)).toBe(`${TEST_APP_ID}/${segment}/${job.eventId}/.outcome.json`);
    expect(identityKeySegment('WHATSAPP', '46700000002')).not.toBe(segment);
  });

  it('names are safe key segments, never start with a dot, and never collide with the outcome record', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
        fc.webUrl(),
        (filename, url) => {
          const name = mediaObjectName({ filename: filename || undefined, url });
          expect(name).toMatch(/^[A-Za-z0-9-][A-Za-z0-9._-]{0,99}$/);
          expect(name).not.toBe('.outcome.json');
        },
      ),
    );
    expect(mediaObjectName({ url: 'https://x.example/a/b/voice%20note.ogg?sig=1' })).toBe('voice_note.ogg');
    expect(mediaObjectName({ url: 'https://x.example/' })).toBe('media');
    expect(mediaObjectName({ filename: '../../etc/passwd', url: 'https://x.example/' })).toBe('etc_passwd');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSqsSafeText,
  toSqsMessageBody,
  toSqsSafeAttributeValue,
} from '../../functions/events/sqs-message-body';

// SQS's documented character set for message bodies, checked code point by code point
// (independent of the implementation's regular expression).
function sqsAccepts(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        index++; // a valid pair: #x10000-#x10FFFF
        continue;
      }
      return false;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return false;
    const allowed =
      unit === 0x9 ||
      unit === 0xa ||
      unit === 0xd ||
      (unit >= 0x20 && unit <= 0xd7ff) ||
      (unit >= 0xe000 && unit <= 0xfffd);
    if (!allowed) return false;
  }
  return true;
}

// Strings drawn from every code point, lone surrogates included, with the troublemakers often.
const nastyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.constantFrom(
      '\uFFFE',
      '\uFFFF',
      '\uD800',
      '\uDFFF',
      '\u0000',
      '\u001F',
      '\\',
      '"',
      'a',
      '\u{1FFFE}',
      '\u{10FFFF}',
    ),
  }),
);
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nastyString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('toSqsMessageBody', () => {
  it('writes U+FFFE and U+FFFF as escapes that parse back to the same text', () => {
    const event = { data: { payload: { message: { text: 'a\uFFFEb\uFFFFc' } } } };

    const body = toSqsMessageBody(event);

    expect(body).toBe('{"data":{"payload":{"message":{"text":"a\\ufffeb\\uffffc"}}}}');
    expect(JSON.parse(body)).toEqual(event);
  });

  it('keeps lone surrogates as escapes and valid pairs as they are', () => {
    const value = { lone: '\uD800x\uDC00', pair: '\u{1F600}', key: { '\uFFFF': 1 } };

    const body = toSqsMessageBody(value);

    expect(sqsAccepts(body)).toBe(true);
    expect(body).toContain('\u{1F600}');
    expect(JSON.parse(body)).toEqual(value);
  });

  it('every body is in SQS character set and parses back to the exact value (property)', () => {
    fc.assert(
      fc.property(jsonish, (value) => {
        const body = toSqsMessageBody(value);
        expect(sqsAccepts(body)).toBe(true);
        expect(JSON.parse(body)).toStrictEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  it('changes nothing in a body SQS already accepts (property)', () => {
    fc.assert(
      fc.property(jsonish, (value) => {
        const json = JSON.stringify(value);
        fc.pre(sqsAccepts(json));
        expect(toSqsMessageBody(value)).toBe(json);
      }),
    );
  });

  it('refuses a value with no JSON form', () => {
    expect(() => toSqsMessageBody(undefined)).toThrow(TypeError);
  });
});

describe('isSqsSafeText and toSqsSafeAttributeValue', () => {
  it('agree with SQS character set (property)', () => {
    fc.assert(
      fc.property(nastyString, (text) => {
        expect(isSqsSafeText(text)).toBe(sqsAccepts(text));
        const attribute = toSqsSafeAttributeValue(text);
        expect(sqsAccepts(attribute)).toBe(true);
        if (sqsAccepts(text)) expect(attribute).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

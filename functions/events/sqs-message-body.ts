/**
 * SQS-safe message bodies. SQS accepts only these characters in a `MessageBody` (and in string
 * message attributes): #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. A body
 * with anything else (U+FFFE, U+FFFF, a lone surrogate, most C0 controls) is refused with
 * `InvalidMessageContents`, so a callback carrying one would be answered 503 forever and lost.
 *
 * `JSON.stringify` already escapes C0 controls and lone surrogates, but writes U+FFFE/U+FFFF raw.
 * Such characters can only sit inside JSON string literals (JSON's own syntax is ASCII), where a
 * `\uXXXX` escape means the same character: escaping them keeps the body parsing back to the
 * exact original value. Hand-written: no library we found targets SQS's character set.
 */

/** Any code point SQS refuses. With the `u` flag a lone surrogate matches as one code point. */
const SQS_REFUSED = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const SQS_REFUSED_ONE = new RegExp(SQS_REFUSED.source, 'u');
/** The refused characters `JSON.stringify` writes raw (everything else refused it escapes). */
const JSON_LEFTOVERS = /[\uFFFE\uFFFF]/;

const escapeCodeUnits = (character: string) => {
  let escaped = '';
  for (let index = 0; index < character.length; index++) {
    escaped += `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`;
  }
  return escaped;
};

/**
 * `JSON.stringify(value)`, with every character SQS refuses written as a JSON `\uXXXX` escape,
 * so SQS takes the body and `JSON.parse(body)` gives back exactly `value`'s JSON meaning.
 * Every producer on the bridge's queues serialises with this (webhook, send, router, ...).
 *
 * @throws TypeError when `value` has no JSON form (`undefined`, a function, a symbol).
 *
 * @example
 * toSqsMessageBody({ text: 'a\uFFFEb' }); // '{"text":"a\\ufffeb"}'
 * JSON.parse(toSqsMessageBody({ text: 'a\uFFFEb' })).text === 'a\uFFFEb'; // true
 */
export function toSqsMessageBody(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('Value has no JSON form for an SQS message body');
  // JSON.stringify escapes C0 controls and lone surrogates itself, so only U+FFFE/U+FFFF can be
  // left: a plain scan for those two skips the Unicode-aware replace for almost every body.
  if (!JSON_LEFTOVERS.test(json)) return json;
  return json.replace(SQS_REFUSED, escapeCodeUnits);
}

/**
 * Whether SQS would accept `text` as a message body or string attribute value as it is.
 *
 * @example
 * isSqsSafeText('hello'); // true
 * isSqsSafeText('a\uFFFF'); // false
 */
export function isSqsSafeText(text: string): boolean {
  return !SQS_REFUSED_ONE.test(text);
}

/**
 * A string made acceptable to SQS as a message attribute value: each refused character becomes
 * U+FFFD (attribute values are plain text, so there is no escape that keeps the exact value;
 * the exact value stays in the body).
 *
 * @example
 * toSqsSafeAttributeValue('SMS\uFFFF'); // 'SMS\uFFFD'
 */
export function toSqsSafeAttributeValue(text: string): string {
  return text.replace(SQS_REFUSED, '\uFFFD');
}

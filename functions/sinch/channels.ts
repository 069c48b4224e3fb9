/**
 * Channels and contact-center queue addresses (`<appId>@<subchannel>.sinchconversation.com`).
 * Sinch adds channels over time, so a channel is an open string; the table below holds the
 * subchannels the product documentation names, and any other channel maps to its lower-cased
 * name.
 */

/** Channel enum values Sinch documents today (not exhaustive: treat channels as open strings). */
export const KNOWN_CHANNELS = [
  'SMS',
  'RCS',
  'WHATSAPP',
  'MMS',
  'KAKAOTALK',
  'KAKAOTALKCHAT',
  'VIBERBM',
  'LINE',
  'INSTAGRAM',
  'MESSENGER',
  'WECHAT',
  'TELEGRAM',
  'APPLEBC',
  'VIBER',
  'SINCH_CHAT',
] as const;

// Maps, not object literals: a caller-controlled key such as `constructor` or `__proto__` must
// not find Object.prototype's members.
const SUBCHANNEL_BY_CHANNEL: ReadonlyMap<string, string> = new Map(
  Object.entries({
    WHATSAPP: 'whatsapp',
    SINCH_CHAT: 'nativechannel',
    MESSENGER: 'facebook',
    VIBER: 'viber-bot',
    INSTAGRAM: 'instagram',
    VIBERBM: 'viber',
    TELEGRAM: 'telegram',
    LINE: 'line',
    RCS: 'rcs',
    SMS: 'sms',
  }),
);

const CHANNEL_BY_SUBCHANNEL: ReadonlyMap<string, string> = new Map([
  ...KNOWN_CHANNELS.map((channel) => [channel.toLowerCase(), channel] as const),
  ...[...SUBCHANNEL_BY_CHANNEL].map(([channel, sub]) => [sub, channel] as const),
]);

export const QUEUE_ADDRESS_DOMAIN = 'sinchconversation.com';

/**
 * The subchannel of a channel in queue addresses.
 *
 * @example
 * subchannelOf('MESSENGER'); // 'facebook'
 * subchannelOf('KAKAOTALK'); // 'kakaotalk'
 */
export function subchannelOf(channel: string): string {
  return SUBCHANNEL_BY_CHANNEL.get(channel.toUpperCase()) ?? channel.toLowerCase();
}

/**
 * The contact-center queue address of an app and channel.
 *
 * @example
 * toQueueAddress('01EXAMPLE', 'WHATSAPP'); // '01EXAMPLE@whatsapp.sinchconversation.com'
 */
export function toQueueAddress(appId: string, channel: string): string {
  return `${appId}@${subchannelOf(channel)}.${QUEUE_ADDRESS_DOMAIN}`;
}

/**
 * Parses a queue address back into app id and channel, or `undefined` when it is not one: the
 * subchannel must be one of the table's or a known channel's lower-cased name.
 *
 * @example
 * parseQueueAddress('01EXAMPLE@facebook.sinchconversation.com'); // { appId: '01EXAMPLE', channel: 'MESSENGER' }
 */
export function parseQueueAddress(address: string): { appId: string; channel: string } | undefined {
  const match = /^([^@\s]+)@([a-z0-9_-]+)\.sinchconversation\.com$/i.exec(address.trim());
  if (!match) return undefined;
  const appId = match[1]!;
  const channel = CHANNEL_BY_SUBCHANNEL.get(match[2]!.toLowerCase());
  return channel === undefined ? undefined : { appId, channel };
}

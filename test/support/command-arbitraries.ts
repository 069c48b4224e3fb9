/**
 * fast-check arbitraries of outbound commands covering every form a command accepts: each kind
 * of recipient, sender, content (text, media, omni template, WhatsApp template, a raw message of
 * every Sinch kind) and every optional field, within Sinch's limits.
 */
import fc from 'fast-check';
import {
  CHANNEL_PROPERTY_KEYS,
  MESSAGE_CONTENT_TYPES,
  METADATA_UPDATE_STRATEGIES,
  TTL_MAX_SECONDS,
} from '../../functions/sinch/app-message';
import { toQueueAddress } from '../../functions/sinch/channels';
import { appMessageArb, sendChannelArb } from './app-message-arbitraries';

const appIdArb = fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/);
const channelArb = sendChannelArb;
const identityArb = fc.stringMatching(/^\+?[0-9]{6,15}$/);
const channelIdentityArb = fc.record({ channel: channelArb, identity: identityArb });
const urlArb = fc.webUrl({ validSchemes: ['https'] });

const toArb = fc.oneof(
  channelIdentityArb,
  fc.array(channelIdentityArb, { minLength: 1, maxLength: 3 }),
  fc.record({ contactId: fc.string({ minLength: 1, maxLength: 40 }) }),
);

const parametersArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string());

/** Every content form a command accepts. */
const contentArb = fc.oneof(
  fc.record({ text: fc.string({ minLength: 1, maxLength: 200 }) }),
  fc.record({
    media: fc.record(
      { url: urlArb, thumbnailUrl: urlArb, filename: fc.string({ minLength: 1, maxLength: 20 }) },
      { requiredKeys: ['url'] },
    ),
  }),
  // Omni template: version required ("latest" or a number).
  fc.record({
    template: fc.record(
      {
        id: fc.string({ minLength: 1, maxLength: 30 }),
        version: fc.oneof(fc.constant('latest'), fc.integer({ min: 1, max: 99 }).map(String)),
        languageCode: fc.constantFrom('en-US', 'sv-SE', 'pt-BR', 'en_US'),
        parameters: parametersArb,
      },
      { requiredKeys: ['id', 'version'] },
    ),
  }),
  // WhatsApp template approved by Meta: its name, an underscore language code, version optional.
  fc.record({
    template: fc.record(
      {
        channel: fc.constant('WHATSAPP'),
        id: fc.stringMatching(/^[a-z0-9_]{1,40}$/),
        languageCode: fc.constantFrom('en_US', 'sv', 'pt_BR', 'sr_Latn'),
        version: fc.integer({ min: 1, max: 9 }).map(String),
        parameters: parametersArb,
      },
      { requiredKeys: ['channel', 'id', 'languageCode'] },
    ),
  }),
  fc.record({ message: appMessageArb }),
);

const senderArb = fc.oneof(
  appIdArb.map((appId) => ({ appId })),
  fc.tuple(appIdArb, channelArb).map(([appId, channel]) => ({ from: toQueueAddress(appId, channel) })),
  fc.tuple(appIdArb, channelArb).map(([appId, channel]) => ({ appId, from: toQueueAddress(appId, channel) })),
);

const optionalsArb = fc.record(
  {
    channelPriority: fc.array(channelArb, { minLength: 1, maxLength: 3 }),
    channelProperties: fc.dictionary(
      fc.constantFrom(...CHANNEL_PROPERTY_KEYS),
      fc.string({ maxLength: 1024 }),
      {
        maxKeys: 3,
      },
    ),
    metadata: fc.string({ maxLength: 1024 }),
    conversationMetadata: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), {
      maxKeys: 5,
    }),
    ttl: fc.oneof(
      fc.integer({ min: 3, max: TTL_MAX_SECONDS }),
      fc.integer({ min: 3, max: TTL_MAX_SECONDS }).map((n) => `${n}s`),
    ),
    priority: fc.constantFrom('normal', 'high'),
    callbackUrl: urlArb,
    processingStrategy: fc.constantFrom('DEFAULT', 'DISPATCH_ONLY'),
    messageContentType: fc.constantFrom(...MESSAGE_CONTENT_TYPES),
    conversationMetadataUpdateStrategy: fc.constantFrom(...METADATA_UPDATE_STRATEGIES),
  },
  { requiredKeys: [] },
);

/** A command as producers write it (before validation). */
export interface RawCommand {
  id: string;
  appId?: string;
  from?: string;
  message?: unknown;
  template?: { channel?: string; [field: string]: unknown };
  ttl?: number | string;
  priority?: string;
  channelPriority?: string[];
  [field: string]: unknown;
}

export const validCommandArb = fc
  .tuple(fc.string({ minLength: 1, maxLength: 128 }), senderArb, toArb, contentArb, optionalsArb)
  .map(([id, sender, to, content, optionals]): RawCommand => {
    const command: RawCommand = { id, ...sender, to, ...content, ...optionals };
    // A channel template goes out on its own channel: put it first.
    if (command.template?.channel) command.channelPriority = [command.template.channel];
    return command;
  });

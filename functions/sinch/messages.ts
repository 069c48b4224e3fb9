/**
 * The shape of `POST /v1/projects/{projectId}/messages:send` as this bridge writes it
 * (Sinch's `SendMessageRequest`). The models of its parts, and their validation, are in
 * `app-message.ts`; Sinch stand-ins validate whole requests with
 * `local/sinch/send-message-request.ts`.
 */
import type { AppMessage } from './app-message';

export { SINCH_MESSAGE_KINDS } from './app-message';

/** The body of `messages:send`, as `toSendMessageRequest` builds it. */
export interface SendMessageRequest {
  app_id: string;
  recipient:
    | { contact_id: string }
    | { identified_by: { channel_identities: Array<{ channel: string; identity: string }> } };
  message: AppMessage | Record<string, unknown>;
  channel_priority_order?: string[];
  channel_properties?: Record<string, string>;
  message_metadata?: string;
  conversation_metadata?: Record<string, unknown>;
  correlation_id?: string;
  callback_url?: string;
  queue?: 'NORMAL_PRIORITY' | 'HIGH_PRIORITY';
  /** `"<n>s"`, n from 3 to 315576000000. */
  ttl?: string;
  processing_strategy?: 'DEFAULT' | 'DISPATCH_ONLY';
  /** The consent category: which opt-out list applies. */
  message_content_type?: 'CONTENT_UNKNOWN' | 'CONTENT_MARKETING' | 'CONTENT_NOTIFICATION';
  conversation_metadata_update_strategy?: 'REPLACE' | 'MERGE_PATCH';
}

/** 200 answer of `messages:send`: the message is queued; delivery comes later as callbacks. */
export interface SendMessageResponse {
  message_id: string;
  accepted_time: string;
}

/**
 * What `SinchClient#sendMessage` resolves with: any 2xx, read leniently. `messageId` is absent
 * (and `oddAnswer` says why) when the body was empty, not JSON or had no `message_id`.
 */
export interface SendMessageResult {
  status: number;
  messageId?: string;
  acceptedTime?: string;
  /** `empty_body`, `body_not_json`, `body_not_an_object` or `no_message_id`. */
  oddAnswer?: string;
}

/**
 * Example consumer: a Lambda on the bridge's events queue (SQS event source, FIFO, partial batch
 * responses). Each event is checked against the published envelope schema, then handled by type.
 * A failed record is reported in `batchItemFailures`: SQS retries it (and, being FIFO, holds the
 * rest of its conversation back), and the queue's redrive moves it to the events DLQ at last.
 */

import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CloudEvent } from '../../functions/events/cloud-event';
import type { ConversationEventData } from '../../functions/events/conversation-event';
import type { OutboundAcceptedData, OutboundFailedData } from '../../functions/events/outbound-events';
import envelopeSchema from '../../schemas/cloud-event-envelope.v1.json' with { type: 'json' };

/** The events this consumer acts on; `data` follows schemas/*.v1.json (the types are what they are generated from). */
export type BridgeEvent =
  | CloudEvent<ConversationEventData>
  | CloudEvent<OutboundAcceptedData>
  | CloudEvent<OutboundFailedData>;

const validEnvelope = new Ajv2020({ strict: false }).compile(envelopeSchema);

/** What the example does with an event: replace with your own. */
export interface EventSink {
  inboundText(appId: string, from: string, text: string): Promise<void>;
  sent(commandId: string, messageId: string | undefined): Promise<void>;
  failed(commandId: string | undefined, reason: string): Promise<void>;
}

/**
 * Builds the handler around a sink (so it can be tested without mocks of the bridge).
 *
 * @example
 * export const handler = createConsumer({ inboundText: async () => {}, sent: async () => {}, failed: async () => {} });
 */
export function createConsumer(sink: EventSink) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const parsed: unknown = JSON.parse(record.body);
        if (!validEnvelope(parsed))
          throw new Error(`not a bridge event: ${JSON.stringify(validEnvelope.errors)}`);
        await handle(parsed as BridgeEvent, sink);
      } catch (error) {
        console.error(JSON.stringify({ messageId: record.messageId, error: (error as Error).message }));
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

async function handle(event: BridgeEvent, sink: EventSink): Promise<void> {
  switch (event.type) {
    case 'sinch.conversation.message_inbound': {
      const data = event.data as ConversationEventData & { content?: { kind: string; text?: string } };
      if (data.content?.kind === 'text' && data.content.text !== undefined) {
        await sink.inboundText(data.appId, event.subject ?? '', data.content.text);
      }
      return;
    }
    case 'sinch.bridge.outbound.accepted': {
      const data = event.data as OutboundAcceptedData;
      await sink.sent(data.id, data.messageId);
      return;
    }
    case 'sinch.bridge.outbound.failed': {
      const data = event.data as OutboundFailedData;
      await sink.failed(data.id, `${data.error.kind}: ${data.error.message}`);
      return;
    }
    default:
      // New event types appear over time: ignore what you do not handle, never fail on it.
      return;
  }
}

/** The Lambda entry point (logs what it sees; replace the sink with your own logic). */
export const handler = createConsumer({
  inboundText: async (appId, from, text) => console.log(JSON.stringify({ appId, from, chars: text.length })),
  sent: async (commandId, messageId) => console.log(JSON.stringify({ commandId, messageId })),
  failed: async (commandId, reason) => console.warn(JSON.stringify({ commandId, reason })),
});

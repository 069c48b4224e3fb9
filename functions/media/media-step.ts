/**
 * The router's media step: for each inbound message that carries a file, one copy job on the
 * media FIFO queue, in the message's group, deduplicated by the message event's id. The step
 * derives no event itself: `media.stored` / `media.failed` come later from the media function,
 * through the router queue, so they are published after the message's event (see docs/media.md).
 */
import { SendMessageBatchCommand, type SendMessageBatchCommandOutput, SQSClient } from '@aws-sdk/client-sqs';
import type { CloudEvent } from '../events/cloud-event';
import { toSqsMessageBody } from '../events/sqs-message-body';
import { type MediaJob, mediaJobOf } from './media-job';

/** The part of a routed event the step reads. */
export interface MediaStepEvent {
  event: CloudEvent;
  groupId: string;
}

export type MediaStepResult =
  | { ok: true; derived?: CloudEvent[] | undefined }
  | { ok: false; error: unknown };

export interface MediaStep {
  readonly name: 'media';
  run(events: readonly MediaStepEvent[]): Promise<MediaStepResult[]>;
}

/** SendMessageBatch takes at most 10 entries. */
const BATCH_LIMIT = 10;

/**
 * The media step over an SQS client and the media queue.
 *
 * @example
 * const step = createMediaStep({ sqs: new SQSClient({}), mediaQueueUrl });
 * const results = await step.run(routedEvents); // one { ok } per event
 */
export function createMediaStep(options: { sqs: SQSClient; mediaQueueUrl: string }): MediaStep {
  return {
    name: 'media',
    async run(events) {
      const results: MediaStepResult[] = events.map(() => ({ ok: true }));
      const jobs: Array<{ index: number; job: MediaJob }> = [];
      events.forEach((routed, index) => {
        const job = mediaJobOf(routed.event);
        // The job travels in the group the producer chose for the message, whatever it was.
        if (job) jobs.push({ index, job: { ...job, groupId: routed.groupId } });
      });
      for (let start = 0; start < jobs.length; start += BATCH_LIMIT) {
        const chunk = jobs.slice(start, start + BATCH_LIMIT);
        let answer: SendMessageBatchCommandOutput;
        try {
          answer = await options.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: options.mediaQueueUrl,
              Entries: chunk.map(({ job }, i) => ({
                Id: String(i),
                MessageBody: toSqsMessageBody(job),
                MessageGroupId: job.groupId,
                // A retried router batch enqueues the same job again: SQS drops it within five
                // minutes, the media function's outcome record after that.
                MessageDeduplicationId: job.eventId,
              })),
            }),
          );
        } catch (error) {
          for (const { index } of chunk) results[index] = { ok: false, error };
          continue;
        }
        for (const failed of answer.Failed ?? []) {
          const entry = chunk[Number(failed.Id)];
          if (entry) {
            results[entry.index] = {
              ok: false,
              error: new Error(`media job not enqueued: ${failed.Code} ${failed.Message ?? ''}`.trim()),
            };
          }
        }
      }
      return results;
    },
  };
}

/**
 * The step from the router's environment: on when `MEDIA_QUEUE_URL` is set, else `undefined`.
 *
 * @example
 * const step = mediaStep(process.env); // in ROUTER_STEP_FACTORIES
 */
export function mediaStep(env: Readonly<Record<string, string | undefined>>): MediaStep | undefined {
  const mediaQueueUrl = env.MEDIA_QUEUE_URL;
  if (!mediaQueueUrl) return undefined;
  return createMediaStep({ sqs: new SQSClient({ cacheMiddleware: true }), mediaQueueUrl });
}

/**
 * The suppression step of the event router: an inbound text that is exactly an opt-out keyword,
 * or an OPT_OUT callback, adds its recipient (app, channel, identity) to the suppression list; an
 * opt-in keyword or an OPT_IN callback removes it. Each change derives
 * `sinch.bridge.suppression.added` / `.removed`, published right after the event that caused it,
 * in the same group. An app with a confirmation text gets one confirmation command per opt-out
 * on the outbound queue (transactional, id derived from the cause: sent at most once).
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { parseEnvironment } from '../environment';
import type { CloudEvent } from '../events/cloud-event';
import { stableId } from '../events/cloud-event';
import { toSuppressionEvent } from '../events/lifecycle-events';
import type { OutboundEventOrigin } from '../events/outbound-events';
import { perEventStep, type RouterStep } from '../router/router-step';
import type { Environment, RouterStepTools } from '../router/steps';
import { type KeywordMatch, keywordMatcher, type OptOutApps, OptOutAppsSchema } from './opt-out-keywords';
import { createSuppressionList, type SuppressionList } from './suppression-list';

export const MESSAGE_INBOUND_TYPE = 'sinch.conversation.message_inbound';
export const OPT_OUT_TYPE = 'sinch.conversation.opt_out';
export const OPT_IN_TYPE = 'sinch.conversation.opt_in';

export interface SuppressionStepOptions {
  list: SuppressionList;
  origin: OutboundEventOrigin;
  apps: OptOutApps;
  tools: RouterStepTools;
  /** Where confirmation texts go (the outbound queue); none are sent without it. */
  confirmations?: { sqs: SQSClient; outboundQueueUrl: string } | undefined;
}

interface InboundData {
  appId?: string;
  channel?: string;
  identity?: string;
  direction?: string;
  status?: string;
  content?: { kind?: string; text?: string };
}

/**
 * The confirmation command of one opt-out: its id comes from the event that caused it.
 *
 * @example
 * confirmationCommand(event.id, { appId, channel: 'SMS', identity }, 'You will get no more messages.');
 */
export function confirmationCommand(
  causeId: string,
  recipient: { appId: string; channel: string; identity: string },
  text: string,
) {
  return {
    id: `opt-out-confirmation-${stableId('opt-out-confirmation', causeId).slice(0, 32)}`,
    appId: recipient.appId,
    to: { channel: recipient.channel, identity: recipient.identity },
    text,
    // It goes to someone who just opted out: it must pass the suppression check.
    transactional: true,
  };
}

/**
 * @example
 * const step = createSuppressionStep({ list, origin, apps: {}, tools });
 */
export function createSuppressionStep(options: SuppressionStepOptions): RouterStep {
  const { list, tools } = options;
  const match = keywordMatcher(options.apps);

  function changeOf(event: CloudEvent, data: InboundData): KeywordMatch | { change: 'added' | 'removed' } {
    if (event.type === MESSAGE_INBOUND_TYPE) {
      if (data.content?.kind !== 'text' || typeof data.content.text !== 'string') return undefined;
      if (data.direction && data.direction !== 'TO_APP') return undefined;
      return match(data.appId!, data.channel!, data.content.text);
    }
    // A FAILED opt-in/out request changed nothing at Sinch: nothing changes here either.
    if (data.status && !/SUCCEEDED$/i.test(data.status)) {
      tools.count('SuppressionCallbackNotSucceeded');
      return undefined;
    }
    return { change: event.type === OPT_OUT_TYPE ? 'added' : 'removed' };
  }

  return perEventStep('suppression', async ({ event, groupId }) => {
    if (event.type !== MESSAGE_INBOUND_TYPE && event.type !== OPT_OUT_TYPE && event.type !== OPT_IN_TYPE) {
      return undefined;
    }
    const data = (event.data ?? {}) as InboundData;
    if (!data.appId || !data.channel || !data.identity) return undefined;
    const found = changeOf(event, data);
    if (!found) return undefined;
    const source = event.type === MESSAGE_INBOUND_TYPE ? 'keyword' : 'callback';
    const keyword = 'keyword' in found ? found.keyword : undefined;
    const recipient = { appId: data.appId, channel: data.channel, identity: data.identity };
    const result = await list.apply({
      ...recipient,
      change: found.change,
      source,
      keyword,
      causeId: event.id,
      at: event.time,
    });
    if (result.kind === 'unchanged') {
      tools.count('SuppressionUnchanged');
      return undefined;
    }
    if (!result.replayed) {
      tools.count(found.change === 'added' ? 'SuppressionAdded' : 'SuppressionRemoved');
      tools.log('info', `suppression ${found.change}`, { appId: data.appId, channel: data.channel, source });
    }
    const confirmationText = options.apps[data.appId]?.confirmationText;
    if (found.change === 'added' && confirmationText && options.confirmations) {
      const command = confirmationCommand(event.id, recipient, confirmationText);
      await options.confirmations.sqs.send(
        new SendMessageCommand({
          QueueUrl: options.confirmations.outboundQueueUrl,
          MessageBody: JSON.stringify(command),
          MessageGroupId: groupId,
          MessageDeduplicationId: command.id,
        }),
      );
      if (!result.replayed) tools.count('SuppressionConfirmationQueued');
    }
    return [
      toSuppressionEvent(
        options.origin,
        found.change,
        { ...recipient, source, ...(keyword ? { keyword } : {}) },
        event.id,
        event.time,
      ),
    ];
  });
}

const nonEmpty = () => z.string().check(z.minLength(1));
const SuppressionEnvSchema = z.object({
  SINCH_REGION: z.enum(['eu', 'us', 'br']),
  SINCH_PROJECT_ID: nonEmpty(),
  SUPPRESSION_TABLE: nonEmpty(),
  /** JSON: app id -> `{keywords?, channels?, confirmationText?}`. */
  SUPPRESSION_APPS: z.optional(nonEmpty()),
  OUTBOUND_QUEUE_URL: z.optional(nonEmpty()),
});

/**
 * The suppression step of a router function's environment; off when `SUPPRESSION_TABLE` is unset.
 * Confirmation texts need `OUTBOUND_QUEUE_URL`.
 *
 * @example
 * ROUTER_STEP_FACTORIES = [lifecycleStepFromEnvironment, suppressionStepFromEnvironment, ...];
 */
export function suppressionStepFromEnvironment(
  env: Environment,
  tools: RouterStepTools,
): RouterStep | undefined {
  if (!env.SUPPRESSION_TABLE) return undefined;
  const parsed = parseEnvironment(SuppressionEnvSchema, env, { localeError: en().localeError });
  if (!parsed.ok) throw new Error(`suppression step misconfigured: ${parsed.problems.join('; ')}`);
  const e = parsed.data;
  let apps: OptOutApps = {};
  if (e.SUPPRESSION_APPS) {
    let raw: unknown;
    try {
      raw = JSON.parse(e.SUPPRESSION_APPS);
    } catch {
      throw new Error('suppression step misconfigured: SUPPRESSION_APPS: not JSON');
    }
    const read = OptOutAppsSchema.safeParse(raw);
    if (!read.success) {
      throw new Error(
        `suppression step misconfigured: SUPPRESSION_APPS: ${read.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    apps = read.data;
  }
  return createSuppressionStep({
    list: createSuppressionList({ tableName: e.SUPPRESSION_TABLE }),
    origin: { region: e.SINCH_REGION, projectId: e.SINCH_PROJECT_ID },
    apps,
    tools,
    confirmations: e.OUTBOUND_QUEUE_URL
      ? // cacheMiddleware: the SDK otherwise rebuilds its middleware stack on every call.
        { sqs: new SQSClient({ cacheMiddleware: true }), outboundQueueUrl: e.OUTBOUND_QUEUE_URL }
      : undefined,
  });
}

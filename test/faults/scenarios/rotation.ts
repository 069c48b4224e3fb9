import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  CloudFormationCustomResourceEvent,
  SQSEvent,
} from 'aws-lambda';
import { rotateAppSecret } from '../../../functions/registration/rotate-secret';
import { currentSecret, syncWebhooks } from '../../../functions/registration/sync-webhooks';
import { SinchClient } from '../../../functions/sinch/client';
import { signSinchCallback } from '../../../functions/sinch/signature';
import { startApiGatewayServer } from '../../../local/api-gateway';
import { startSecretsManagerDouble } from '../../../local/aws/secrets-manager-double';
import { startLocalSqs } from '../../../local/aws/sqs-server';
import { startEventSourceMapping } from '../../../local/event-source-mapping';
import type { LambdaHandler } from '../../../local/lambda-context';
import { startSinchStandIn } from '../../../local/sinch/sinch-stand-in';
import { inboundCallback } from './inbound';
import { sendRaw } from './send-http';

/** Counts of one run; `violations` must be empty. */
export interface RotationReport {
  seed: number;
  /** Apps configured before the deploy, added and removed by it. */
  apps: number;
  added: number;
  removed: number;
  /** Webhook secrets rotated, and callback URL secrets rotated, during the traffic. */
  rotations: number;
  callbackUrlRotations: number;
  deploys: number;
  /** Callbacks posted (each signed with what Sinch had registered when it signed). */
  callbacks: number;
  /** Of them, signed with a secret Sinch had already replaced by the time they arrived (in grace). */
  arrivedAfterSwitch: number;
  /** Signed with the app's callback URL secret (reports of sends with `callbackUrl`). */
  callbackUrlSigned: number;
  /** Answers other than 2xx to correctly signed callbacks: each one is also a violation. */
  refused: number;
  consumed: number;
  violations: string[];
}

const PROJECT_ID = 'rotation-project';
const REGION = 'us-east-1';
const SECRET_ID = 'webhook-secrets';
/**
 * The webhook's cache age here (the stack's is 300 s): long enough that a deploy which told Sinch
 * about a new app before every container knew its secret would show 401s. The rotation and the
 * entries resource wait one second more.
 */
const MAX_AGE_SECONDS = 3;
const GRACE_MS = 1500;
const PACE_MS = 40;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function appIdOf(index: number): string {
  return `01HROTATE${String(index).padStart(17, '0')}`;
}

/** A small deterministic generator (mulberry32), so a seed replays the same interleaving. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Rotation plus an app-list change, under traffic: apps' callbacks are posted the way Sinch posts
 * them (signed with the secret registered at Sinch when signed, arriving a little later, so some
 * arrive after Sinch switched), through the local HTTP API to the real webhook, while a third of
 * the apps rotate their webhook secret (`rotateAppSecret`, the code behind `webhooks rotate`),
 * one app rotates its callback URL secret (and gets reports signed with it), and a deploy adds
 * apps and removes one (the real `Custom::WebhookSecretEntries` handler, then registration of the
 * new apps with the secret it produced) in the middle of the rotations. A removed app's webhook
 * stays at Sinch (registration retains it) and keeps posting.
 *
 * Every non-2xx answer is a violation: each callback was signed with a secret that was valid when
 * Sinch signed it. At the end every app's current secret must be the one Sinch has.
 *
 * `legacyDeploy` makes the deploy do what the stack did before the entries resource: rewrite the
 * whole value from per-app seeds. It must produce violations (the control that shows this
 * scenario can fail).
 *
 * @example
 * const report = await runRotationScenario({ count: 300 });
 * expect(report.violations).toEqual([]);
 */
export async function runRotationScenario(options: {
  count: number;
  seed?: number;
  legacyDeploy?: boolean;
}): Promise<RotationReport> {
  const seed = options.seed ?? 20_261_201;
  const random = seeded(seed);
  const initialCount = Math.max(3, Math.min(24, Math.round(options.count / 100)));
  const addedCount = Math.max(1, Math.round(initialCount / 3));
  const initial = Array.from({ length: initialCount }, (_, i) => appIdOf(i));
  const added = Array.from({ length: addedCount }, (_, i) => appIdOf(initialCount + i));
  const removed = initial[initialCount - 1]!;
  const rotated = initial.slice(0, Math.max(1, Math.floor(initialCount / 3)));
  const callbackUrlApp = initial[1]!;
  const perApp = Math.max(10, Math.ceil(options.count / (initialCount + addedCount)));

  const sm = await startSecretsManagerDouble({ region: REGION });
  // As CloudFormation creates it now: a secret with no value.
  sm.create(SECRET_ID);
  const sqsServer = await startLocalSqs({
    region: REGION,
    queues: [{ name: 'events.fifo', attributes: { FifoQueue: 'true', VisibilityTimeout: '30' } }],
  });
  const sinch = await startSinchStandIn({ projectId: PROJECT_ID });
  const eventsQueueUrl = sqsServer.queueUrl('events.fifo');
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    SINCH_REGION: 'eu',
    SINCH_PROJECT_ID: PROJECT_ID,
    EVENTS_QUEUE_URL: eventsQueueUrl,
    WEBHOOK_SECRETS_ID: SECRET_ID,
    SECRETS_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS),
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'CRITICAL',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  const { handler: webhook } = (await import('../../../functions/webhook/handler')) as {
    handler: LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2<unknown>>;
  };
  const { handler: entries } = await import('../../../functions/secret-entries/handler');
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const secrets = new SecretsManagerClient({});
  let handlerErrors = 0;
  const api = await startApiGatewayServer(webhook, {
    function: { functionName: 'webhook' },
    onError: () => {
      handlerErrors++;
    },
  });
  const client = new SinchClient({
    region: 'eu',
    projectId: PROJECT_ID,
    apiUrl: sinch.apiUrl,
    authUrl: sinch.authUrl,
    credentials: { keyId: sinch.keyId, keySecret: sinch.keySecret },
  });
  const targetOf = (appId: string) => `${api.url}/webhooks/${appId}`;
  const violations: string[] = [];
  const counts = {
    callbacks: 0,
    arrivedAfterSwitch: 0,
    callbackUrlSigned: 0,
    refused: 0,
    deploys: 0,
    rotations: 0,
    callbackUrlRotations: 0,
  };

  let consumed = 0;
  const consumer = startEventSourceMapping({
    queueUrl: eventsQueueUrl,
    concurrency: 2,
    waitTimeSeconds: 1,
    function: { functionName: 'events-consumer' },
    handler: async (event: SQSEvent) => {
      consumed += event.Records.length;
      return { batchItemFailures: [] };
    },
  });

  /** Per-app seeds, as the stack generated them before the entries resource (legacy control). */
  const seeds = new Map<string, string>();
  const deploy = async (appIds: string[], requestType: 'Create' | 'Update') => {
    counts.deploys++;
    if (options.legacyDeploy) {
      for (const appId of appIds) if (!seeds.has(appId)) seeds.set(appId, `seed-${appId}-${seed}`);
      sm.put(SECRET_ID, JSON.stringify(Object.fromEntries(appIds.map((id) => [id, seeds.get(id)!]))));
      return;
    }
    await entries({
      RequestType: requestType,
      ServiceToken: 'provider',
      ResponseURL: 'https://example.invalid/',
      StackId: 'stack',
      RequestId: `deploy-${counts.deploys}`,
      LogicalResourceId: 'IngressSecretEntriesEntries',
      ResourceType: 'Custom::WebhookSecretEntries',
      ResourceProperties: {
        ServiceToken: 'provider',
        SecretId: SECRET_ID,
        AppIds: appIds,
        CallbackUrlAppIds: [callbackUrlApp],
        PruneRemovedApps: 'false',
        PropagationSeconds: String(MAX_AGE_SECONDS + 1),
      },
      ...(requestType === 'Update'
        ? { PhysicalResourceId: 'webhook-secret-entries', OldResourceProperties: {} }
        : {}),
    } as unknown as CloudFormationCustomResourceEvent);
  };
  /** Registration of apps whose webhook resource is new: it reads the secret the deploy produced. */
  const register = async (appIds: string[]) => {
    const { document } = await import('../../../functions/webhook/webhook-secrets-store').then((m) =>
      m.readWebhookSecrets(secrets, SECRET_ID),
    );
    const result = await syncWebhooks({
      client,
      apps: appIds.map((appId) => ({
        appId,
        target: targetOf(appId),
        secret: currentSecret(document, appId) ?? '',
        triggers: ['MESSAGE_INBOUND', 'MESSAGE_DELIVERY'],
      })),
    });
    for (const r of result.results) {
      if (r.error) violations.push(`registration of ${r.appId} failed: ${r.error.message}`);
    }
    // The callback URL secret goes to the app, as `webhooks rotate --callback-url` sets it.
    const cb = (document[callbackUrlApp] as { callbackUrl?: string } | undefined)?.callbackUrl;
    if (appIds.includes(callbackUrlApp) && typeof cb === 'string')
      sinch.admin.seedApp(callbackUrlApp, { callbackUrlSecret: cb });
  };

  /** Sinch's side: what it signs with now, for an app's webhook or its callback URL reports. */
  const sinchSecret = (appId: string, callbackUrl: boolean) =>
    callbackUrl
      ? sinch.admin.apps.get(appId)?.callback_settings.secret_for_overridden_callback_urls
      : sinch.admin.ofApp(appId).find((hook) => hook.target === targetOf(appId))?.secret;

  /** Posts one signed callback; a non-2xx answer is a refusal (each was validly signed). */
  const post = async (appId: string, what: string, body: string, headers: Record<string, string>) => {
    counts.callbacks++;
    const answer = await sendRaw(
      targetOf(appId),
      'POST',
      [['content-type', 'application/json'], ...Object.entries(headers)],
      Buffer.from(body),
    );
    if (answer.status < 200 || answer.status >= 300) {
      counts.refused++;
      if (violations.length < 50) violations.push(`app ${appId} ${what} answered ${answer.status}`);
    }
  };
  /**
   * Callbacks Sinch signed with the old secret just before it switched, held until it has: they
   * arrive in the grace period and must still be accepted.
   */
  const straggling = (appId: string, appIndex: number, viaCallbackUrl: boolean) => {
    const secret = sinchSecret(appId, viaCallbackUrl)!;
    const held = [0, 1, 2].map((k) => {
      const body = JSON.stringify(
        inboundCallback(appId, PROJECT_ID, appIndex, 100_000 + k + (viaCallbackUrl ? 10 : 0)),
      );
      return { body, headers: signSinchCallback({ secret, body }) };
    });
    return async (step: { step: string }) => {
      if (step.step !== 'sinch_updated') return;
      for (const { body, headers } of held) {
        counts.arrivedAfterSwitch++;
        if (viaCallbackUrl) counts.callbackUrlSigned++;
        await post(
          appId,
          `callback signed before the switch${viaCallbackUrl ? ' (callback URL secret)' : ''}`,
          body,
          headers,
        );
      }
    };
  };

  let operationsDone = false;
  const sender = async (appId: string, appIndex: number) => {
    for (let i = 0; i < perApp || !operationsDone; i++) {
      const viaCallbackUrl = appId === callbackUrlApp && i % 3 === 2;
      const secret = sinchSecret(appId, viaCallbackUrl);
      if (!secret) {
        violations.push(`app ${appId} has no secret at Sinch`);
        return;
      }
      const body = JSON.stringify(inboundCallback(appId, PROJECT_ID, appIndex, i));
      const headers = signSinchCallback({ secret, body });
      // In flight a little while: some arrive after Sinch switched secrets (in the grace period).
      await sleep(Math.floor(random() * 150));
      if (sinchSecret(appId, viaCallbackUrl) !== secret) counts.arrivedAfterSwitch++;
      if (viaCallbackUrl) counts.callbackUrlSigned++;
      await post(appId, `callback ${i}${viaCallbackUrl ? ' (callback URL secret)' : ''}`, body, headers);
      await sleep(PACE_MS);
    }
  };

  try {
    await deploy(initial, 'Create');
    await register(initial);
    const senders = initial.map((appId, index) => sender(appId, index));
    await sleep(300);

    const rotations = [
      ...rotated.map(async (appId) => {
        const stragglers = straggling(appId, initial.indexOf(appId), false);
        await rotateAppSecret({
          progress: stragglers,
          secrets,
          secretId: SECRET_ID,
          sinch: client,
          appId,
          target: targetOf(appId),
          propagationMs: (MAX_AGE_SECONDS + 1) * 1000,
          graceMs: GRACE_MS,
        });
        counts.rotations++;
      }),
      (async () => {
        const stragglers = straggling(callbackUrlApp, 1, true);
        await rotateAppSecret({
          progress: stragglers,
          secrets,
          secretId: SECRET_ID,
          sinch: client,
          appId: callbackUrlApp,
          kind: 'callbackUrl',
          target: targetOf(callbackUrlApp),
          propagationMs: (MAX_AGE_SECONDS + 1) * 1000,
          graceMs: GRACE_MS,
        });
        counts.callbackUrlRotations++;
      })(),
    ];
    // The deploy lands while the rotations hold [new, old] (and races their first write).
    const deployed = (async () => {
      await sleep(Math.floor(random() * 400));
      const next = [...initial.filter((id) => id !== removed), ...added];
      await deploy(next, 'Update');
      await register(added);
      senders.push(...added.map((appId, k) => sender(appId, initialCount + k)));
    })();
    const settled = await Promise.allSettled([...rotations, deployed]);
    for (const outcome of settled) {
      if (outcome.status === 'rejected')
        violations.push(`operation failed: ${(outcome.reason as Error).message}`);
    }
    // A later deploy with the same config must change nothing.
    const writes = sm.writes(SECRET_ID);
    await deploy([...initial.filter((id) => id !== removed), ...added], 'Update');
    if (!options.legacyDeploy && sm.writes(SECRET_ID) !== writes)
      violations.push('an unchanged deploy wrote the secret');
    operationsDone = true;
    await Promise.all(senders);
    for (let waited = 0; consumed < counts.callbacks - counts.refused && waited < 30_000; waited += 100) {
      await sleep(100);
    }
  } finally {
    operationsDone = true;
    await consumer.stop();
  }

  // Every app Sinch still posts for: the bridge's current secret is the one Sinch signs with.
  const { document } = await import('../../../functions/webhook/webhook-secrets-store').then((m) =>
    m.readWebhookSecrets(secrets, SECRET_ID),
  );
  for (const appId of [...initial, ...added]) {
    const stored = currentSecret(document, appId);
    if (stored !== sinchSecret(appId, false))
      violations.push(`app ${appId}: the bridge and Sinch disagree on its secret`);
  }
  if (!Object.hasOwn(document, removed)) violations.push(`the removed app ${removed} lost its secret`);
  if (handlerErrors > 0) violations.push(`${handlerErrors} webhook invocations threw`);
  secrets.destroy();
  await api.close();
  await sinch.close();
  await sm.close();
  await sqsServer.close();
  return {
    seed,
    apps: initialCount,
    added: addedCount,
    removed: 1,
    ...counts,
    consumed,
    violations,
  };
}

import { randomBytes } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ERROR_OUTPUT_PREFIX, FIREHOSE_PREFIX } from '../functions/archive/archive-layout';
import { COMMAND_TABLE_INDEXES, MESSAGE_ID_INDEX } from '../functions/lifecycle/command-status-store';
import { outboundMaxReceiveCount } from '../functions/send/backoff';
import { sendTimeoutsFor } from '../functions/send/deadline';
import type { OptOutApps } from '../functions/suppression/opt-out-keywords';
import { SUPPRESSION_TABLE_INDEXES } from '../functions/suppression/suppression-list';
import { parseWebhookSecretsDocument } from '../functions/webhook/webhook-secrets-document';
import { FUNCTION_ENTRIES } from '../infra/bundling';
import { MEDIA_DEFAULTS, TUNABLE_DEFAULTS } from '../infra/config';
import { type LocalApiGateway, startApiGatewayServer, WEBHOOK_ROUTES } from './api-gateway';
import { type LocalDynamoDb, startLocalDynamoDb } from './aws/dynamodb-server';
import { type LocalFirehose, startLocalFirehose } from './aws/firehose-server';
import { type LocalS3, startLocalS3 } from './aws/s3-server';
import { type SecretsManagerDouble, startSecretsManagerDouble } from './aws/secrets-manager-double';
import { type LocalSqs, redrivePolicy, startLocalSqs } from './aws/sqs-server';
import { consoleRoutes } from './console/console-routes';
import { EventFeed, type QueueRole } from './console/event-feed';
import {
  type BatchOutcome,
  type EventSourceMapping,
  type LateRequest,
  startEventSourceMapping,
} from './event-source-mapping';
import { createLambdaContext, type LambdaHandler } from './lambda-context';
import { mediaSamplesRoute } from './media-samples';
import { type SinchStandIn, startSinchStandIn } from './sinch/sinch-stand-in';
import { startUnconfiguredSinch, type UnconfiguredSinch } from './unconfigured-sinch';

/** Webhook secrets per app: one secret, or `[current, previous]` during a rotation. */
export type WebhookSecrets = Record<string, string | string[]>;

export interface LocalBridgeOptions {
  /** Webhook port; 0 picks a free one (tests). Default 3000. */
  port?: number;
  /** Interface the webhook listens on; default 127.0.0.1. */
  host?: string;
  /** Sinch region the bridge stands for; default `eu`. */
  sinchRegion?: string;
  /** Default `local-project`. */
  projectId?: string;
  /** Apps and their secrets. Absent or empty: one dev app with a generated secret. */
  webhookSecrets?: WebhookSecrets;
  /**
   * Which Sinch sends go to: `stand-in` (the built-in one on loopback: accepts sends and posts
   * signed delivery reports back to the webhook) or `real` (Sinch, or `sinchApiUrl`). Default:
   * `real` when `sinchCredentials` or `sinchApiUrl` are given, else `stand-in`.
   */
  sinch?: 'stand-in' | 'real';
  /** Sinch access key; with `sinch: 'real'` and no key, sends fail as `outbound.failed` (see `startUnconfiguredSinch`). */
  sinchCredentials?: { keyId: string; keySecret: string };
  /** Default: Sinch's own URL when credentials are given. */
  sinchApiUrl?: string;
  sinchAuthUrl?: string;
  /** The send function's `MAX_ATTEMPTS`; default the stack's (5). */
  maxAttempts?: number;
  /**
   * The send function's timeout in ms, as the local event source mapping enforces it (the
   * outbound queue's visibility timeout follows, six times it, as in the stack); default the
   * stack's sizing. Fault suites shorten it to run Sinch close to the deadline.
   */
  sendTimeoutMs?: number;
  /** Event source mapping batch size; default the stack's (10). */
  batchSize?: number;
  /** Parallel pollers on the outbound queue; default 1. */
  concurrency?: number;
  /** Powertools log level of both functions; default the stack's (`INFO`). */
  logLevel?: string;
  /** Emit Powertools metrics (EMF lines on stdout); default off. */
  metrics?: boolean;
  /**
   * Extra or replaced variables for the functions, applied last (e.g. `AWS_ENDPOINT_URL_SQS` of a
   * fault-injecting proxy in front of the local SQS).
   */
  environment?: Record<string, string>;
  /**
   * Route events through the event router (router queue + router function), as the stack does.
   * Default true; false writes straight to the events queue (the functions' contract mode).
   */
  router?: boolean;
  /**
   * How long the local Firehose buffers archive records before writing an object; default 1000 ms
   * (the stack's `archive.bufferSeconds` is minutes; short here so replay sees events at once).
   */
  archiveBufferMs?: number;
  /**
   * The media copy (media queue + DLQ + the real media function, as the stack runs it, with
   * loopback sources allowed); `false` turns it off. Needs the router (its media step makes the
   * jobs). Defaults: the stack's `sinch.media` defaults, one copy at a time.
   */
  media?: false | LocalMediaOptions;
  /** `DELIVERY_TIMEOUT_SECONDS` of the lifecycle; default the stack's (86400). */
  deliveryTimeoutSeconds?: number;
  /** How often the unconfirmed sweep runs; default 60 s (the stack: every 5 minutes). */
  sweepIntervalSeconds?: number;
  /** Opt-out settings per app (keywords per channel, confirmation text), as the stack's `apps[].optOut`. */
  optOut?: OptOutApps;
  /** Told about each send invocation (benchmarks count them). */
  onSendBatch?: (outcome: BatchOutcome) => void;
  /**
   * Told about invocations that threw and poller errors, and about HTTP requests that work of a
   * send, router or media invocation tried to start after the invocation had returned (a bug: Lambda
   * would resume that work inside a later invocation).
   */
  onError?: (error: unknown) => void;
  /** Told about every HTTP request a send, router or media invocation's work started after it ended (destroyed unsent). */
  onLateRequest?: (late: LateRequest) => void;
  /** Told when the webhook secrets change (`sinch-bridge webhooks rotate`), with the new current ones. */
  onSecretsChange?: (secrets: WebhookSecrets) => void;
  /**
   * The webhook's `SECRETS_MAX_AGE_SECONDS`; default 5 here (the stack's is 300), so a rotation
   * reaches the local webhook within seconds.
   */
  secretsMaxAgeSeconds?: number;
}

/** Knobs of the local media copy; each defaults to the stack's `sinch.media` default. */
export interface LocalMediaOptions {
  /** `MEDIA_MAX_BYTES`. */
  maxBytes?: number;
  /** `MEDIA_TIMEOUT_MS`: one copy, retries included; the function's timeout is 30 s more. */
  timeoutMs?: number;
  /** `MEDIA_MAX_ATTEMPTS`: receives of a job before a source that stays unavailable gives `media.failed`. */
  maxAttempts?: number;
  /** `MEDIA_RETRY_BASE_SECONDS` / `MEDIA_RETRY_MAX_SECONDS`: backoff between receives (5 / 300). */
  retryBaseSeconds?: number;
  retryMaxSeconds?: number;
  /** Parallel pollers on the media queue (the stack: up to `maxConcurrency`); default 2. */
  concurrency?: number;
}

/** Queue URLs of the bridge, the same queues a stack has. */
export interface BridgeQueueUrls {
  events: string;
  eventsDlq: string;
  outbound: string;
  outboundDlq: string;
  router: string;
  routerDlq: string;
  /** The media copy jobs and their DLQ (absent when media is off). */
  media?: string;
  mediaDlq?: string;
}

/** A running local bridge. */
export interface LocalBridge {
  /** `http://127.0.0.1:<port>/webhooks/<appId>` of the first (or given) app. */
  webhookUrl(appId?: string): string;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** The console page: `<baseUrl>/console`. */
  consoleUrl: string;
  /** The read-only feed of what the queues accepted (`GET`, long poll): `<baseUrl>/local/events`. */
  eventFeedUrl: string;
  /** The same feed in this process. */
  eventFeed: EventFeed;
  queueUrls: BridgeQueueUrls;
  /** The endpoints to give any AWS SDK client or CLI (`AWS_ENDPOINT_URL_*`). */
  endpoints: { sqs: string; dynamodb: string; secretsManager: string; s3: string; firehose: string };
  /** Buckets in the local S3: the events archive and the media copies. */
  buckets: { archive: string; media: string };
  /** The local archive stream (the router archives to it when `router` is on). */
  archive: { streamName: string; firehose: LocalFirehose; s3: LocalS3 };
  sinchRegion: string;
  projectId: string;
  /** Apps and the webhook secrets the webhook accepts (kept current: rotations update it in place). */
  secrets: WebhookSecrets;
  /** The webhook's `SECRETS_MAX_AGE_SECONDS`: how soon a changed secret is used. */
  secretsMaxAgeSeconds: number;
  /** True when the dev app and its secret were generated. */
  generatedSecrets: boolean;
  /** Secrets Manager ids (in the local double) of the webhook secrets and Sinch credentials. */
  secretIds: { webhookSecrets: string; sinchCredentials: string };
  /** Where sends go: Sinch, the configured URL, the built-in stand-in, or the "no credentials" one. */
  sinchApiUrl: string;
  /** True when a Sinch access key was given. */
  sinchConfigured: boolean;
  /** `stand-in` when sends go to the built-in Sinch stand-in. */
  sinchMode: 'stand-in' | 'real';
  /** The built-in Sinch stand-in, in `stand-in` mode (its requests and delivery reports). */
  sinchStandIn?: SinchStandIn;
  /** The environment given to the functions (credentials excluded). */
  environment: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Queue settings of the stack, mirrored here because the construct files pull in aws-cdk-lib
 * (seconds of start-up); test/local/bridge.test.ts checks they still match.
 */
export const LOCAL_QUEUE_SETTINGS = {
  /** infra/constructs/ingress.ts: events queue. */
  eventsMaxReceiveCount: 10,
  eventsVisibilityTimeoutSeconds: 60,
  /** infra/constructs/sender.ts: six times the send timeout. */
  outboundVisibilityTimeoutFactor: 6,
  /** infra/constructs/router.ts `ROUTER_TIMEOUT_SECONDS` and `ROUTER_MAX_RECEIVE_COUNT`. */
  routerTimeoutSeconds: 30,
  routerMaxReceiveCount: 12,
  /** infra/constructs/media-store.ts `MEDIA_FUNCTION_MARGIN_SECONDS`, `MEDIA_REDRIVE_MARGIN`, batch size. */
  mediaFunctionMarginSeconds: 30,
  mediaRedriveMargin: 2,
  mediaBatchSize: 1,
} as const;

/** The stack's defaults (MAX_ATTEMPTS, batch size, send timeout, ...), from the one config schema. */
const TUNABLES = TUNABLE_DEFAULTS;
let started = false;

/**
 * Runs the whole bridge in this process, on embedded parts: local SQS with the stack's four
 * FIFO queues and redrive, dynalite with the idempotency table, a Secrets Manager double holding
 * the webhook secrets and Sinch credentials, the real webhook handler behind a local HTTP API
 * (payload 2.0), and the real send handler fed by a local event source mapping.
 *
 * The handlers read their environment when first imported, so this sets `process.env` first and
 * can run once per process.
 *
 * @example
 * const bridge = await startLocalBridge({ port: 0 });
 * console.log(bridge.webhookUrl(), bridge.queueUrls.events);
 * await bridge.stop();
 */
export async function startLocalBridge(options: LocalBridgeOptions = {}): Promise<LocalBridge> {
  if (started)
    throw new Error('a local bridge already ran in this process: the handlers read their env once');
  started = true;

  const sinchRegion = options.sinchRegion ?? 'eu';
  const projectId = options.projectId ?? 'local-project';
  const awsRegion = process.env.AWS_REGION ?? 'us-east-1';
  const maxAttempts = options.maxAttempts ?? TUNABLES.maxAttempts;
  // The same sizing as the stack (infra/constructs/sender.ts): a full batch of worst-case calls fits.
  const sendSizing = sendTimeoutsFor({
    timeoutSeconds: TUNABLES.sendTimeoutSeconds,
    batchSize: options.batchSize ?? TUNABLES.batchSize,
  });
  const sendTimeoutMs = options.sendTimeoutMs ?? sendSizing.functionTimeoutSeconds * 1000;
  const prefix = `sinch-bridge-${sinchRegion}`;
  const names = {
    events: `${prefix}-events.fifo`,
    eventsDlq: `${prefix}-events-dlq.fifo`,
    outbound: `${prefix}-outbound.fifo`,
    outboundDlq: `${prefix}-outbound-dlq.fifo`,
    router: `${prefix}-router.fifo`,
    routerDlq: `${prefix}-router-dlq.fifo`,
    media: `${prefix}-media.fifo`,
    mediaDlq: `${prefix}-media-dlq.fifo`,
  };
  const useRouter = options.router ?? true;
  // The media step is a router step: without the router nothing would make copy jobs.
  const media = useRouter && options.media !== false ? mediaSettingsOf(options.media || {}) : undefined;
  const secretsMaxAgeSeconds = options.secretsMaxAgeSeconds ?? 5;
  const fifo = (extra: Record<string, string> = {}) => ({ FifoQueue: 'true', ...extra });

  const generatedSecrets = !options.webhookSecrets || Object.keys(options.webhookSecrets).length === 0;
  const secrets: WebhookSecrets = generatedSecrets
    ? { [newUlid()]: randomBytes(24).toString('base64url') }
    : { ...options.webhookSecrets };

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    const sqs: LocalSqs = await startLocalSqs({
      region: awsRegion,
      queues: [
        { name: names.eventsDlq, attributes: fifo() },
        { name: names.outboundDlq, attributes: fifo() },
        { name: names.routerDlq, attributes: fifo() },
        {
          name: names.router,
          attributes: fifo({
            VisibilityTimeout: String(LOCAL_QUEUE_SETTINGS.routerTimeoutSeconds * 6),
            RedrivePolicy: redrivePolicy(
              names.routerDlq,
              LOCAL_QUEUE_SETTINGS.routerMaxReceiveCount,
              awsRegion,
            ),
          }),
        },
        {
          name: names.events,
          attributes: fifo({
            RedrivePolicy: redrivePolicy(
              names.eventsDlq,
              LOCAL_QUEUE_SETTINGS.eventsMaxReceiveCount,
              awsRegion,
            ),
          }),
        },
        ...(media
          ? [
              { name: names.mediaDlq, attributes: fifo() },
              {
                name: names.media,
                attributes: fifo({
                  // As the stack: six times the function's timeout, redrive only as the crash net.
                  VisibilityTimeout: String(media.functionTimeoutSeconds * 6),
                  RedrivePolicy: redrivePolicy(
                    names.mediaDlq,
                    media.maxAttempts + LOCAL_QUEUE_SETTINGS.mediaRedriveMargin,
                    awsRegion,
                  ),
                }),
              },
            ]
          : []),
        {
          name: names.outbound,
          attributes: fifo({
            VisibilityTimeout: String(
              Math.ceil(sendTimeoutMs / 1000) * LOCAL_QUEUE_SETTINGS.outboundVisibilityTimeoutFactor,
            ),
            RedrivePolicy: redrivePolicy(names.outboundDlq, outboundMaxReceiveCount(maxAttempts), awsRegion),
          }),
        },
      ],
    });
    stops.push(() => sqs.close());
    const idempotencyTable = `${prefix}-idempotency`;
    const suppressionTable = `${prefix}-suppressions`;
    const ddb: LocalDynamoDb = await startLocalDynamoDb({
      // The command records, with the lifecycle's indexes, as the stack has them.
      tables: [
        { name: idempotencyTable, indexes: COMMAND_TABLE_INDEXES },
        { name: suppressionTable, indexes: SUPPRESSION_TABLE_INDEXES },
      ],
      region: awsRegion,
    });
    stops.push(() => ddb.close());
    const sm: SecretsManagerDouble = await startSecretsManagerDouble();
    stops.push(() => sm.close());
    // The archive and media buckets in a loopback S3, and a loopback Firehose writing the
    // archive into it with the stack's key layout (Firehose closes first: it flushes its buffers).
    const buckets = { archive: `${prefix}-archive`, media: `${prefix}-media` };
    const s3: LocalS3 = await startLocalS3({ buckets: [buckets.archive, buckets.media], region: awsRegion });
    stops.push(() => s3.close());
    const archiveStreamName = `${prefix}-archive`;
    const firehose: LocalFirehose = await startLocalFirehose({
      s3Endpoint: s3.endpoint,
      region: awsRegion,
      streams: [
        {
          name: archiveStreamName,
          bucket: buckets.archive,
          prefix: FIREHOSE_PREFIX,
          errorOutputPrefix: ERROR_OUTPUT_PREFIX,
          partitionKeys: { appId: 'appId' },
          bufferMs: options.archiveBufferMs ?? 1000,
        },
      ],
    });
    stops.push(() => firehose.close());

    const secretIds = {
      webhookSecrets: `${prefix}/webhook-secrets`,
      sinchCredentials: `${prefix}/sinch-credentials`,
    };
    sm.put(secretIds.webhookSecrets, JSON.stringify(secrets));
    // A rotation writes the secret in the double: `secrets` (the console, the CLI's state file)
    // follows, holding each app's current webhook secrets.
    sm.onNewVersion((name) => {
      if (name !== secretIds.webhookSecrets) return;
      const value = sm.value(name);
      const parsed = value === undefined ? undefined : parseWebhookSecretsDocument(value);
      if (!parsed) return;
      for (const appId of Object.keys(secrets)) delete secrets[appId];
      for (const [appId, entry] of parsed.apps) {
        secrets[appId] = entry.webhook.length === 1 ? entry.webhook[0]! : [...entry.webhook];
      }
      options.onSecretsChange?.(secrets);
    });

    const sinchConfigured = Boolean(options.sinchCredentials);
    const sinchMode = options.sinch ?? (sinchConfigured || options.sinchApiUrl ? 'real' : 'stand-in');
    let standIn: SinchStandIn | undefined;
    let unconfigured: UnconfiguredSinch | undefined;
    if (sinchMode === 'stand-in') {
      standIn = await startSinchStandIn({
        projectId,
        keyId: 'local-stand-in',
        keySecret: randomBytes(16).toString('base64url'),
      });
      stops.push(() => standIn!.close());
    } else if (!sinchConfigured && !options.sinchApiUrl) {
      unconfigured = await startUnconfiguredSinch();
      stops.push(() => unconfigured!.close());
    }
    sm.put(
      secretIds.sinchCredentials,
      JSON.stringify(
        standIn
          ? { keyId: standIn.keyId, keySecret: standIn.keySecret }
          : (options.sinchCredentials ?? { keyId: 'local-unconfigured', keySecret: 'local-unconfigured' }),
      ),
    );
    const sinchApiUrl =
      standIn?.apiUrl ??
      unconfigured?.apiUrl ??
      options.sinchApiUrl ??
      `https://${sinchRegion}.conversation.api.sinch.com`;
    const sinchAuthUrl = standIn?.authUrl ?? unconfigured?.authUrl ?? options.sinchAuthUrl;

    const queueUrls: BridgeQueueUrls = {
      events: sqs.queueUrl(names.events),
      eventsDlq: sqs.queueUrl(names.eventsDlq),
      outbound: sqs.queueUrl(names.outbound),
      outboundDlq: sqs.queueUrl(names.outboundDlq),
      router: sqs.queueUrl(names.router),
      routerDlq: sqs.queueUrl(names.routerDlq),
      ...(media ? { media: sqs.queueUrl(names.media), mediaDlq: sqs.queueUrl(names.mediaDlq) } : {}),
    };
    const environment: Record<string, string> = {
      SINCH_REGION: sinchRegion,
      SINCH_PROJECT_ID: projectId,
      EVENTS_QUEUE_URL: queueUrls.events,
      ...(useRouter ? { ROUTER_QUEUE_URL: queueUrls.router, ARCHIVE_STREAM_NAME: archiveStreamName } : {}),
      WEBHOOK_SECRETS_ID: secretIds.webhookSecrets,
      SINCH_CREDENTIALS_ID: secretIds.sinchCredentials,
      SINCH_API_URL: sinchApiUrl,
      ...(sinchAuthUrl ? { SINCH_AUTH_URL: sinchAuthUrl } : {}),
      OUTBOUND_DLQ_URL: queueUrls.outboundDlq,
      IDEMPOTENCY_TABLE: idempotencyTable,
      LIFECYCLE_MESSAGE_ID_INDEX: MESSAGE_ID_INDEX,
      DELIVERY_TIMEOUT_SECONDS: String(options.deliveryTimeoutSeconds ?? TUNABLES.deliveryTimeoutSeconds),
      SUPPRESSION_TABLE: suppressionTable,
      ...(options.optOut && Object.keys(options.optOut).length > 0
        ? { SUPPRESSION_APPS: JSON.stringify(options.optOut), OUTBOUND_QUEUE_URL: queueUrls.outbound }
        : {}),
      MAX_ATTEMPTS: String(maxAttempts),
      SINCH_TIMEOUT_MS: String(sendSizing.sinchTimeoutMs),
      ...(media
        ? {
            MEDIA_QUEUE_URL: queueUrls.media!,
            MEDIA_BUCKET: buckets.media,
            MEDIA_MAX_BYTES: String(media.maxBytes),
            MEDIA_TIMEOUT_MS: String(media.timeoutMs),
            MEDIA_MAX_ATTEMPTS: String(media.maxAttempts),
            MEDIA_RETRY_BASE_SECONDS: String(media.retryBaseSeconds),
            MEDIA_RETRY_MAX_SECONDS: String(media.retryMaxSeconds),
            // Local mode only: the sources here are loopback servers (the sample files, tests' CDNs).
            MEDIA_ALLOW_LOOPBACK: 'true',
          }
        : {}),
      SECRETS_MAX_AGE_SECONDS: String(secretsMaxAgeSeconds),
      AWS_REGION: awsRegion,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_FIREHOSE: firehose.endpoint,
      POWERTOOLS_SERVICE_NAME: 'sinch-bridge-local',
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? TUNABLES.logLevel,
      POWERTOOLS_METRICS_NAMESPACE: 'SinchConversationBridge',
      POWERTOOLS_METRICS_DISABLED: options.metrics ? 'false' : 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      ...options.environment,
    };
    Object.assign(process.env, environment, {
      // The embedded services accept any key; real credentials from the shell must not leak to them.
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;

    const webhook = await importHandler<
      LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2<unknown>>
    >(FUNCTION_ENTRIES.webhook);
    const send = await importHandler<LambdaHandler<SQSEvent, SQSBatchResponse | undefined>>(
      FUNCTION_ENTRIES.send,
    );

    // What the queues accept, for the console and `tail --peek`, read off the SQS server's answers.
    const eventFeed = new EventFeed();
    const roleByName = new Map(
      (Object.entries(names) as Array<[QueueRole, string]>).map(([role, name]) => [name, role]),
    );
    sqs.observe((exchange) =>
      eventFeed.recordExchange(exchange, (url) => roleByName.get(url.split('/').pop() ?? '')),
    );
    const consoleSqs = new SQSClient({
      endpoint: sqs.endpoint,
      region: awsRegion,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    stops.push(async () => consoleSqs.destroy());
    let baseUrl = '';

    const api: LocalApiGateway = await startApiGatewayServer(webhook, {
      port: options.port ?? 3000,
      host: options.host ?? '127.0.0.1',
      routes: WEBHOOK_ROUTES,
      // API Gateway HTTP APIs give an integration at most 30 s.
      function: { functionName: `${prefix}-webhook`, timeoutMs: 30_000, region: awsRegion },
      ...(options.onError ? { onError: options.onError } : {}),
      localRoutes: [
        mediaSamplesRoute(),
        consoleRoutes({
          feed: eventFeed,
          projectId,
          sinchRegion,
          sinchMode,
          secrets,
          baseUrl: () => baseUrl,
          queueUrls,
          sqs: consoleSqs,
        }),
      ],
    });
    baseUrl = api.url;
    stops.push(() => api.close());
    // Each app's webhook is registered at the stand-in, as the stack's registration does at Sinch,
    // and delivery reports go where Sinch would send them: to that webhook, signed with the
    // secret registered there (`webhooks rotate` changes it there, as at Sinch).
    if (standIn) {
      for (const appId of Object.keys(secrets)) {
        const current = secrets[appId]!;
        standIn.admin.seedApp(appId);
        standIn.admin.seed({
          app_id: appId,
          target: `${api.url}/webhooks/${appId}`,
          secret: Array.isArray(current) ? current[0]! : current,
          triggers: ['MESSAGE_INBOUND', 'MESSAGE_DELIVERY', 'EVENT_INBOUND', 'MESSAGE_SUBMIT'],
        });
      }
      standIn.deliverToRegisteredWebhooks();
    }

    // After a timeout, leftover work is Lambda's to freeze; after a return it is the handler's bug.
    const onLateRequest = (late: LateRequest) => {
      options.onLateRequest?.(late);
      if (!late.afterTimeout) {
        options.onError?.(
          new Error(
            `${late.functionName}: ${late.method} ${late.host}${late.path} started after the invocation returned`,
          ),
        );
      }
    };
    const mapping: EventSourceMapping = startEventSourceMapping({
      queueUrl: queueUrls.outbound,
      handler: send,
      batchSize: options.batchSize ?? TUNABLES.batchSize,
      concurrency: options.concurrency ?? 1,
      function: { functionName: `${prefix}-send`, timeoutMs: sendTimeoutMs, region: awsRegion },
      onBatch: (outcome) => {
        if (outcome.error !== undefined) options.onError?.(outcome.error);
        options.onSendBatch?.(outcome);
      },
      onLateRequest,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    stops.push(() => mapping.stop());

    if (useRouter) {
      const router = await importHandler<LambdaHandler<SQSEvent, SQSBatchResponse | undefined>>(
        FUNCTION_ENTRIES.router,
      );
      const routerMapping = startEventSourceMapping({
        queueUrl: queueUrls.router,
        handler: router,
        batchSize: 10,
        concurrency: options.concurrency ?? 1,
        function: {
          functionName: `${prefix}-router`,
          timeoutMs: LOCAL_QUEUE_SETTINGS.routerTimeoutSeconds * 1000,
          region: awsRegion,
        },
        onBatch: (outcome) => {
          if (outcome.error !== undefined) options.onError?.(outcome.error);
        },
        onLateRequest,
        ...(options.onError ? { onError: options.onError } : {}),
      });
      // Stopped after the send mapping (stops run in reverse), so the send's last events get routed.
      stops.splice(stops.length - 1, 0, () => routerMapping.stop());

      // The stack's scheduled unconfirmed sweep, on a timer.
      const sweep = await importHandler<LambdaHandler<unknown, unknown>>(FUNCTION_ENTRIES.lifecycle);
      const sweepFunction = { functionName: `${prefix}-lifecycle`, timeoutMs: 120_000, region: awsRegion };
      let sweeping: Promise<unknown> = Promise.resolve();
      const timer = setInterval(
        () => {
          sweeping = sweep({}, createLambdaContext(sweepFunction)).catch((error) => options.onError?.(error));
        },
        (options.sweepIntervalSeconds ?? 60) * 1000,
      );
      timer.unref();
      stops.push(async () => {
        clearInterval(timer);
        await sweeping;
      });
    }

    if (media) {
      const mediaHandler = await importHandler<LambdaHandler<SQSEvent, SQSBatchResponse | undefined>>(
        FUNCTION_ENTRIES.media,
      );
      const mediaMapping = startEventSourceMapping({
        queueUrl: queueUrls.media!,
        handler: mediaHandler,
        batchSize: LOCAL_QUEUE_SETTINGS.mediaBatchSize,
        concurrency: media.concurrency,
        function: {
          functionName: `${prefix}-media`,
          timeoutMs: media.functionTimeoutSeconds * 1000,
          region: awsRegion,
        },
        onBatch: (outcome) => {
          if (outcome.error !== undefined) options.onError?.(outcome.error);
        },
        onLateRequest,
        ...(options.onError ? { onError: options.onError } : {}),
      });
      // Stopped before the router's mapping, so its last media events still get routed.
      stops.push(() => mediaMapping.stop());
    }

    const firstApp = Object.keys(secrets)[0]!;
    return {
      webhookUrl: (appId = firstApp) => `${api.url}/webhooks/${appId}`,
      baseUrl: api.url,
      consoleUrl: `${api.url}/console`,
      eventFeedUrl: `${api.url}/local/events`,
      eventFeed,
      queueUrls,
      endpoints: {
        sqs: sqs.endpoint,
        dynamodb: ddb.endpoint,
        secretsManager: sm.endpoint,
        s3: s3.endpoint,
        firehose: firehose.endpoint,
      },
      buckets,
      archive: { streamName: archiveStreamName, firehose, s3 },
      sinchRegion,
      projectId,
      secrets,
      secretsMaxAgeSeconds,
      generatedSecrets,
      secretIds,
      sinchApiUrl,
      sinchConfigured,
      sinchMode,
      ...(standIn ? { sinchStandIn: standIn } : {}),
      environment,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The local media settings: the stack's defaults, then the options. */
function mediaSettingsOf(options: LocalMediaOptions) {
  const timeoutMs = options.timeoutMs ?? MEDIA_DEFAULTS.timeoutSeconds * 1000;
  return {
    maxBytes: options.maxBytes ?? MEDIA_DEFAULTS.maxBytes,
    timeoutMs,
    maxAttempts: options.maxAttempts ?? MEDIA_DEFAULTS.maxAttempts,
    retryBaseSeconds: options.retryBaseSeconds ?? 5,
    retryMaxSeconds: options.retryMaxSeconds ?? 300,
    concurrency: options.concurrency ?? 2,
    functionTimeoutSeconds: Math.ceil(timeoutMs / 1000) + LOCAL_QUEUE_SETTINGS.mediaFunctionMarginSeconds,
  };
}

/** Imports a function's `handler` export by its entry path (the one the stack bundles). */
async function importHandler<T>(entry: string): Promise<T> {
  const mod = (await import(new URL(`../${entry}`, import.meta.url).href)) as { handler?: T };
  if (typeof mod.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
  return mod.handler;
}

/**
 * A ULID (the shape of Sinch app ids, which the config validates) for the generated dev app.
 * Hand-written: ten lines instead of a dependency for one id per start.
 */
export function newUlid(now = Date.now()): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let time = '';
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = alphabet[t % 32] + time;
  const random = Array.from(randomBytes(16), (b) => alphabet[b % 32]).join('');
  return time + random;
}

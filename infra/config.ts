import { readFileSync } from 'node:fs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';
import {
  WEBHOOK_TRIGGER_ALIASES,
  WEBHOOK_TRIGGERS,
  type WebhookTrigger,
} from '../functions/sinch/webhooks-api';
import { AppOptOutSchema } from '../functions/suppression/opt-out-keywords';
import { didYouMean } from './did-you-mean';

/** Sinch Conversation API regions: an app lives in exactly one of them. */
export const SINCH_REGIONS = ['eu', 'us', 'br'] as const;
export type SinchRegion = (typeof SINCH_REGIONS)[number];

/** Triggers a webhook gets when the config names none: what the bridge normalizes and the send side reports. */
export const DEFAULT_TRIGGERS = [
  'MESSAGE_INBOUND',
  'MESSAGE_DELIVERY',
  'EVENT_INBOUND',
  'MESSAGE_SUBMIT',
] as const;

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const SinchAppSchema = z.strictObject({
  id: z.string().regex(ULID, 'app id must be a ULID (26 characters of Crockford base32, upper case)'),
  name: z.string().min(1).max(64).optional(),
  /** Sinch's trigger names; an alias (SMART_CONVERSATIONS) is read as its trigger, with a warning. */
  triggers: z
    .array(
      z.enum([...WEBHOOK_TRIGGERS, ...(Object.keys(WEBHOOK_TRIGGER_ALIASES) as ['SMART_CONVERSATIONS'])]),
    )
    .min(1)
    .optional(),
  /**
   * Opt-out keywords (replacing the defaults, per app and per channel) and a confirmation text
   * sent once on opt-out: docs/opt-outs.md.
   */
  optOut: z.optional(AppOptOutSchema),
  /**
   * Also keep a `secret_for_overridden_callback_urls` for this app in the webhook secrets
   * (generated once, never rewritten by a deploy, rotated with `webhooks rotate --callback-url`):
   * delivery reports of commands sent with `callbackUrl` are signed with it.
   */
  callbackUrlSecret: z.boolean().optional(),
});

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Knobs of a deployment; each is optional in the config (defaults in {@link TUNABLE_DEFAULTS}) and a region may override any. */
export const TunablesSchema = z.strictObject({
  webhookMemoryMb: z.number().int().min(128).max(10240),
  sendMemoryMb: z.number().int().min(128).max(10240),
  sendTimeoutSeconds: z.number().int().min(3).max(120),
  /** SQS FIFO sources take at most 10 records per batch. */
  batchSize: z.number().int().min(1).max(10),
  /** Lambda's bounds for an SQS event source's maximum concurrency. */
  maxConcurrency: z.number().int().min(2).max(1000),
  maxAttempts: z.number().int().min(1).max(50),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
  logRetentionDays: z
    .number()
    .refine((days) => LOG_RETENTION_DAYS.includes(days), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`),
  /** Requests per second of `POST /webhooks/{appId}`; absent: 50 per app, at least 100 (`infra/webhook-throttle.ts`). */
  throttleRateLimit: z.number().int().min(1).max(10000).optional(),
  /** Burst of `POST /webhooks/{appId}`; absent: twice the rate (at most 5000). */
  throttleBurstLimit: z.number().int().min(1).max(5000).optional(),
  /** Signature rejections per 5 minutes that raise the alarm (a few stray calls are normal on a public URL). */
  signatureRejectionThreshold: z.number().int().min(1),
  /** Oldest message age, in seconds, on the events or outbound queue that raises the alarm. */
  oldestMessageAgeSeconds: z.number().int().min(60),
  /** No confirming delivery report (delivered, read, failed) this long after accepted: `outbound.unconfirmed`. Below the command records' 14-day TTL. */
  deliveryTimeoutSeconds: z
    .number()
    .int()
    .min(60)
    .max(13 * 86_400),
  /** `outbound.unconfirmed` events per hour that raise the alarm. */
  unconfirmedAlarmThreshold: z.number().int().min(1),
  /** Opt-outs (keywords and OPT_OUT callbacks) per hour that raise the alarm. */
  optOutAlarmThreshold: z.number().int().min(1),
});
export type Tunables = z.output<typeof TunablesSchema>;

/** What each tunable is when neither the config nor the region says. */
export const TUNABLE_DEFAULTS: Tunables = {
  webhookMemoryMb: 512,
  sendMemoryMb: 512,
  sendTimeoutSeconds: 60,
  batchSize: 10,
  maxConcurrency: 5,
  maxAttempts: 5,
  logLevel: 'INFO',
  logRetentionDays: 30,
  signatureRejectionThreshold: 10,
  oldestMessageAgeSeconds: 900,
  deliveryTimeoutSeconds: 86_400,
  unconfirmedAlarmThreshold: 10,
  optOutAlarmThreshold: 50,
};

/** Every AWS region aws-cdk-lib knows (its region-info fact tables: offline, updated with the library). */
export const AWS_REGIONS: readonly string[] = RegionInfo.regions.map((region) => region.name);

/** The events archive (Firehose to S3, Glue table): how long events are kept, how soon they land. */
export const ArchiveConfigSchema = z.strictObject({
  /** Off: no archive bucket, stream or table; the router publishes without archiving. */
  enabled: z.boolean().default(true),
  /** Days an archived event is kept before S3 expires it (personal data: see the README). */
  retentionDays: z.number().int().min(1).max(36_500).default(400),
  /** Firehose buffering interval: an event is in S3 at most this long after it was published. */
  bufferSeconds: z.number().int().min(0).max(900).default(300),
  /** Days the S3 server access logs of the archive (and media) buckets are kept. */
  accessLogRetentionDays: z.number().int().min(1).max(3650).default(90),
});
export type ArchiveConfig = z.output<typeof ArchiveConfigSchema>;
export const ARCHIVE_DEFAULTS: ArchiveConfig = {
  enabled: true,
  retentionDays: 400,
  bufferSeconds: 300,
  accessLogRetentionDays: 90,
};

export const RegionConfigSchema = z.strictObject({
  awsRegion: z.string().superRefine((value, context) => {
    if (AWS_REGIONS.includes(value)) return;
    const hint = didYouMean(value, AWS_REGIONS);
    context.addIssue({
      code: 'custom',
      message: `awsRegion must be an AWS region name such as eu-west-1: "${value}" is not one${
        hint ? ` (did you mean ${hint}?)` : ''
      }`,
    });
  }),
  apps: z
    .array(SinchAppSchema)
    .min(1, 'at least one app is needed per configured region')
    // Each app adds a webhook custom resource and an output to the region's template; 50 keeps
    // the template far from CloudFormation's limits and the secrets document far below 64 KiB.
    .max(50, 'at most 50 apps per region'),
  /** ARN of an existing Secrets Manager secret `{"keyId","keySecret"}`; absent: the stack creates one to fill. */
  credentialsSecretArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/,
      'credentialsSecretArn must be the complete ARN of a Secrets Manager secret (with its 6-character suffix)',
    )
    .optional(),
  tunables: TunablesSchema.partial().optional(),
});

/** What the media copy is when the config says nothing. */
export const MEDIA_DEFAULTS = {
  enabled: true,
  retentionDays: 90,
  maxBytes: 100 * 1024 * 1024,
  timeoutSeconds: 120,
  memoryMb: 1024,
  maxAttempts: 5,
} as const;

export const MediaConfigSchema = z
  .strictObject({
    /** Off: no media bucket, queue or function; media messages are not copied. */
    enabled: z.boolean(),
    /** Days a copied file is kept (S3 lifecycle expiration). */
    retentionDays: z.number().int().min(1).max(36500),
    /** Largest file copied, in bytes (`MEDIA_MAX_BYTES`); larger ones give `media.failed` `too_large`. */
    maxBytes: z
      .number()
      .int()
      .min(1)
      .max(5 * 1024 ** 3),
    /** Time one copy may take, retries included (`MEDIA_TIMEOUT_MS`); the function gets 30 s more. */
    timeoutSeconds: z.number().int().min(5).max(840),
    memoryMb: z.number().int().min(256).max(10240),
    /** Receives of a copy job before a source that stays unavailable (or S3) gives `media.failed`. */
    maxAttempts: z.number().int().min(1).max(50),
  })
  .partial()
  .transform((media) => ({ ...MEDIA_DEFAULTS, ...media }));
export type MediaSettings = z.output<typeof MediaConfigSchema>;

export const BridgeConfigSchema = z
  .strictObject({
    projectId: z.string().min(1, 'projectId is the Sinch project id (a UUID) and cannot be empty'),
    regions: z.partialRecord(z.enum(SINCH_REGIONS), RegionConfigSchema),
    tunables: TunablesSchema.partial().optional(),
    registration: z
      .strictObject({
        /** Off: the stack neither creates nor deletes Sinch webhooks (register by hand or with `npm run webhooks`). */
        enabled: z.boolean().default(true),
        /** Bump to re-run registration on a deploy that changes nothing else (e.g. after filling the access key). */
        revision: z.number().int().min(0).default(1),
        /**
         * Explicit teardown: deploy once with `true`, then destroy the stack (or switch registration
         * off), and the webhooks are deleted at Sinch. Otherwise they are retained: switching
         * registration off, removing an app or deleting the stack never deletes a live webhook.
         */
        teardown: z.boolean().default(false),
      })
      .default({ enabled: true, revision: 1, teardown: false }),
    alarms: z
      .strictObject({
        email: z.email().optional(),
        topicArn: z.string().startsWith('arn:').optional(),
      })
      .default({}),
    archive: ArchiveConfigSchema.default(ARCHIVE_DEFAULTS),
    /** Copies of inbound media (docs/media.md); its retention is separate from the archive's. */
    media: MediaConfigSchema.default(MEDIA_DEFAULTS),
  })
  .refine((config) => Object.keys(config.regions).length > 0, {
    message: 'configure at least one Sinch region (eu, us or br)',
    path: ['regions'],
  })
  .superRefine((config, context) => {
    const seen = new Map<string, string>();
    for (const [region, regionConfig] of Object.entries(config.regions)) {
      for (const [index, app] of (regionConfig?.apps ?? []).entries()) {
        const other = seen.get(app.id);
        if (other) {
          context.addIssue({
            code: 'custom',
            message: `app ${app.id} is already configured in ${other}: an app lives in exactly one region`,
            path: ['regions', region, 'apps', index, 'id'],
          });
        }
        seen.set(app.id, `regions.${region}`);
      }
    }
  });

export type BridgeConfig = z.output<typeof BridgeConfigSchema>;
export type SinchApp = Omit<z.output<typeof SinchAppSchema>, 'triggers'> & { triggers?: WebhookTrigger[] };

/** One region's config with tunables resolved (defaults < top level < region). */
export interface RegionSettings {
  sinchRegion: SinchRegion;
  awsRegion: string;
  projectId: string;
  apps: SinchApp[];
  credentialsSecretArn?: string;
  tunables: Tunables;
  registration: BridgeConfig['registration'];
  alarms: BridgeConfig['alarms'];
  archive: ArchiveConfig;
  media: MediaSettings;
}

/** A config that does not validate or cannot be read; the message names every offending field, or the file. */
export class BridgeConfigError extends Error {
  readonly kind = 'invalid_config';
  override name = 'BridgeConfigError';
}

/**
 * Validates a raw `sinch` config object and resolves each configured region.
 * Throws a {@link BridgeConfigError} whose message names each wrong field (`sinch.regions.eu.apps[0].id: ...`).
 *
 * @example
 * const regions = parseBridgeConfig(app.node.tryGetContext('sinch'));
 * for (const region of regions) new RegionStack(app, `SinchBridge-${region.sinchRegion}`, { settings: region });
 */
export function parseBridgeConfig(
  raw: unknown,
  options: { warn?: (message: string) => void; source?: string } = {},
): RegionSettings[] {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const result = BridgeConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.flatMap((issue) => describeIssue(issue, raw));
    throw new BridgeConfigError(
      `Invalid Sinch bridge config (${options.source ?? 'the "sinch" context'}):\n${lines.map((line) => `  ${line}`).join('\n')}`,
    );
  }
  const config = result.data;
  return SINCH_REGIONS.flatMap((sinchRegion) => {
    const regionConfig = config.regions[sinchRegion];
    if (!regionConfig) return [];
    return [
      {
        sinchRegion,
        awsRegion: regionConfig.awsRegion,
        projectId: config.projectId,
        apps: regionConfig.apps.map((app, index) =>
          withCanonicalTriggers(app, (position, alias, trigger) =>
            warn(
              `${fieldName(['regions', sinchRegion, 'apps', index, 'triggers', position])}: ${alias} is the Node SDK's spelling; Sinch's API names the trigger ${trigger}, which is used instead`,
            ),
          ),
        ),
        ...(regionConfig.credentialsSecretArn
          ? { credentialsSecretArn: regionConfig.credentialsSecretArn }
          : {}),
        tunables: { ...TUNABLE_DEFAULTS, ...config.tunables, ...regionConfig.tunables },
        registration: config.registration,
        alarms: config.alarms,
        archive: config.archive,
        media: config.media,
      },
    ];
  });
}

/** An app with each trigger alias replaced by the trigger it stands for (once). */
function withCanonicalTriggers(
  app: z.output<typeof SinchAppSchema>,
  onAlias: (position: number, alias: string, trigger: WebhookTrigger) => void,
): SinchApp {
  const { triggers, ...rest } = app;
  if (!triggers) return rest;
  const canonical = triggers.map((trigger, position) => {
    const target = (WEBHOOK_TRIGGER_ALIASES as Record<string, WebhookTrigger>)[trigger];
    if (!target) return trigger as WebhookTrigger;
    onAlias(position, trigger, target);
    return target;
  });
  return { ...rest, triggers: [...new Set(canonical)] };
}

/** The value at a path of the raw config, for "got ..." in messages. */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (value, key) =>
      value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    raw,
  );
}

/** The field names the schema allows at a path (for "did you mean" on an unknown field). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 1 && path[0] === 'regions') return [...SINCH_REGIONS];
  // Walks zod's definitions: optional/default wrap an inner type, arrays an element, records a value type.
  type Node = {
    shape?: Record<string, unknown>;
    def?: { innerType?: Node; element?: Node; valueType?: Node };
  };
  const unwrap = (node: Node | undefined): Node | undefined => {
    let current = node;
    while (current?.def?.innerType) current = current.def.innerType;
    return current;
  };
  let node = unwrap(BridgeConfigSchema as unknown as Node);
  for (const key of path) {
    if (!node) return [];
    node = unwrap(
      typeof key === 'number'
        ? node.def?.element
        : ((node.shape?.[String(key)] as Node | undefined) ?? node.def?.valueType),
    );
  }
  return Object.keys(node?.shape ?? {});
}

/** Lines for one issue: the field path, what is wrong, and the allowed values or a "did you mean". */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    const what =
      issue.path.length === 1 && issue.path[0] === 'regions' ? 'unknown Sinch region' : 'unknown field';
    return issue.keys.map((key) => {
      const hint = didYouMean(key, known);
      return `${fieldName([...issue.path, key])}: ${what}${hint ? ` (did you mean ${hint}?)` : ''}; allowed: ${known.join(', ')}`;
    });
  }
  const got = valueAt(raw, issue.path);
  if (issue.code === 'invalid_value') {
    const values = issue.values.map(String);
    const hint = typeof got === 'string' ? didYouMean(got, values) : undefined;
    return [
      `${fieldName(issue.path)}: ${JSON.stringify(got)} is not allowed${hint ? ` (did you mean ${hint}?)` : ''}; one of: ${values.join(', ')}`,
    ];
  }
  const shown =
    got === undefined || typeof got === 'object' || issue.code === 'custom'
      ? ''
      : ` (got ${JSON.stringify(got)})`;
  return [`${fieldName(issue.path)}: ${issue.message}${shown}`];
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (name, key) => (typeof key === 'number' ? `${name}[${key}]` : `${name}.${String(key)}`),
    'sinch',
  );
}

/** Where the CDK app finds its config: `cdk.json` context, `-c` flags, or a file. */
export interface ConfigSources {
  /** Context `sinch`: an object (cdk.json) or a JSON string (`-c sinch='{...}'`). */
  sinch?: unknown;
  /** Context `sinchConfig`: path of a JSON file that replaces the `sinch` context. */
  sinchConfig?: string;
  /** Other context entries; keys `sinch.<path>` override one field, e.g. `-c sinch.tunables.logLevel=DEBUG`. */
  overrides?: Record<string, unknown>;
}

/**
 * Assembles the raw config from its sources, lowest precedence first: the `sinch` context, then the
 * file named by `sinchConfig`, then each `sinch.<dotted.path>=<value>` context entry (values parsed as
 * JSON when they are JSON, else kept as strings).
 *
 * @example
 * readConfigSources({ sinch: cdkJson.context.sinch, overrides: { 'sinch.registration.enabled': 'false' } });
 */
export function readConfigSources(sources: ConfigSources): unknown {
  let config: unknown = sources.sinch;
  if (typeof sources.sinch === 'string') {
    try {
      config = JSON.parse(sources.sinch);
    } catch (error) {
      throw new BridgeConfigError(
        `the "sinch" context (-c sinch=...) is not JSON: ${(error as Error).message}`,
      );
    }
  }
  if (sources.sinchConfig) {
    let text: string;
    try {
      text = readFileSync(sources.sinchConfig, 'utf8');
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      throw new BridgeConfigError(
        `cannot read the sinchConfig file ${sources.sinchConfig}: ${err.code === 'ENOENT' ? 'no such file' : (err.code ?? err.message)}`,
      );
    }
    try {
      config = JSON.parse(text);
    } catch (error) {
      throw new BridgeConfigError(
        `the sinchConfig file ${sources.sinchConfig} is not JSON: ${(error as Error).message}`,
      );
    }
  }
  config = structuredClone(config ?? {});
  for (const [key, value] of Object.entries(sources.overrides ?? {})) {
    if (!key.startsWith('sinch.')) continue;
    setPath(config as Record<string, unknown>, key.slice('sinch.'.length).split('.'), parseValue(value));
  }
  return config;
}

function parseValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const next = target[head];
  const child = typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : {};
  target[head] = child;
  setPath(child, rest, value);
}

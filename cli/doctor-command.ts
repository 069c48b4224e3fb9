/** What `sinch-bridge doctor` checks, each check a value with a status and the fix. */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { SinchClient } from '../functions/sinch/client';
import { SinchTokenProvider } from '../functions/sinch/oauth';
import { SinchWebhooksApi } from '../functions/sinch/webhooks-api';
import type { CliContext } from './cli-context';
import { CliError } from './cli-error';
import type { BridgeTarget, QueueName } from './target';

/** One finding. */
export interface Check {
  name: string;
  status: 'ok' | 'problem' | 'skipped';
  detail: string;
  /** The command (or step) that fixes a problem. */
  fix?: string;
}

const QUEUES: Array<{ queue: QueueName; label: string; dlq: boolean }> = [
  { queue: 'events', label: 'events queue', dlq: false },
  { queue: 'eventsDlq', label: 'events DLQ', dlq: true },
  { queue: 'outbound', label: 'outbound queue', dlq: false },
  { queue: 'outboundDlq', label: 'outbound DLQ', dlq: true },
];

async function bridgeHealth(target: BridgeTarget): Promise<Check> {
  const url = target.local
    ? target.local.webhookBaseUrl
    : Object.entries(target.stack?.outputs ?? {})
        .find(([k]) => k.startsWith('WebhookUrl'))?.[1]
        ?.replace(/\/webhooks\/[^/]+$/, '');
  if (!url)
    return { name: 'bridge', status: 'skipped', detail: 'no webhook URL known (pass --stack <name>)' };
  try {
    // An unsigned request must be refused: 401 proves the webhook runs and checks signatures.
    const app = target.local ? Object.keys(target.local.secrets)[0] : 'doctor';
    const res = await fetch(`${url}/webhooks/${app}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(10_000),
    });
    return res.status === 401
      ? { name: 'bridge', status: 'ok', detail: `${url} answers (an unsigned callback gets 401)` }
      : {
          name: 'bridge',
          status: 'problem',
          detail: `${url} answered ${res.status} to an unsigned callback (expected 401)`,
          fix: target.local ? 'restart the local bridge: npm start' : 'check the stack: cdk deploy',
        };
  } catch (error) {
    return {
      name: 'bridge',
      status: 'problem',
      detail: `${url} is unreachable: ${(error as Error).cause ?? (error as Error).message}`,
      fix: target.local ? 'npm start' : 'cdk deploy',
    };
  }
}

async function queueDepths(target: BridgeTarget): Promise<Check[]> {
  const checks: Check[] = [];
  for (const { queue, label, dlq } of QUEUES) {
    const url = target.queueUrls[queue];
    if (!url) {
      checks.push({ name: label, status: 'skipped', detail: 'URL unknown (pass --stack <name>)' });
      continue;
    }
    try {
      const out = await target.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const waiting = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
      const inFlight = Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      const detail = `${waiting} waiting, ${inFlight} in flight`;
      checks.push(
        dlq && waiting + inFlight > 0
          ? {
              name: label,
              status: 'problem',
              detail,
              fix: `sinch-bridge dlq inspect --queue ${queue === 'eventsDlq' ? 'events' : 'outbound'} (then dlq redrive)`,
            }
          : { name: label, status: 'ok', detail },
      );
    } catch (error) {
      checks.push({
        name: label,
        status: 'problem',
        detail: `cannot read ${url}: ${(error as Error).name}: ${(error as Error).message}`,
        fix:
          target.mode === 'aws'
            ? 'check AWS credentials and region (aws sts get-caller-identity)'
            : 'npm start',
      });
    }
  }
  return checks;
}

/** The Sinch access key known to this shell or the stack, if any. */
async function sinchCredentials(target: BridgeTarget, env: NodeJS.ProcessEnv) {
  if (env.SINCH_KEY_ID && env.SINCH_KEY_SECRET)
    return { keyId: env.SINCH_KEY_ID, keySecret: env.SINCH_KEY_SECRET, from: 'SINCH_KEY_ID' };
  const arn = env.SINCH_CREDENTIALS_ID ?? target.stack?.outputs.SinchCredentialsArn;
  if (!arn) return undefined;
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient(target.awsRegion ? { region: target.awsRegion } : {});
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const parsed = JSON.parse(out.SecretString ?? '{}') as { keyId?: string; keySecret?: string };
    return { keyId: parsed.keyId ?? '', keySecret: parsed.keySecret ?? '', from: arn };
  } finally {
    client.destroy();
  }
}

async function sinchChecks(target: BridgeTarget, env: NodeJS.ProcessEnv): Promise<Check[]> {
  let credentials: Awaited<ReturnType<typeof sinchCredentials>>;
  try {
    credentials = await sinchCredentials(target, env);
  } catch (error) {
    return [
      {
        name: 'Sinch token',
        status: 'problem',
        detail: `cannot read the access key secret: ${(error as Error).message}`,
        fix: 'aws secretsmanager put-secret-value --secret-id <SinchCredentialsArn> --secret-string \'{"keyId":"...","keySecret":"..."}\'',
      },
    ];
  }
  if (!credentials) {
    return [
      target.mode === 'local'
        ? {
            name: 'Sinch token',
            status: 'skipped',
            detail: 'no access key in this shell (the local bridge sends to its own Sinch stand-in)',
          }
        : {
            name: 'Sinch token',
            status: 'problem',
            detail: 'no Sinch access key known',
            fix: 'pass --stack <name>, or set SINCH_KEY_ID and SINCH_KEY_SECRET',
          },
    ];
  }
  if (!credentials.keyId || !credentials.keySecret || credentials.keyId === 'REPLACE_ME') {
    return [
      {
        name: 'Sinch token',
        status: 'problem',
        detail: `the access key in ${credentials.from} is empty or a placeholder`,
        fix: 'aws secretsmanager put-secret-value --secret-id <SinchCredentialsArn> --secret-string \'{"keyId":"...","keySecret":"..."}\'',
      },
    ];
  }
  const checks: Check[] = [];
  try {
    await new SinchTokenProvider({ credentials, authUrl: env.SINCH_AUTH_URL || undefined }).getToken();
    checks.push({
      name: 'Sinch token',
      status: 'ok',
      detail: `a token was issued for key ${credentials.keyId}`,
    });
  } catch (error) {
    return [
      {
        name: 'Sinch token',
        status: 'problem',
        detail: `no token for key ${credentials.keyId}: ${(error as Error).message}`,
        fix: 'check the key in the Sinch dashboard (Settings > Access keys) and store it again',
      },
    ];
  }
  const connection = target.stack?.outputs.SinchServiceConnectionUrl;
  const projectId =
    env.SINCH_PROJECT_ID ??
    target.local?.projectId ??
    (connection ? /\/projects\/([^/]+)\//.exec(connection)?.[1] : undefined);
  const region =
    env.SINCH_REGION ??
    target.local?.sinchRegion ??
    (connection ? new URL(connection).hostname.split('.')[0] : 'eu');
  const expected: Record<string, string> = target.local
    ? Object.fromEntries(
        Object.keys(target.local.secrets).map((app) => [
          app,
          `${target.local!.webhookBaseUrl}/webhooks/${app}`,
        ]),
      )
    : Object.fromEntries(
        Object.entries(target.stack?.outputs ?? {})
          .filter(([k]) => k.startsWith('WebhookUrl'))
          .map(([k, v]) => [k.slice('WebhookUrl'.length), v]),
      );
  if (!projectId || Object.keys(expected).length === 0) {
    checks.push({
      name: 'webhooks',
      status: 'skipped',
      detail: 'no project or apps known (pass --stack <name>)',
    });
    return checks;
  }
  const api = new SinchWebhooksApi(
    new SinchClient({
      region,
      projectId,
      apiUrl: env.SINCH_API_URL || undefined,
      authUrl: env.SINCH_AUTH_URL || undefined,
      credentials,
    }),
  );
  for (const [appId, url] of Object.entries(expected)) {
    try {
      const hooks = await api.list(appId);
      const hook = hooks.find((h) => h.target === url);
      checks.push(
        hook
          ? { name: `webhook ${appId}`, status: 'ok', detail: `${url} (${(hook.triggers ?? []).join(', ')})` }
          : {
              name: `webhook ${appId}`,
              status: 'problem',
              detail: `no webhook to ${url} (${hooks.length} other(s))`,
              fix: `sinch-bridge webhooks sync${target.stack ? ` --stack ${target.stack.name}` : ` --url ${url.replace(/\/webhooks\/[^/]+$/, '')}`}`,
            },
      );
    } catch (error) {
      checks.push({
        name: `webhook ${appId}`,
        status: 'problem',
        detail: (error as Error).message,
        fix: `sinch-bridge webhooks list --app ${appId}`,
      });
    }
  }
  return checks;
}

/**
 * Runs `doctor`: prints each check, exits 0 only when no check found a problem.
 *
 * @example
 * await doctorCommand(context, { json: false });
 */
export async function doctorCommand(context: CliContext, flags: { json?: boolean }): Promise<void> {
  const { io } = context;
  const target = await context.target();
  const checks: Check[] = [
    {
      name: 'mode',
      status: 'ok',
      detail: `${target.mode === 'local' ? 'local' : 'AWS'} (${target.description}): ${target.reason}`,
    },
    await bridgeHealth(target),
    ...(await queueDepths(target)),
    ...(await sinchChecks(target, io.env)),
  ];
  if (flags.json) {
    await io.stdout(`${JSON.stringify({ ok: checks.every((c) => c.status !== 'problem'), checks })}\n`);
  } else {
    const mark = {
      ok: context.paint('green', 'ok  '),
      problem: context.paint('red', 'FAIL'),
      skipped: context.paint('dim', 'skip'),
    };
    for (const check of checks) {
      await io.stdout(
        `${mark[check.status]}  ${check.name}: ${check.detail}${check.fix ? `\n      fix: ${check.fix}` : ''}\n`,
      );
    }
  }
  const problems = checks.filter((c) => c.status === 'problem');
  if (problems.length > 0) throw new CliError('failed', `${problems.length} problem(s) found`);
}

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FUNCTION_ENTRIES, LAMBDA_BUNDLE } from '../bundling';
import { acknowledge, NAG_ACKNOWLEDGEMENTS } from '../nag';

/** The repository root: entries and the lock file are resolved from here, not from the caller's cwd. */
const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Context flag: `-c bridge:skipBundling=true` synthesizes placeholder code instead of running esbuild. */
export const SKIP_BUNDLING_CONTEXT = 'bridge:skipBundling';

export interface BridgeFunctionProps {
  /** Which of the bridge's entry points to bundle. */
  entry: keyof typeof FUNCTION_ENTRIES;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  logRetentionDays: number;
  /** X-Ray active tracing (Powertools tracer). @default true */
  tracing?: boolean;
  /** Concurrency set aside for this function alone. @default - none (the account's unreserved pool) */
  reservedConcurrentExecutions?: number;
  /**
   * Ready-made code (e.g. an artifact built elsewhere) instead of bundling `entry`. The handler must
   * be `index.handler`.
   * @default - `entry` bundled with esbuild per {@link LAMBDA_BUNDLE}
   */
  code?: lambda.Code;
}

/**
 * A function of the bridge: nodejs24.x on arm64, bundled by esbuild exactly as the cold-start
 * benchmark bundles it, with its own log group (explicit retention, no log-retention custom
 * resource), a role that may write to that log group only, JSON logs and active tracing.
 *
 * @example
 * const fn = bridgeFunction(this, 'Webhook', { entry: 'webhook', description: 'Sinch webhooks', memorySize: 512,
 *   timeout: Duration.seconds(10), environment: { SINCH_REGION: 'eu' }, logRetentionDays: 30 });
 */
export function bridgeFunction(scope: Construct, id: string, props: BridgeFunctionProps): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.logRetentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = logWriterRole(scope, `${id}Role`, logGroup);
  const common = {
    description: props.description,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    environment: props.environment,
    logGroup,
    role,
    loggingFormat: lambda.LoggingFormat.JSON,
    tracing: props.tracing === false ? lambda.Tracing.DISABLED : lambda.Tracing.ACTIVE,
    ...(props.reservedConcurrentExecutions === undefined
      ? {}
      : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
  } satisfies Partial<lambda.FunctionProps>;

  if (props.tracing !== false) acknowledge(role, NAG_ACKNOWLEDGEMENTS.xrayWildcard);
  const fn = createFunction(scope, id, props, common);
  acknowledge(fn, NAG_ACKNOWLEDGEMENTS.runtimeVersion);
  return fn;
}

function createFunction(
  scope: Construct,
  id: string,
  props: BridgeFunctionProps,
  common: Omit<lambda.FunctionProps, 'code' | 'handler'>,
): lambda.Function {
  const skipBundling = scope.node.tryGetContext(SKIP_BUNDLING_CONTEXT);
  if (props.code || skipBundling === true || skipBundling === 'true') {
    return new lambda.Function(scope, id, {
      ...common,
      handler: 'index.handler',
      code:
        props.code ??
        lambda.Code.fromInline(
          `exports.handler = async () => { throw new Error('synthesized with ${SKIP_BUNDLING_CONTEXT}: deploy a bundled build'); };`,
        ),
    });
  }
  return new NodejsFunction(scope, id, {
    ...common,
    entry: join(REPOSITORY_ROOT, FUNCTION_ENTRIES[props.entry]),
    projectRoot: REPOSITORY_ROOT,
    depsLockFilePath: join(REPOSITORY_ROOT, 'package-lock.json'),
    handler: 'handler',
    bundling: {
      format: OutputFormat.ESM,
      target: LAMBDA_BUNDLE.target,
      minify: LAMBDA_BUNDLE.minify,
      sourceMap: LAMBDA_BUNDLE.sourcemap,
      sourcesContent: LAMBDA_BUNDLE.sourcesContent,
      mainFields: [...LAMBDA_BUNDLE.mainFields],
      externalModules: [...LAMBDA_BUNDLE.external],
      banner: LAMBDA_BUNDLE.banner,
    },
  });
}

/**
 * A Lambda execution role that may write to one log group, instead of the AWS managed
 * AWSLambdaBasicExecutionRole (which allows every log group of the account).
 *
 * @example
 * const role = logWriterRole(this, 'FnRole', logGroup);
 */
export function logWriterRole(scope: Construct, id: string, logGroup: logs.ILogGroup): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  return role;
}

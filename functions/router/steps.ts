/**
 * The router's steps, in the order they run: the one list to edit when a step is added. Each
 * entry builds its step from the function's environment and answers `undefined` when its
 * variables are unset (the step is then off, e.g. in a stack without an archive).
 *
 * Order: lifecycle (delivery reports), suppression (opt-out keywords, OPT_IN/OPT_OUT), media
 * (copy jobs for inbound media), then archive last, so it archives each event together with what
 * the steps before it derived (`RoutedEvent.derived`); it dedupes by event id, since a retried
 * batch runs it again.
 */
import { archiveStep } from '../archive/archive-step';
import { lifecycleStepFromEnvironment } from '../lifecycle/lifecycle-step';
import { mediaStep } from '../media/media-step';
import { suppressionStepFromEnvironment } from '../suppression/suppression-step';
import type { RouterStep } from './router-step';

export type Environment = Readonly<Record<string, string | undefined>>;

/** What the router lends its steps for observability (Powertools behind it in Lambda). */
export interface RouterStepTools {
  /** Adds to a count metric of the router (namespace and service of the router function). */
  count(metric: string, value?: number): void;
  /** A structured log line; never message content or phone numbers above DEBUG. */
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}

/** Tools that drop everything (tests, and callers without logs). */
export const SILENT_TOOLS: RouterStepTools = { count: () => {}, log: () => {} };

/** A step factory: the step, or `undefined` when it is not configured. Throws on a wrong config. */
export type RouterStepFactory = (env: Environment, tools: RouterStepTools) => RouterStep | undefined;

export const ROUTER_STEP_FACTORIES: readonly RouterStepFactory[] = [
  lifecycleStepFromEnvironment,
  suppressionStepFromEnvironment,
  (env) => mediaStep(env),
  archiveStep,
];

/**
 * The configured steps, in order.
 *
 * @example
 * const steps = createRouterSteps(process.env); // e.g. [archive, lifecycle]
 */
export function createRouterSteps(
  env: Environment,
  factories: readonly RouterStepFactory[] = ROUTER_STEP_FACTORIES,
  tools: RouterStepTools = SILENT_TOOLS,
): RouterStep[] {
  return factories
    .map((factory) => factory(env, tools))
    .filter((step): step is RouterStep => step !== undefined);
}

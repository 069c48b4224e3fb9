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
import { mediaStep } from '../media/media-step';
import type { RouterStep } from './router-step';

export type Environment = Readonly<Record<string, string | undefined>>;

/** A step factory: the step, or `undefined` when it is not configured. Throws on a wrong config. */
export type RouterStepFactory = (env: Environment) => RouterStep | undefined;

export const ROUTER_STEP_FACTORIES: readonly RouterStepFactory[] = [
  // lifecycle: (env) => lifecycleStep(env),
  // suppression: (env) => suppressionStep(env),
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
): RouterStep[] {
  return factories.map((factory) => factory(env)).filter((step): step is RouterStep => step !== undefined);
}

import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Action } from './access-policy';

/** Metadata key of the action a route requires (set by @Requires). */
export const REQUIRED_ACTION = 'geopulse:required-action';
/** The OpenAPI extension on every operation that names its action. */
export const ACTION_EXTENSION = 'x-geopulse-action';

/** The action a route (its handler, or its controller) declared with @Requires. */
export function requiredAction(reflector: Reflector, ctx: ExecutionContext): Action | undefined {
  return reflector.getAllAndOverride<Action | undefined>(REQUIRED_ACTION, [ctx.getHandler(), ctx.getClass()]);
}

/** Metadata key (and OpenAPI extension) of a route whose action is decided per resource by its use case, not by roles in the guard. */
export const DECIDED_PER_RESOURCE = 'x-geopulse-decided-per-resource';

/** Whether the route's use case asks the Authorizer itself (@RequiresPerResource). */
export function decidedPerResource(reflector: Reflector, ctx: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean | undefined>(DECIDED_PER_RESOURCE, [ctx.getHandler(), ctx.getClass()]) === true;
}

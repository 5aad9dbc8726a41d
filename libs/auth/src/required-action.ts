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

/** OpenAPI extension of a route whose action is decided per resource by its use case (@RequiresPerResource), not by the guard. */
export const DECIDED_PER_RESOURCE = 'x-geopulse-decided-per-resource';


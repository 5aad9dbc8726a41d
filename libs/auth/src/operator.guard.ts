import {
  applyDecorators,
  createParamDecorator,
  Inject,
  Injectable,
  Optional,
  SetMetadata,
  UseInterceptors,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension, ApiResponse } from '@nestjs/swagger';
import { describeResourceRequirement, isAllowed, isWriteAction, rolesGranting, type Action } from './access-policy';
import { AUDIT_LOG, AuditInterceptor, auditOutcomeOf, type AuditLog } from './audit-log';
import { AUTHORIZER, RoleAuthorizer, type AuthorizationDecision, type Authorizer, type ResourceRef } from './authorizer';
import { AuthError, bearerToken, OperatorTokenVerifier, type Operator } from './operator-token';
import { ACTION_EXTENSION, DECIDED_PER_RESOURCE, REQUIRED_ACTION, requiredAction } from './required-action';

export interface AuthenticatedRequest {
  method?: string;
  path?: string;
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string | undefined>;
  operator?: Operator;
}

export const OPERATOR_TOKEN_VERIFIER = Symbol('OPERATOR_TOKEN_VERIFIER');

/** 403 unless one of the operator's roles grants the action. */
export function authorize(operator: Operator, action: Action): void {
  if (isAllowed(operator.roles, action)) return;
  const held = operator.roles.length > 0 ? `roles ${operator.roles.join(', ')}` : 'no roles';
  throw new AuthError('FORBIDDEN', `this token (${held}) does not grant ${action}; it needs role ${rolesGranting(action).join(' or ')}`, { action });
}

/** The entity type of a route's first path segment (`/v1/rules/...` -> `Rule`). */
const COLLECTION_TYPES: Readonly<Record<string, string>> = {
  devices: 'Device',
  rules: 'Rule',
  alerts: 'Alert',
  geofences: 'Geofence',
  subscriptions: 'Subscription',
  notifications: 'Notification',
  policies: 'Policy',
  telemetry: 'Device',
  stream: 'Notification',
};

/**
 * What a route acts on: the entity its path names (`/v1/devices/{id}/...` -> Device `id`), or the
 * caller's tenant for collection routes. Storage is tenant-scoped, so the tenant is the caller's.
 */
export function resourceOfRoute(path: string | undefined, id: string | undefined, tenant: string): ResourceRef {
  const collection = (path ?? '').split('/').filter(Boolean)[1] ?? '';
  const type = COLLECTION_TYPES[collection];
  return type && id ? { type, id, tenant } : { type: 'Tenant', id: tenant, tenant };
}

/**
 * Actions whose decision needs what only the handler knows (the command and its arguments, the
 * device's owner and tags): the guard authenticates, the handler asks the Authorizer.
 */
export const HANDLER_DECIDED_ACTIONS: readonly Action[] = ['command:send'];

/** The 403 of a denied decision: the deciding forbid policies, or that no policy permits it. */
export function forbidden(operator: Operator, action: Action, decision: AuthorizationDecision): AuthError {
  const held = operator.roles.length > 0 ? `roles ${operator.roles.join(', ')}` : 'no roles';
  const why =
    decision.policyIds.length > 0
      ? `denied by policy ${decision.policyIds.join(', ')}`
      : `no policy permits it (built-in: role ${rolesGranting(action).join(' or ')})`;
  return new AuthError('FORBIDDEN', `this token (${held}) does not grant ${action}: ${why}`, { action, policyIds: decision.policyIds });
}

/**
 * Declares what a route does: the guard enforces it, writes are audited, and OpenAPI shows it
 * (`x-geopulse-action`, a 403 answer, and a sentence appended to the description at start-up).
 */
export function Requires(action: Action): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_ACTION, action),
    ApiExtension(ACTION_EXTENSION, action),
    ApiResponse({
      status: 403,
      description: `No policy permits \`${action}\` (the built-in role table, or the tenant's policies), or a policy forbids it; \`policyIds\` names the deciding policies`,
      schema: {
        example: { code: 'FORBIDDEN', message: `this token (roles viewer) does not grant ${action}: no policy permits it (built-in: role ${rolesGranting(action).join(' or ')})`, action, policyIds: [] },
      },
    }),
    UseInterceptors(AuditInterceptor),
  );
}

/**
 * Like @Requires, for a route whose decision needs what only its use case knows (the device, its
 * owner and tags, the command, the tenant's local time): the guard only authenticates, and the use
 * case asks the Authorizer (`isAuthorized`) and answers 403 FORBIDDEN naming the action and the
 * deciding policies. So a user without an operator role (a guest, a utility) still reaches the
 * policies that may permit them. Used by `POST /v1/devices/{id}/commands` (`command:send`); the
 * guard skips the actions listed in HANDLER_DECIDED_ACTIONS, and this decorator documents it.
 */
export function RequiresPerResource(action: Action): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_ACTION, action),
    ApiExtension(ACTION_EXTENSION, action),
    ApiExtension(DECIDED_PER_RESOURCE, true),
    ApiResponse({ status: 403, description: describeResourceRequirement(action), schema: { example: { code: 'FORBIDDEN', message: 'setTemperature on device thermostat-1 is not allowed for gary: denied by thermostat-guest-only-72-to-78f', action, policyIds: ['thermostat-guest-only-72-to-78f'] } } }),
    UseInterceptors(AuditInterceptor),
  );
}

/**
 * Nest guard for management routes: a valid operator JWT (else 401 naming the reason), then the
 * service's Authorizer (Cedar: built-in role policies + the tenant's policies) decides the
 * route's declared action on the route's resource (else 403 naming the action and the deciding
 * policies). Every decision is logged. A route without a declared action fails closed.
 */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(
    @Inject(OPERATOR_TOKEN_VERIFIER) private readonly verifier: OperatorTokenVerifier,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Optional() @Inject(AUDIT_LOG) private readonly audit?: AuditLog,
    @Optional() @Inject(AUTHORIZER) private readonly authorizer: Authorizer = new RoleAuthorizer(),
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const action = requiredAction(this.reflector, ctx);
    if (!action) throw new Error(`${ctx.getClass().name}.${ctx.getHandler().name} declares no action (@Requires); refusing the request`);
    const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    try {
      const header = request.headers.authorization;
      const token = bearerToken(Array.isArray(header) ? header[0] : header);
      if (!token) throw new AuthError('MISSING_TOKEN', 'send an operator JWT as "Authorization: Bearer <token>"');
      const operator = await this.verifier.verify(token);
      request.operator = operator;
      if (HANDLER_DECIDED_ACTIONS.includes(action)) return true;
      const principal = { type: 'User' as const, id: operator.sub, tenant: operator.tenant, roles: operator.roles };
      const resource = resourceOfRoute(request.path, request.params?.['id'], operator.tenant);
      const decision = await this.authorizer.isAuthorized({ principal, action, resource });
      if (!decision.allowed) throw forbidden(operator, action, decision);
      return true;
    } catch (err) {
      if (err instanceof AuthError && isWriteAction(action)) this.audit?.record(auditOutcomeOf(request, action, err));
      throw err;
    }
  }
}

/** The verified operator of the request (use on routes behind OperatorGuard). */
export const CurrentOperator = createParamDecorator((_data: unknown, ctx: ExecutionContext): Operator => {
  const operator = ctx.switchToHttp().getRequest<AuthenticatedRequest>().operator;
  if (!operator) throw new AuthError('MISSING_TOKEN', 'route requires an operator token');
  return operator;
});

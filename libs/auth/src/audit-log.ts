import { Inject, Injectable, Optional, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { tap, type Observable } from 'rxjs';
import { isWriteAction, type Action } from './access-policy';
import { AuthError, type Operator } from './operator-token';
import { requiredAction } from './required-action';

/**
 * One audited write: who (tenant, sub), what (action, resource), and how it ended. Never the
 * token, never the request body. The trace id is added by the log writer from the active span.
 */
export interface AuditEntry {
  tenant?: string;
  sub?: string;
  action: Action;
  /** The resource's path, e.g. `/v1/rules/cold-office` (a created resource's id included). */
  resource: string;
  outcome: 'success' | 'denied' | 'unauthenticated' | 'failure';
  status: number;
  /** The error code of a refused or failed write. */
  code?: string;
}

/** Where audit lines go (one structured JSON line each; see service-runtime). */
export interface AuditLog {
  record(entry: AuditEntry): void;
}

export const AUDIT_LOG = Symbol('AUDIT_LOG');

interface AuditedRequest {
  method?: string;
  path?: string;
  operator?: Operator;
}

function actorOf(request: AuditedRequest): { tenant?: string; sub?: string } {
  return request.operator ? { tenant: request.operator.tenant, sub: request.operator.sub } : {};
}

/** The entry of a write refused by authentication (401) or authorization (403). */
export function auditOutcomeOf(request: AuditedRequest, action: Action, err: AuthError): AuditEntry {
  const forbidden = err.code === 'FORBIDDEN';
  return {
    ...actorOf(request),
    action,
    resource: request.path ?? '',
    outcome: forbidden ? 'denied' : 'unauthenticated',
    status: forbidden ? 403 : 401,
    code: err.code,
  };
}

/** The id of what a POST to a collection created, when the answer names it. */
function createdId(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const value = result as { id?: unknown; deviceId?: unknown; device?: { deviceId?: unknown } };
  for (const candidate of [value.id, value.deviceId, value.device?.deviceId]) if (typeof candidate === 'string') return candidate;
  return undefined;
}

function resourceOf(request: AuditedRequest, result: unknown): string {
  const path = request.path ?? '';
  const id = request.method === 'POST' ? createdId(result) : undefined;
  return id !== undefined && !path.split('/').includes(id) ? `${path}/${id}` : path;
}

function statusOf(err: unknown): { status: number; code?: string } {
  const e = err as { status?: unknown; code?: unknown; getStatus?: () => number };
  const status = typeof e?.status === 'number' ? e.status : typeof e?.getStatus === 'function' ? e.getStatus() : 500;
  return { status, ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}

/**
 * Writes one audit line for every operator write (a route whose declared action is a write)
 * once the handler has answered or failed. Refusals are recorded by the guard itself; writes
 * by devices with their keys (telemetry) are not operator actions and are not audited.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Optional() @Inject(AUDIT_LOG) private readonly audit?: AuditLog,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = requiredAction(this.reflector, ctx);
    const audit = this.audit;
    if (!audit || !action || !isWriteAction(action)) return next.handle();
    const http = ctx.switchToHttp();
    const request = http.getRequest<AuditedRequest>();
    if (!request.operator) return next.handle();
    const response = http.getResponse<{ statusCode?: number }>();
    return next.handle().pipe(
      tap({
        next: (result) => audit.record({ ...actorOf(request), action, resource: resourceOf(request, result), outcome: 'success', status: response.statusCode ?? 200 }),
        error: (err: unknown) => {
          // A use case that decides per resource (@RequiresPerResource) refuses like the guard does.
          if (err instanceof AuthError) {
            audit.record(auditOutcomeOf(request, action, err));
            return;
          }
          const failure = statusOf(err);
          audit.record({ ...actorOf(request), action, resource: resourceOf(request, undefined), outcome: 'failure', ...failure });
        },
      }),
    );
  }
}

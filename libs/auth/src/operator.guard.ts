import { createParamDecorator, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AuthError, bearerToken, OperatorTokenVerifier, type Operator } from './operator-token';

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  operator?: Operator;
}

export const OPERATOR_TOKEN_VERIFIER = Symbol('OPERATOR_TOKEN_VERIFIER');

/** Nest guard for management routes: a valid operator JWT, or 401 with a reason. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(@Inject(OPERATOR_TOKEN_VERIFIER) private readonly verifier: OperatorTokenVerifier) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const token = bearerToken(Array.isArray(header) ? header[0] : header);
    if (!token) throw new AuthError('MISSING_TOKEN', 'send an operator JWT as "Authorization: Bearer <token>"');
    request.operator = await this.verifier.verify(token);
    return true;
  }
}

/** The verified operator of the request (use on routes behind OperatorGuard). */
export const CurrentOperator = createParamDecorator((_data: unknown, ctx: ExecutionContext): Operator => {
  const operator = ctx.switchToHttp().getRequest<AuthenticatedRequest>().operator;
  if (!operator) throw new AuthError('MISSING_TOKEN', 'route requires an operator token');
  return operator;
});

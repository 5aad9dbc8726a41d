import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AuthError, authorize, bearerToken, OPERATOR_TOKEN_VERIFIER, OperatorTokenVerifier, type Operator } from '@geopulse/auth';
import { AuthenticateDevice } from '../../application/authenticate-device';
import { isDeviceKeyToken } from '../../domain/device-key';
import { toHttpError } from './error-mapping';
import { rejectedReadings } from '../ingest-metrics';

/** Who sends telemetry: a device (its key) or an operator (JWT, for backfills and gateways). */
export type TelemetryPrincipal = { kind: 'device'; tenantId: string; deviceId: string } | { kind: 'operator'; tenantId: string };

export interface TelemetryRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: TelemetryPrincipal;
  /** The operator, when the caller used a JWT (audited like every operator write). */
  operator?: Operator;
}

/**
 * `Authorization: Bearer gpk_...` is a device key (no role applies: a key writes its own
 * device); any other bearer token must be an operator JWT whose roles grant `telemetry:write`.
 */
@Injectable()
export class TelemetryAuthGuard implements CanActivate {
  constructor(
    @Inject(OPERATOR_TOKEN_VERIFIER) private readonly operators: OperatorTokenVerifier,
    @Inject(AuthenticateDevice) private readonly devices: AuthenticateDevice,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const request = ctx.switchToHttp().getRequest<TelemetryRequest>();
    const header = request.headers.authorization;
    const token = bearerToken(Array.isArray(header) ? header[0] : header);
    try {
      if (!token) throw new AuthError('MISSING_TOKEN', 'send a device key or an operator JWT as "Authorization: Bearer <token>"');
      if (isDeviceKeyToken(token)) {
        const device = await this.devices.execute(token);
        request.principal = { kind: 'device', tenantId: device.tenantId, deviceId: device.deviceId };
      } else {
        const operator = await this.operators.verify(token);
        request.operator = operator;
        authorize(operator, 'telemetry:write');
        request.principal = { kind: 'operator', tenantId: operator.tenant };
      }
      return true;
    } catch (err) {
      rejectedReadings.inc({ reason: (err as { code?: string }).code ?? 'AUTH', transport: 'http' });
      throw toHttpError(err);
    }
  }
}

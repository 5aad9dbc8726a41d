import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { OperatorAuthSettings } from '@geopulse/config';

/** Who is calling a management API, from a verified JWT. */
export interface Operator {
  sub: string;
  tenant: string;
  roles: string[];
}

export type AuthFailure = 'MISSING_TOKEN' | 'INVALID_TOKEN' | 'EXPIRED_TOKEN' | 'NO_TENANT' | 'FORBIDDEN';

export class AuthError extends Error {
  constructor(
    readonly code: AuthFailure,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

const TENANT = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$/;

/** Verifies operator JWTs: HS256 with the development secret, or RS/ES via an OIDC JWKS. */
export class OperatorTokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly settings: OperatorAuthSettings) {
    if (settings.kind === 'secret') {
      this.key = new TextEncoder().encode(settings.secret);
      this.algorithms = ['HS256'];
    } else {
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
      this.algorithms = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256'];
    }
  }

  async verify(token: string): Promise<Operator> {
    let payload: JWTPayload;
    try {
      const options = { algorithms: this.algorithms, issuer: this.settings.issuer, audience: this.settings.audience, clockTolerance: 5 };
      const result =
        this.key instanceof Uint8Array ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      payload = result.payload;
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new AuthError('EXPIRED_TOKEN', 'the token has expired');
      throw new AuthError('INVALID_TOKEN', 'the token is not valid for this service');
    }
    const tenant = payload.tenant ?? payload['custom:tenant'];
    if (typeof tenant !== 'string' || !TENANT.test(tenant)) {
      throw new AuthError('NO_TENANT', 'the token carries no valid "tenant" claim');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    return { sub: payload.sub ?? 'unknown', tenant, roles };
  }
}

/** Extracts the bearer token from an Authorization header value. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** A development operator token (HS256), as printed by the local stack and used by tests. */
export async function signDevelopmentToken(
  secret: string,
  claims: { sub: string; tenant: string; roles?: string[] },
  ttlSeconds = 12 * 3600,
): Promise<string> {
  return new SignJWT({ tenant: claims.tenant, roles: claims.roles ?? ['admin'] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(new TextEncoder().encode(secret));
}

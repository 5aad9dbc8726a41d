import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { OperatorAuthSettings } from '@geopulse/config';

/** Who is calling a management API, from a verified JWT. */
export interface Operator {
  sub: string;
  tenant: string;
  roles: string[];
}

export type AuthFailure =
  | 'MISSING_TOKEN'
  | 'INVALID_TOKEN'
  | 'EXPIRED_TOKEN'
  | 'MISSING_CLAIM'
  | 'INVALID_CLAIM'
  | 'TOKEN_LIFETIME_TOO_LONG'
  | 'FORBIDDEN';

/** The claims every operator JWT must carry. */
export type RequiredClaim = 'exp' | 'sub' | 'tenant';

export class AuthError extends Error {
  constructor(
    readonly code: AuthFailure,
    message: string,
    /** The claim at fault (401) or the action the token lacked (403), for machines. */
    readonly details: { claim?: RequiredClaim | 'iat'; action?: string; policyIds?: readonly string[] } = {},
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

const TENANT = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$/;
export const DEFAULT_MAX_LIFETIME_SECONDS = 86_400;
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/**
 * Algorithms accepted from an OIDC JWKS: asymmetric only, so a JWKS deployment can never be
 * fooled into HMAC with a public key. jose additionally refuses a header `alg` that differs
 * from the selected JWK's own `alg`, and one that does not fit the key's type.
 */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

const missing = (claim: RequiredClaim, why: string) => new AuthError('MISSING_CLAIM', `the token carries no "${claim}" claim; ${why}`, { claim });

/**
 * Verifies operator JWTs: HS256 with the development secret, or the JWKS key's own algorithm
 * via OIDC. Beyond the signature: `exp`, `sub` and the tenant claim are required, the lifetime
 * (exp - iat, or exp - now) is bounded, and clocks may differ by a small configured skew.
 */
export class OperatorTokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly maxLifetimeSeconds: number;
  private readonly clockSkewSeconds: number;

  constructor(
    private readonly settings: OperatorAuthSettings,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.maxLifetimeSeconds = settings.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
    this.clockSkewSeconds = settings.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    if (settings.kind === 'secret') {
      this.key = new TextEncoder().encode(settings.secret);
      this.algorithms = ['HS256'];
    } else {
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
      this.algorithms = JWKS_ALGORITHMS;
    }
  }

  async verify(token: string): Promise<Operator> {
    const payload = await this.verifySignature(token);
    return this.checkClaims(payload);
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    const options = {
      algorithms: this.algorithms,
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      clockTolerance: this.clockSkewSeconds,
      currentDate: new Date(this.nowSeconds() * 1000),
    };
    try {
      const result = this.key instanceof Uint8Array ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      return result.payload;
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new AuthError('EXPIRED_TOKEN', 'the token has expired');
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf') throw new AuthError('INVALID_TOKEN', 'the token is not valid yet (nbf)');
      throw new AuthError('INVALID_TOKEN', 'the token is not valid for this service');
    }
  }

  /** Claim rules on a payload whose signature, exp and nbf jose has already checked. */
  private checkClaims(payload: JWTPayload): Operator {
    const now = this.nowSeconds();
    if (typeof payload.exp !== 'number') throw missing('exp', 'operator tokens must expire');
    if (typeof payload.sub !== 'string' || payload.sub.trim() === '') throw missing('sub', 'it names who acts and is recorded on every change');
    const tenant = payload.tenant ?? payload['custom:tenant'];
    if (tenant === undefined) throw missing('tenant', 'it names the tenant the token acts in');
    if (typeof tenant !== 'string' || !TENANT.test(tenant)) {
      throw new AuthError('INVALID_CLAIM', 'the "tenant" claim must be 1-64 letters, digits and . _ ~ -', { claim: 'tenant' });
    }
    if (payload.iat !== undefined && payload.iat > now + this.clockSkewSeconds) {
      throw new AuthError('INVALID_CLAIM', 'the token is issued in the future ("iat")', { claim: 'iat' });
    }
    const lifetime = payload.exp - (payload.iat ?? now);
    if (lifetime > this.maxLifetimeSeconds + this.clockSkewSeconds) {
      throw new AuthError(
        'TOKEN_LIFETIME_TOO_LONG',
        `the token is valid for ${lifetime} s (exp - ${payload.iat === undefined ? 'now' : 'iat'}); this service accepts at most ${this.maxLifetimeSeconds} s (GEOPULSE_JWT_MAX_LIFETIME)`,
        { claim: 'exp' },
      );
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    return { sub: payload.sub, tenant, roles };
  }
}

/** Extracts the bearer token from an Authorization header value. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * A development operator token (HS256), as printed by the local stack and used by tests: it
 * carries sub, tenant, roles (default admin), iat and exp (12 h by default, within the default
 * GEOPULSE_JWT_MAX_LIFETIME of 24 h).
 */
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

import { signDevelopmentToken } from '@geopulse/auth';

export type TokenSettings = { kind: 'given'; token: string } | { kind: 'signed'; secret: string; tenant: string };

const TOKEN_TTL_S = 12 * 3600;
const RESIGN_AFTER_MS = 3600_000;

/**
 * The operator token the feed posts with: the one given (GEOPULSE_TOKEN), or a development
 * token signed with GEOPULSE_JWT_SECRET for GEOPULSE_TENANT and re-signed every hour, so a
 * simulator left running for days never posts with an expired token.
 */
export class OperatorTokenSource {
  private signed?: { token: string; atMs: number };

  constructor(
    private readonly settings: TokenSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<string> {
    if (this.settings.kind === 'given') return this.settings.token;
    const nowMs = this.now();
    if (!this.signed || nowMs - this.signed.atMs >= RESIGN_AFTER_MS) {
      const token = await signDevelopmentToken(this.settings.secret, { sub: 'simulator', tenant: this.settings.tenant }, TOKEN_TTL_S);
      this.signed = { token, atMs: nowMs };
    }
    return this.signed.token;
  }
}

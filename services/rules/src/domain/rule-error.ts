import { DomainError } from '@geopulse/contracts';
import type { RuleIssue } from './rule';

export type RuleErrorCode = 'INVALID_RULE' | 'RULE_NOT_FOUND' | 'RULE_EXISTS' | 'RULE_CONFLICT' | 'INVALID_QUERY' | 'TENANT_LIMIT_REACHED' | 'ALERT_NOT_FOUND' | 'BACKTEST_NOT_FOUND' | 'BACKTEST_TOO_LARGE';

/** The rules feature's one error class; the HTTP adapter maps the code to a status (adapters/http/error-mapping.ts). */
export class RuleError extends DomainError<RuleErrorCode, RuleIssue> {}

import { errorMapping, httpErrors } from '@geopulse/service-runtime';
import { RuleError } from '../../domain/rule-error';

/** The rules service's errors as HTTP answers; anything else is rethrown (500, logged once). */
export const { mapped, toHttpError } = httpErrors(
  errorMapping(RuleError, { INVALID_RULE: 400, INVALID_QUERY: 400, RULE_NOT_FOUND: 404, RULE_EXISTS: 409, RULE_CONFLICT: 409, TENANT_LIMIT_REACHED: 409, ALERT_NOT_FOUND: 404, BACKTEST_NOT_FOUND: 404, BACKTEST_TOO_LARGE: 422 }),
);

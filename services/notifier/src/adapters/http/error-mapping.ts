import { errorMapping, httpErrors } from '@geopulse/service-runtime';
import { NotifierError } from '../../domain/notifier-error';

/** The notifier's errors as HTTP answers; anything else is rethrown (500, logged once). */
export const { mapped, toHttpError } = httpErrors(
  errorMapping(NotifierError, {
    INVALID_SUBSCRIPTION: 400,
    WEBHOOK_URL_REFUSED: 400,
    INVALID_QUERY: 400,
    SUBSCRIPTION_NOT_FOUND: 404,
    SUBSCRIPTION_EXISTS: 409,
    CONCURRENT_UPDATE: 409,
    TENANT_LIMIT_REACHED: 409,
  }),
);

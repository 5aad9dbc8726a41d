import { errorMapping, httpErrors } from '@geopulse/service-runtime';
import { AggregatorError } from '../../domain/aggregator-error';

/** The aggregator's errors as HTTP answers; anything else is rethrown (500, logged once). */
export const { mapped, toHttpError } = httpErrors(errorMapping(AggregatorError, { INVALID_QUERY: 400, INVALID_CURSOR: 400, DEVICE_NOT_FOUND: 404 }));

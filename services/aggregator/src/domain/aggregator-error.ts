import { DomainError } from '@geopulse/contracts';

export type AggregatorErrorCode = 'INVALID_QUERY' | 'INVALID_CURSOR' | 'DEVICE_NOT_FOUND';

/** The aggregator's one error class; the HTTP adapter maps the code to a status (adapters/http/error-mapping.ts). */
export class AggregatorError extends DomainError<AggregatorErrorCode> {}

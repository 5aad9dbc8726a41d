import { DomainError } from '@geopulse/contracts';

export type NotifierErrorCode =
  | 'INVALID_SUBSCRIPTION'
  | 'WEBHOOK_URL_REFUSED'
  | 'SUBSCRIPTION_NOT_FOUND'
  | 'SUBSCRIPTION_EXISTS'
  | 'CONCURRENT_UPDATE'
  | 'INVALID_QUERY'
  | 'TENANT_LIMIT_REACHED';

/** The notifier's one error class; the HTTP adapter maps the code to a status (adapters/http/error-mapping.ts). */
export class NotifierError extends DomainError<NotifierErrorCode> {}

import type { FieldProblem } from './subscription';

export type NotifierErrorCode =
  | 'INVALID_SUBSCRIPTION'
  | 'WEBHOOK_URL_REFUSED'
  | 'SUBSCRIPTION_NOT_FOUND'
  | 'SUBSCRIPTION_EXISTS'
  | 'CONCURRENT_UPDATE'
  | 'INVALID_QUERY';

/** The notifier's one exception: a code the edges map (HTTP status), the message and the offending paths. */
export class NotifierError extends Error {
  constructor(
    readonly code: NotifierErrorCode,
    message: string,
    readonly issues: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'NotifierError';
  }
}

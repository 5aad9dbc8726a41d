import { DomainError, type ValidationIssue } from '@geopulse/contracts';

export type IngestErrorCode =
  | 'MALFORMED_JSON'
  | 'EMPTY_BODY'
  | 'INVALID_READING'
  | 'BATCH_TOO_LARGE'
  | 'READING_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'DEVICE_MISMATCH'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'KAFKA_UNAVAILABLE';

/** The one error type of the ingest feature; mapped to HTTP or dead-letter at the edges. */
export class IngestError extends DomainError<IngestErrorCode, ValidationIssue> {
  constructor(
    code: IngestErrorCode,
    message: string,
    issues: ValidationIssue[] = [],
    /** For RATE_LIMITED and OVERLOADED: when to retry. */
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message, issues);
  }
}

import type { DeadLetterReason } from './dead-letters';

/**
 * What a consumer does with a failure, decided in one place (docs/decisions/0011):
 * a temporary dependency failure is retried with bounded backoff; anything a retry cannot fix
 * is dead-lettered with a DeadLetterReason and the partition moves on. Plain code, no
 * client libraries: errors are recognised by their shape (name, code, type, status).
 */
export type FailureClass = { kind: 'retriable'; detail: string } | { kind: 'non-retriable'; reason: DeadLetterReason; detail: string };

/** A failure a retry cannot fix; throw it from a handler to have its record(s) dead-lettered. */
export class NonRetriableError extends Error {
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
  ) {
    super(message);
    this.name = 'NonRetriableError';
  }
}

/** A record larger than the broker accepts: never sent, dead-lettered instead. */
export class RecordTooLargeError extends NonRetriableError {
  constructor(
    message: string,
    /** Positions in the publish's input of the records that do not fit. */
    readonly indexes: readonly number[] = [],
  ) {
    super('record-too-large', message);
    this.name = 'RecordTooLargeError';
  }
}

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  type?: unknown;
  retriable?: unknown;
  status?: unknown;
  statusCode?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
  cause?: unknown;
  originalError?: unknown;
  message?: unknown;
}

/** Network-level failures: the other side is down, slow or restarting. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
/** Throttling and temporary unavailability of DynamoDB and other AWS services. */
const THROTTLING_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionInProgressException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);
/** kafkajs errors of an unreachable or rebalancing cluster. */
const KAFKA_UNAVAILABLE_NAMES = new Set(['KafkaUnavailableError', 'KafkaJSConnectionError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound', 'KafkaJSLockTimeout', 'KafkaJSConnectionClosedError']);
/** Redis answers that mean "not now" (failover, loading, cluster resharding). */
const REDIS_TEMPORARY = /^(LOADING|READONLY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY)\b|Connection is closed|Stream isn't writeable|Reached the max retries per request/;
const MESSAGE_TOO_LARGE = /MESSAGE_TOO_LARGE|larger than the max message size/i;

/** The error and its causes, outermost first (kafkajs wraps in originalError, others in cause). */
function causeChain(err: unknown): ErrorShape[] {
  const chain: ErrorShape[] = [];
  let current: unknown = err;
  while (current !== null && typeof current === 'object' && chain.length < 8) {
    const shape = current as ErrorShape;
    chain.push(shape);
    current = shape.originalError ?? shape.cause;
  }
  return chain;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'unknown failure';
}

/**
 * Retriable or not, and if not, the dead-letter reason. Unknown errors count as retriable:
 * a failure nobody recognised should stall the partition and fail readiness (so Kubernetes
 * and operators see it) rather than silently dead-letter good records.
 */
export function classifyFailure(err: unknown): FailureClass {
  const detail = messageOf(err);
  for (const e of causeChain(err)) {
    if (e instanceof NonRetriableError) return { kind: 'non-retriable', reason: e.reason, detail };
    if (e.type === 'MESSAGE_TOO_LARGE' || (typeof e.message === 'string' && MESSAGE_TOO_LARGE.test(e.message))) {
      return { kind: 'non-retriable', reason: 'record-too-large', detail };
    }
    if (e.name === 'CloudEventDecodeError') return { kind: 'non-retriable', reason: 'undecodable', detail };
    if (e instanceof SyntaxError || e.name === 'SchemaError' || e.name === 'ValidationException') return { kind: 'non-retriable', reason: 'schema', detail };
  }
  for (const e of causeChain(err)) {
    if (typeof e.name === 'string' && (KAFKA_UNAVAILABLE_NAMES.has(e.name) || THROTTLING_NAMES.has(e.name))) return { kind: 'retriable', detail };
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return { kind: 'retriable', detail };
    if (e.retriable === true || e.$retryable !== undefined) return { kind: 'retriable', detail };
    const status = [e.status, e.statusCode, e.$metadata?.httpStatusCode].find((s): s is number => typeof s === 'number');
    if (status !== undefined && (status >= 500 || status === 429)) return { kind: 'retriable', detail };
    if (typeof e.message === 'string' && REDIS_TEMPORARY.test(e.message)) return { kind: 'retriable', detail };
  }
  return { kind: 'retriable', detail };
}

/** Exponential backoff with full jitter, bounded by `maxMs`: attempt 1 waits up to initialMs. */
export function retryDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

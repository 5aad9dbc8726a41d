import { CloudEventDecodeError } from '@geopulse/contracts';
import { classifyFailure, NonRetriableError, RecordTooLargeError, retryDelayMs } from './failure-classification';

const error = (message: string, fields: Record<string, unknown> = {}): Error => Object.assign(new Error(message), fields);

describe('classifyFailure', () => {
  it.each([
    ['Kafka unavailable', error('Kafka did not acknowledge the write', { name: 'KafkaUnavailableError' })],
    ['a kafkajs connection error', error('Connection error', { name: 'KafkaJSConnectionError' })],
    ['a kafkajs request timeout', error('Request timed out', { name: 'KafkaJSRequestTimeoutError' })],
    ['a retriable kafkajs protocol error', error('leader not available', { name: 'KafkaJSProtocolError', type: 'LEADER_NOT_AVAILABLE', retriable: true })],
    ['Redis refusing connections', error('connect ECONNREFUSED 127.0.0.1:6379', { code: 'ECONNREFUSED' })],
    ['a closed Redis connection', error('Connection is closed.')],
    ['Redis failing over', error('READONLY You can\'t write against a read only replica.')],
    ['ioredis out of retries', error('Reached the max retries per request limit (which is 20).', { name: 'MaxRetriesPerRequestError' })],
    ['DynamoDB throttling', error('Rate exceeded', { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } })],
    ['DynamoDB 5xx', error('Internal', { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } })],
    ['an HTTP 503', error('Service Unavailable', { status: 503 })],
    ['an HTTP 429', error('Too Many Requests', { statusCode: 429 })],
    ['a network error inside a wrapper', error('delivery failed', { cause: error('socket hang up', { code: 'ECONNRESET' }) })],
    ['an error nobody recognises (it stalls and fails readiness)', new Error('something odd')],
  ])('retries %s', (_, err) => {
    expect(classifyFailure(err).kind).toBe('retriable');
  });

  it.each([
    ['a record over the broker limit (kafkajs)', error('The request included a message larger than the max message size the server will accept', { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false }), 'record-too-large'],
    ['the same wrapped in retries exhausted', error('retries exceeded', { name: 'KafkaJSNumberOfRetriesExceeded', originalError: error('x', { type: 'MESSAGE_TOO_LARGE' }) }), 'record-too-large'],
    ['our own oversize error', new RecordTooLargeError('too big', [3]), 'record-too-large'],
    ['an undecodable record', new CloudEventDecodeError('invalid-json', 'Unexpected token'), 'undecodable'],
    ['a parse error', new SyntaxError('Unexpected token } in JSON'), 'schema'],
    ['a DynamoDB validation error (e.g. item too large)', error('Item size has exceeded the maximum allowed size', { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }), 'schema'],
    ['a handler error marked non-retriable', new NonRetriableError('poison-record', 'cannot evaluate'), 'poison-record'],
  ])('dead-letters %s', (_, err, reason) => {
    expect(classifyFailure(err)).toEqual({ kind: 'non-retriable', reason, detail: (err as Error).message });
  });

  it('prefers non-retriable when a wrapper says retriable but the cause cannot be fixed by retrying', () => {
    const err = error('send failed', { name: 'KafkaUnavailableError', cause: new RecordTooLargeError('too big') });
    expect(classifyFailure(err)).toMatchObject({ kind: 'non-retriable', reason: 'record-too-large' });
  });

  it('handles values that are not errors', () => {
    expect(classifyFailure('boom')).toEqual({ kind: 'retriable', detail: 'boom' });
    expect(classifyFailure(undefined).kind).toBe('retriable');
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially and stays within the bound', () => {
    const top = (attempt: number) => retryDelayMs(attempt, 100, 5_000, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(top)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(retryDelayMs(3, 100, 5_000, () => 0)).toBe(200);
  });
});

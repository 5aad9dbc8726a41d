import { IngestError } from './ingest-error';
import { readingsOfBody } from './telemetry-body';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof IngestError) return err.code;
    throw err;
  }
  throw new Error('expected an IngestError');
}

const body = (s: string) => Buffer.from(s);

describe('readingsOfBody', () => {
  it('reads a single reading, a batch and NDJSON', () => {
    expect(readingsOfBody('application/json', body('{"ts":1}'), 10)).toEqual([{ ts: 1 }]);
    expect(readingsOfBody('application/json; charset=utf-8', body('{"readings":[{"ts":1},{"ts":2}]}'), 10)).toHaveLength(2);
    expect(readingsOfBody('application/x-ndjson', body('{"ts":1}\n{"ts":2}\n'), 10)).toEqual([{ ts: 1 }, { ts: 2 }]);
  });

  it('answers each kind of bad body with its own code', () => {
    expect(codeOf(() => readingsOfBody('text/plain', body('{}'), 10))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(codeOf(() => readingsOfBody(undefined, body('{}'), 10))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(codeOf(() => readingsOfBody('application/json', body('{"ts":'), 10))).toBe('MALFORMED_JSON');
    expect(codeOf(() => readingsOfBody('application/json', body('  '), 10))).toBe('EMPTY_BODY');
    expect(codeOf(() => readingsOfBody('application/json', body('{"readings":[]}'), 10))).toBe('EMPTY_BODY');
    expect(codeOf(() => readingsOfBody('application/json', body('{"readings":{}}'), 10))).toBe('INVALID_READING');
    expect(codeOf(() => readingsOfBody('application/x-ndjson', body('{"ts":1}\n{"ts":2}\n{"ts":3}'), 2))).toBe('BATCH_TOO_LARGE');
  });
});

import { normalizeId, OtlpPayloadError, spansFromOtlpJson, toAttributes } from './otlp-json';

const TRACE_HEX = '5b8efff798038103d269b633813fc60c';
const SPAN_HEX = 'eee19b7ec3c1b174';
const PARENT_HEX = '0102030405060708';

function request(span: Record<string, unknown>, resourceAttributes: unknown[] = []) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'rules' } }, ...resourceAttributes] },
        scopeSpans: [{ scope: { name: 'kafkajs', version: '1' }, spans: [span] }],
      },
    ],
  };
}

describe('normalizeId', () => {
  it('keeps hex ids, lower-cased', () => {
    expect(normalizeId(TRACE_HEX.toUpperCase(), 16, 'traceId')).toBe(TRACE_HEX);
    expect(normalizeId(SPAN_HEX, 8, 'spanId')).toBe(SPAN_HEX);
  });

  it('decodes base64 and base64url ids to hex', () => {
    expect(normalizeId(Buffer.from(TRACE_HEX, 'hex').toString('base64'), 16, 'traceId')).toBe(TRACE_HEX);
    expect(normalizeId(Buffer.from(SPAN_HEX, 'hex').toString('base64url'), 8, 'spanId')).toBe(SPAN_HEX);
  });

  it('treats empty and all-zero ids as absent', () => {
    expect(normalizeId('', 8, 'parentSpanId')).toBeNull();
    expect(normalizeId(undefined, 8, 'parentSpanId')).toBeNull();
    expect(normalizeId('0000000000000000', 8, 'parentSpanId')).toBeNull();
    expect(normalizeId('AAAAAAAAAAA=', 8, 'parentSpanId')).toBeNull();
  });

  it('rejects ids of the wrong length', () => {
    expect(() => normalizeId('abc', 16, 'traceId')).toThrow(OtlpPayloadError);
    expect(() => normalizeId(SPAN_HEX, 16, 'traceId')).toThrow(/traceId/);
  });
});

describe('toAttributes', () => {
  it('flattens OTLP AnyValues', () => {
    expect(
      toAttributes([
        { key: 's', value: { stringValue: 'x' } },
        { key: 'i', value: { intValue: '42' } },
        { key: 'n', value: { intValue: 7 } },
        { key: 'big', value: { intValue: '9007199254740993' } },
        { key: 'd', value: { doubleValue: 1.5 } },
        { key: 'b', value: { boolValue: true } },
        { key: 'a', value: { arrayValue: { values: [{ stringValue: 'p' }, { intValue: '1' }] } } },
        { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } } },
        { key: 'empty', value: {} },
      ]),
    ).toEqual({ s: 'x', i: 42, n: 7, big: '9007199254740993', d: 1.5, b: true, a: '["p",1]', kv: '{"k":false}' });
  });
});

describe('spansFromOtlpJson', () => {
  it('converts what the JS OTLP/HTTP exporter sends (hex ids, numeric enums, string nanos)', () => {
    const [span] = spansFromOtlpJson(
      request({
        traceId: TRACE_HEX,
        spanId: SPAN_HEX,
        parentSpanId: PARENT_HEX,
        name: 'geopulse.alerts.v1 process',
        kind: 5,
        startTimeUnixNano: '1795485591038000000',
        endTimeUnixNano: '1795485591040500000',
        attributes: [{ key: 'messaging.system', value: { stringValue: 'kafka' } }],
        status: { code: 2, message: 'rule failed' },
        events: [{ name: 'exception', timeUnixNano: '1795485591039000000', attributes: [] }],
      }),
    );
    expect(span).toEqual({
      traceId: TRACE_HEX,
      spanId: SPAN_HEX,
      parentSpanId: PARENT_HEX,
      name: 'geopulse.alerts.v1 process',
      kind: 'CONSUMER',
      serviceName: 'rules',
      scope: 'kafkajs',
      startTimeUnixNano: '1795485591038000000',
      endTimeUnixNano: '1795485591040500000',
      durationMs: 2.5,
      attributes: { 'messaging.system': 'kafka' },
      status: { code: 'ERROR', message: 'rule failed' },
      events: [{ name: 'exception', timeUnixNano: '1795485591039000000', attributes: {} }],
    });
  });

  it('accepts base64 ids, enum names, numeric and {low, high} timestamps', () => {
    const [span] = spansFromOtlpJson(
      request({
        traceId: Buffer.from(TRACE_HEX, 'hex').toString('base64'),
        spanId: Buffer.from(SPAN_HEX, 'hex').toString('base64'),
        parentSpanId: '',
        name: 'POST /v1/telemetry',
        kind: 'SPAN_KIND_SERVER',
        startTimeUnixNano: 1_000_000,
        endTimeUnixNano: { low: 3_000_000, high: 0 },
        status: { code: 'STATUS_CODE_OK' },
      }),
    );
    expect(span).toMatchObject({
      traceId: TRACE_HEX,
      spanId: SPAN_HEX,
      parentSpanId: null,
      kind: 'SERVER',
      startTimeUnixNano: '1000000',
      endTimeUnixNano: '3000000',
      durationMs: 2,
      status: { code: 'OK' },
    });
  });

  it('reads the pre-1.0 instrumentationLibrarySpans shape', () => {
    const spans = spansFromOtlpJson({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'geo' } }] },
          instrumentationLibrarySpans: [
            { instrumentationLibrary: { name: 'old' }, spans: [{ traceId: TRACE_HEX, spanId: SPAN_HEX, name: 'x' }] },
          ],
        },
      ],
    });
    expect(spans).toEqual([expect.objectContaining({ serviceName: 'geo', scope: 'old', name: 'x', kind: 'UNSPECIFIED' })]);
  });

  it('accepts an empty request', () => {
    expect(spansFromOtlpJson({})).toEqual([]);
    expect(spansFromOtlpJson({ resourceSpans: [] })).toEqual([]);
  });

  it('rejects payloads that are not OTLP', () => {
    expect(() => spansFromOtlpJson([])).toThrow(OtlpPayloadError);
    expect(() => spansFromOtlpJson({ resourceSpans: {} })).toThrow(/resourceSpans must be an array/);
    expect(() => spansFromOtlpJson(request({ spanId: SPAN_HEX, name: 'no trace' }))).toThrow(/traceId is required/);
  });
});

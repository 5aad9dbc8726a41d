import { CloudEventDecodeError, decodeCloudEvent, encodeCloudEvent, type CloudEvent } from './cloudevents';

const event: CloudEvent<{ temperature: number }> = {
  specversion: '1.0',
  id: 'r-1',
  source: '/geopulse/ingest',
  type: 'io.geopulse.telemetry.reading.v1',
  time: '2026-11-22T10:00:00.000Z',
  subject: 'thermostat-1',
  datacontenttype: 'application/json',
  data: { temperature: 48.5 },
};

describe('CloudEvents Kafka binary binding', () => {
  it('puts every attribute in ce_ headers and the data in the value', () => {
    const record = encodeCloudEvent(event, 'acme:thermostat-1');
    expect(record.key).toBe('acme:thermostat-1');
    expect(record.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: 'r-1',
      ce_source: '/geopulse/ingest',
      ce_type: 'io.geopulse.telemetry.reading.v1',
      ce_time: '2026-11-22T10:00:00.000Z',
      ce_subject: 'thermostat-1',
      'content-type': 'application/json',
    });
    expect(JSON.parse(record.value!.toString())).toEqual({ temperature: 48.5 });
  });

  it('round-trips an event', () => {
    expect(decodeCloudEvent(encodeCloudEvent(event, 'k'))).toEqual(event);
  });

  it('omits ce_subject when the event has none and decodes without it', () => {
    const { subject: _subject, ...rest } = event;
    const record = encodeCloudEvent(rest, null);
    expect(record.headers.ce_subject).toBeUndefined();
    expect(decodeCloudEvent(record).subject).toBeUndefined();
  });

  const cases: Array<[string, (r: ReturnType<typeof encodeCloudEvent>) => void, string]> = [
    ['missing ce_id', (r) => delete r.headers.ce_id, 'missing-attribute'],
    ['missing ce_type', (r) => delete r.headers.ce_type, 'missing-attribute'],
    ['specversion 0.3', (r) => (r.headers.ce_specversion = '0.3'), 'unsupported-specversion'],
    ['avro content', (r) => (r.headers['content-type'] = 'application/avro'), 'unsupported-content-type'],
    ['bad time', (r) => (r.headers.ce_time = 'yesterday'), 'invalid-time'],
    ['broken JSON', (r) => (r.value = Buffer.from('{"a":')), 'invalid-json'],
    ['empty value', (r) => (r.value = null), 'missing-value'],
  ];
  it.each(cases)('rejects a record with %s', (_name, mutate, reason) => {
    const record = encodeCloudEvent(event, 'k');
    mutate(record);
    try {
      decodeCloudEvent(record);
      throw new Error('expected a decode error');
    } catch (err) {
      expect(err).toBeInstanceOf(CloudEventDecodeError);
      expect((err as CloudEventDecodeError).reason).toBe(reason);
    }
  });
});

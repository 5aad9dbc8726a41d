import { batchSpanAttributes, eventSpanAttributes, messagingAttributes } from './messaging-spans';

const event = (id: string, tenantId: string, deviceId: string) => ({ id, subject: deviceId, data: { tenantId, deviceId } });

describe('messaging span attributes', () => {
  it('names the message, tenant and device of one event (device from the subject when data lacks it)', () => {
    expect(eventSpanAttributes(event('r-1', 't-1', 'van-1'))).toEqual({ 'messaging.message.id': 'r-1', 'geopulse.tenant': 't-1', 'geopulse.device_id': 'van-1' });
    expect(eventSpanAttributes({ id: 'x', subject: 'van-2', data: { tenantId: 't-2' } })).toEqual({ 'messaging.message.id': 'x', 'geopulse.tenant': 't-2', 'geopulse.device_id': 'van-2' });
    expect(eventSpanAttributes({ id: 'y', data: 'not an object' })).toEqual({ 'messaging.message.id': 'y' });
  });

  it('keeps only what every event of a batch agrees on, and counts the batch', () => {
    expect(batchSpanAttributes([event('a', 't-1', 'van-1')])).toEqual(eventSpanAttributes(event('a', 't-1', 'van-1')));
    expect(batchSpanAttributes([event('a', 't-1', 'van-1'), event('b', 't-1', 'van-2')])).toEqual({ 'messaging.batch.message_count': 2, 'geopulse.tenant': 't-1' });
  });

  it('uses the semantic-convention names for the system, destination and operation', () => {
    expect(messagingAttributes('geopulse.alerts.v1', 'send')).toEqual({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'geopulse.alerts.v1',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
    });
  });
});

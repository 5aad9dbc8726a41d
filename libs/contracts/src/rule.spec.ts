import { InvalidAlertEvent, parseAlertEventData, type AlertEventData } from './rule';

const alert: AlertEventData = {
  tenantId: 't1', alertId: 't1:cold:d1:1', ruleId: 'cold', ruleName: 'Cold', ruleVersion: 2, deviceId: 'd1',
  status: 'START', severity: 'WARNING', at: '2026-11-30T07:00:00.000Z', reason: 'condition holds', triggeringReadings: [],
};

describe('parseAlertEventData', () => {
  it('takes an alert as the rules service publishes it', () => {
    expect(parseAlertEventData(alert)).toEqual(alert);
    expect(parseAlertEventData({ ...alert, status: 'STOP', traceId: 'abc' }).status).toBe('STOP');
    expect(parseAlertEventData({ ...alert, status: 'INSUFFICIENT_DATA' }).status).toBe('INSUFFICIENT_DATA');
  });

  it('names the first wrong field', () => {
    const wrong = (patch: Record<string, unknown>) => () => parseAlertEventData({ ...alert, ...patch });
    expect(() => parseAlertEventData('x')).toThrow(new InvalidAlertEvent('data must be an object'));
    expect(wrong({ alertId: '' })).toThrow('/alertId must be a non-empty string');
    expect(wrong({ status: 'INSUFFICIENT' })).toThrow('/status must be START, STOP or INSUFFICIENT_DATA');
    expect(wrong({ severity: 'LOW' })).toThrow('/severity must be one of INFO, WARNING, CRITICAL');
    expect(wrong({ ruleVersion: 1.5 })).toThrow('/ruleVersion must be an integer');
    expect(wrong({ at: 'yesterday' })).toThrow('/at must be an RFC 3339 time');
    expect(wrong({ triggeringReadings: {} })).toThrow('/triggeringReadings must be an array');
  });
});

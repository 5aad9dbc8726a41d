import { isKafkajsNegativeTimeout } from './kafkajs-timer-warning';

describe('isKafkajsNegativeTimeout', () => {
  const kafkajsStack = 'Error\n    at setTimeout (node:timers:120:19)\n    at RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)';

  it('matches the negative-timeout warning of kafkajs request queue', () => {
    expect(isKafkajsNegativeTimeout('TimeoutNegativeWarning', kafkajsStack)).toBe(true);
  });

  it('keeps the same warning from anywhere else, and other warnings from kafkajs', () => {
    expect(isKafkajsNegativeTimeout('TimeoutNegativeWarning', 'Error\n    at ours (/app/dist/main.js:1:1)')).toBe(false);
    expect(isKafkajsNegativeTimeout('DeprecationWarning', kafkajsStack)).toBe(false);
    expect(isKafkajsNegativeTimeout(undefined, undefined)).toBe(false);
  });
});

import { classify, isClosed, NO_PROGRESS, progressBefore } from './device-progress';

describe('classify', () => {
  it('is on time until the device passes the window end, late within the lateness, too late after', () => {
    const bounds = { outOfOrdernessMs: 0, allowedLatenessMs: 500 };
    expect(classify(1000, null, bounds)).toBe('on-time');
    expect(classify(1000, 999, bounds)).toBe('on-time');
    expect(classify(1000, 1000, bounds)).toBe('late');
    expect(classify(1000, 1499, bounds)).toBe('late');
    expect(classify(1000, 1500, bounds)).toBe('too-late');
    expect(classify(1000, 1000, { outOfOrdernessMs: 0, allowedLatenessMs: 0 })).toBe('too-late');
  });

  it('keeps a window open for the out-of-orderness bound past its end', () => {
    const bounds = { outOfOrdernessMs: 200, allowedLatenessMs: 500 };
    expect(classify(1000, 1199, bounds)).toBe('on-time');
    expect(classify(1000, 1200, bounds)).toBe('late');
    expect(isClosed(1000, 1199, 200)).toBe(false);
    expect(isClosed(1000, 1200, 200)).toBe(true);
    expect(isClosed(1000, null, 0)).toBe(false);
  });
});

describe('progressBefore', () => {
  const stored = { confirmed: { eventTime: 100, offset: 9 }, provisional: { eventTime: 200, offset: 19 } };

  it('uses the provisional mark once a batch starts after it (that batch was committed)', () => {
    expect(progressBefore(stored, 20)).toEqual({ start: stored.provisional, confirmed: stored.provisional });
  });

  it('replays a batch from the confirmed mark, as its first delivery saw it', () => {
    expect(progressBefore(stored, 10)).toEqual({ start: stored.confirmed, confirmed: stored.confirmed });
  });

  it('starts from nothing on a fresh device or an offset reset', () => {
    expect(progressBefore(NO_PROGRESS, 0).start).toEqual({ eventTime: null, offset: -1 });
    expect(progressBefore(stored, 3).start).toEqual({ eventTime: null, offset: -1 });
  });
});

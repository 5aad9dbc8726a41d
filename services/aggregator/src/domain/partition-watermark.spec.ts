import { classify, idleWatermark, NO_WATERMARK, watermarkBefore } from './partition-watermark';

describe('classify', () => {
  it('is on time until the watermark reaches the window end, late within the lateness, too late after', () => {
    expect(classify(1000, null, 500)).toBe('on-time');
    expect(classify(1000, 999, 500)).toBe('on-time');
    expect(classify(1000, 1000, 500)).toBe('late');
    expect(classify(1000, 1499, 500)).toBe('late');
    expect(classify(1000, 1500, 500)).toBe('too-late');
    expect(classify(1000, 1000, 0)).toBe('too-late');
  });
});

describe('watermarkBefore', () => {
  const stored = { confirmed: { watermark: 100, offset: 9 }, provisional: { watermark: 200, offset: 19 } };

  it('uses the provisional mark once a batch starts after it (that batch was committed)', () => {
    expect(watermarkBefore(stored, 20)).toEqual({ start: stored.provisional, confirmed: stored.provisional });
  });

  it('replays a batch from the confirmed mark, as its first delivery saw it', () => {
    expect(watermarkBefore(stored, 10)).toEqual({ start: stored.confirmed, confirmed: stored.confirmed });
  });

  it('starts from nothing on a fresh partition or an offset reset', () => {
    expect(watermarkBefore(NO_WATERMARK, 0).start).toEqual({ watermark: null, offset: -1 });
    expect(watermarkBefore(stored, 3).start).toEqual({ watermark: null, offset: -1 });
  });
});

describe('idleWatermark', () => {
  it('moves with the clock only once the partition was idle long enough', () => {
    expect(idleWatermark(1000, 0, 29_999, 30_000)).toBe(1000);
    expect(idleWatermark(1000, 0, 30_000, 30_000)).toBe(31_000);
    expect(idleWatermark(1000, 0, 90_000, 30_000)).toBe(91_000);
    expect(idleWatermark(null, 0, 90_000, 30_000)).toBeNull();
  });
});

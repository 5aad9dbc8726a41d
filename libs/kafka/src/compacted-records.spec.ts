import type { ConsumedEvent } from './batch-consumer';
import { broadcastGroupId, inOffsetOrder } from './compacted-records';

describe('inOffsetOrder', () => {
  it('interleaves values and tombstones by offset', () => {
    const value = (offset: string) => ({ offset }) as ConsumedEvent;
    const ordered = inOffsetOrder([value('3'), value('10')], [{ topic: 't', partition: 0, offset: '5', key: 'k' }]);
    expect(ordered.map((r) => `${r.kind}@${r.offset}`)).toEqual(['value@3', 'tombstone@5', 'value@10']);
  });
});

describe('broadcastGroupId', () => {
  it('differs per call, with the prefix', () => {
    const a = broadcastGroupId('geopulse-rules-broadcast');
    expect(a.startsWith('geopulse-rules-broadcast-')).toBe(true);
    expect(broadcastGroupId('geopulse-rules-broadcast')).not.toBe(a);
  });
});

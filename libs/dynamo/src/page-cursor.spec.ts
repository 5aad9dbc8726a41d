import { decodePageCursor, encodePageCursor } from './page-cursor';

describe('page cursor', () => {
  it('round-trips string key attributes', () => {
    expect(decodePageCursor(encodePageCursor({ id: 'sub-1#ev:START' }))).toEqual({ id: 'sub-1#ev:START' });
  });

  it('decodes garbage, arrays and non-string values to undefined', () => {
    expect(decodePageCursor(undefined)).toBeUndefined();
    expect(decodePageCursor('not base64 json')).toBeUndefined();
    expect(decodePageCursor(Buffer.from('[1]').toString('base64url'))).toBeUndefined();
    expect(decodePageCursor(Buffer.from('{"id":1}').toString('base64url'))).toBeUndefined();
  });
});

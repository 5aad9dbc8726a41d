import { headersToStrings } from './records';

describe('headersToStrings', () => {
  it('turns Buffers and arrays into strings, keeping the first value', () => {
    expect(headersToStrings({ a: Buffer.from('x'), b: 'y', c: [Buffer.from('1'), Buffer.from('2')], d: undefined })).toEqual({ a: 'x', b: 'y', c: '1' });
  });
  it('handles records without headers', () => {
    expect(headersToStrings(undefined)).toEqual({});
  });
});

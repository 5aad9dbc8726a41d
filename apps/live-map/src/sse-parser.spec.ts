import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('assembles messages across arbitrary chunk boundaries, keeping the last id', () => {
    const text = 'retry: 2000\n\nid: e-1\nevent: hello\ndata: {"a":1}\n\n: heartbeat comment\n\nevent: position\r\ndata: {"b":\r\ndata: 2}\r\n\r\n';
    for (const size of [1, 3, 7, text.length]) {
      const parser = new SseParser();
      const out = [];
      for (let i = 0; i < text.length; i += size) out.push(...parser.push(text.slice(i, i + size)));
      expect(out).toEqual([
        { event: 'hello', data: '{"a":1}', lastEventId: 'e-1' },
        { event: 'position', data: '{"b":\n2}', lastEventId: 'e-1' },
      ]);
    }
  });

  it('starts from a given id and names unnamed events message', () => {
    const parser = new SseParser('x-9');
    expect(parser.push('data: 1\n\n')).toEqual([{ event: 'message', data: '1', lastEventId: 'x-9' }]);
    expect(parser.push('id: x-10\n\n')).toEqual([]);
    expect(parser.currentId).toBe('x-10');
  });
});

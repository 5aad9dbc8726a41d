import { checkCommandRequest, isCommandId, newCommandId, parseCommandAck } from './command';

describe('device commands', () => {
  it('takes a name, flat scalar args and a ttl (default 300 s)', () => {
    expect(checkCommandRequest({ name: 'setTemperature', args: { value: 74, unit: 'F', eco: true } })).toEqual({
      request: { name: 'setTemperature', args: { value: 74, unit: 'F', eco: true }, ttlSeconds: 300 },
      issues: [],
    });
    expect(checkCommandRequest({ name: 'reboot', ttlSeconds: 60 }).request).toEqual({ name: 'reboot', args: {}, ttlSeconds: 60 });
  });

  it('lists every problem with its path', () => {
    const paths = (body: unknown) => checkCommandRequest(body).issues.map((i) => i.path);
    expect(paths([])).toEqual(['']);
    expect(paths({})).toEqual(['/name']);
    expect(paths({ name: '1bad name' })).toEqual(['/name']);
    expect(paths({ name: 'x', args: { nested: { a: 1 } } })).toEqual(['/args/nested']);
    expect(paths({ name: 'x', args: [1] })).toEqual(['/args']);
    expect(paths({ name: 'x', args: { s: 'y'.repeat(257) } })).toEqual(['/args/s']);
    expect(paths({ name: 'x', ttlSeconds: 0 })).toEqual(['/ttlSeconds']);
    expect(paths({ name: 'x', ttlSeconds: 1.5 })).toEqual(['/ttlSeconds']);
    expect(paths({ name: 'x', extra: 1 })).toEqual(['/extra']);
    expect(checkCommandRequest({ name: 'x', args: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`a${i}`, i])) }).issues.length).toBeGreaterThan(0);
  });

  it('makes UUIDv7 ids that sort by time', () => {
    const a = newCommandId(Date.parse('2026-11-30T12:00:00.000Z'));
    const b = newCommandId(Date.parse('2026-11-30T12:00:00.001Z'));
    expect(isCommandId(a) && isCommandId(b)).toBe(true);
    expect(a < b).toBe(true);
    expect(newCommandId(1, Buffer.alloc(10, 0xff))).toMatch(/^00000000-0001-7fff-bfff-ffffffffffff$/);
  });

  it('reads a device acknowledgement, status ok by default, and says why something is not one', () => {
    const id = newCommandId(Date.now());
    expect(parseCommandAck(JSON.stringify({ commandId: id }))).toEqual({ ack: { commandId: id, status: 'ok' } });
    expect(parseCommandAck(JSON.stringify({ commandId: id, status: 'error', detail: 'out of range' }))).toEqual({ ack: { commandId: id, status: 'error', detail: 'out of range' } });
    expect(parseCommandAck('{')).toEqual({ problem: 'not JSON' });
    expect(parseCommandAck('[]')).toEqual({ problem: 'not a JSON object' });
    expect(parseCommandAck(JSON.stringify({ commandId: 'x' }))).toEqual({ problem: 'commandId is not a command id' });
    expect(parseCommandAck(JSON.stringify({ commandId: id, status: 'done' }))).toEqual({ problem: 'status must be "ok" or "error"' });
  });
});

import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { JsonLogger } from './logger';

beforeAll(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
afterAll(() => context.disable());

describe('JsonLogger', () => {
  it('writes one JSON event per line with level, service and fields, skipping undefined', () => {
    const lines: string[] = [];
    const logger = new JsonLogger('ingest', 'info', (l) => lines.push(l));
    logger.child('http').info('accepted', { count: 3, device: undefined });
    logger.emit('debug', 'hidden');
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'info', service: 'ingest', component: 'http', msg: 'accepted', count: 3 });
    expect(JSON.parse(lines[0])).not.toHaveProperty('device');
  });

  it('writes a line marked always whatever the level (audit lines)', () => {
    const lines: string[] = [];
    const logger = new JsonLogger('rules', 'error', (l) => lines.push(l));
    logger.emit('info', 'skipped');
    logger.emit('info', 'audit', { action: 'rule:write' }, { always: true });
    expect(lines.map((l) => JSON.parse(l) as { msg: string })).toEqual([expect.objectContaining({ msg: 'audit', level: 'info', action: 'rule:write' })]);
  });

  it('carries the trace id of the active span', () => {
    const lines: string[] = [];
    const logger = new JsonLogger('ingest', 'debug', (l) => lines.push(l));
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () => logger.emit('warn', 'in a span'));
    expect(JSON.parse(lines[0])).toMatchObject({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
  });
});

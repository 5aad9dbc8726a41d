import type { ComponentLogger } from '@geopulse/observability';
import type { AttemptOutcome } from '../domain/delivery';
import { parseSubscriptionInput, type Subscription } from '../domain/subscription';
import { DeliverNotifications } from './deliver-notifications';
import type { DeliveryJob, EmailMessage } from './ports';
import { RouteEvents } from './route-events';
import { alertEvent } from '../test-support/events';
import { MemoryQueue, MemoryLog } from '../test-support/fakes';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as ComponentLogger;

const alert = (id: string, deviceId = 'dev-1', status: 'START' | 'STOP' = 'START') => alertEvent({ deviceId, status, traceId: 'a'.repeat(32) }, id);

function world(outcomes: AttemptOutcome[], throttleSeconds = 0) {
  let now = 1_000_000;
  const clock = () => now;
  const sub: Subscription = {
    ...parseSubscriptionInput({ name: 'Ops', filter: { types: ['alert.start', 'alert.stop'] }, channel: { type: 'email', to: ['ops@example.com'] }, ...(throttleSeconds ? { throttle: { perDeviceSeconds: throttleSeconds } } : {}) }),
    id: 's1', tenantId: 't1', version: 1, createdAt: '', updatedAt: '',
  };
  const queue = new MemoryQueue();
  const log = new MemoryLog();
  const sent: EmailMessage[] = [];
  const deadLetters: Array<{ job: DeliveryJob; reason: string; detail: string }> = [];
  const email = { send: async (m: EmailMessage) => { sent.push(m); return outcomes.shift() ?? { kind: 'delivered' as const }; } };
  const webhook = { send: async () => ({ kind: 'delivered' as const }) };
  const retry = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000, factor: 2, jitter: 0 };
  const deliver = new DeliverNotifications(async (_t, id) => (id === sub.id ? sub : undefined), email, webhook, queue,
    log, { publish: async (job, reason, detail) => { deadLetters.push({ job, reason, detail }); } }, { retry, traceUrlTemplate: 'http://j/{{traceId}}' }, clock, quiet, () => 0);
  const route = new RouteEvents(async () => [sub], queue, log, clock);
  const drain = async () => {
    for (const job of await queue.claim(now, 100, 60_000)) await deliver.process(job);
  };
  return { sub, queue, log, sent, deadLetters, deliver, route, drain, advance: (ms: number) => (now += ms) };
}

describe('RouteEvents + DeliverNotifications', () => {
  it('delivers once, even when the same event is routed again (redelivered record)', async () => {
    const w = world([]);
    await w.route.execute([{ event: alert('e1'), recordKey: 't1:dev-1' }]);
    await w.drain();
    expect(await w.route.execute([{ event: alert('e1'), recordKey: 't1:dev-1' }])).toEqual({ enqueued: 0, duplicate: 1, throttled: 0 });
    await w.drain();
    expect(w.sent).toHaveLength(1);
    expect(w.sent[0]).toMatchObject({ to: ['ops@example.com'], messageId: 's1#e1' });
    expect(w.log.records.get('s1#e1')).toMatchObject({ status: 'DELIVERED', attempts: 1 });
  });

  it('retries with backoff, then delivers; the log shows RETRYING then DELIVERED with the last error', async () => {
    const w = world([{ kind: 'retryable', error: 'SMTP ECONNREFUSED' }]);
    await w.route.execute([{ event: alert('e1'), recordKey: 't1:dev-1' }]);
    await w.drain();
    expect(w.log.records.get('s1#e1')).toMatchObject({ status: 'RETRYING', attempts: 1, lastError: 'SMTP ECONNREFUSED' });
    await w.drain();
    expect(w.sent).toHaveLength(1); // not due yet
    w.advance(1000);
    await w.drain();
    expect(w.sent).toHaveLength(2);
    expect(w.log.records.get('s1#e1')).toMatchObject({ status: 'DELIVERED', attempts: 2, lastError: 'SMTP ECONNREFUSED' });
  });

  it('marks FAILED and dead-letters after the last attempt', async () => {
    const fail = { kind: 'retryable' as const, error: 'HTTP 500' };
    const w = world([fail, fail, fail]);
    await w.route.execute([{ event: alert('e1'), recordKey: 't1:dev-1' }]);
    for (const step of [0, 1000, 2000]) {
      w.advance(step);
      await w.drain();
    }
    expect(w.sent).toHaveLength(3);
    expect(w.log.records.get('s1#e1')).toMatchObject({ status: 'FAILED', attempts: 3, lastError: 'HTTP 500 (after 3 attempts)' });
    expect(w.deadLetters).toMatchObject([{ reason: 'delivery-failed', detail: 'HTTP 500 (after 3 attempts)' }]);
    expect(w.queue.done.get('s1#e1')).toBe('FAILED');
  });

  it('throttles a flapping device to one notification per window and logs the rest THROTTLED', async () => {
    const w = world([], 300);
    const events = ['START', 'STOP', 'START', 'STOP'].map((s, i) => ({ event: alert(`e${i}`, 'dev-1', s), recordKey: 't1:dev-1' }));
    expect(await w.route.execute(events)).toEqual({ enqueued: 1, duplicate: 0, throttled: 3 });
    await w.drain();
    expect(w.sent).toHaveLength(1);
    expect([...w.log.records.values()].filter((r) => r.status === 'THROTTLED')).toHaveLength(3);
    w.advance(301_000);
    await w.route.execute([{ event: alert('e9', 'dev-1'), recordKey: 't1:dev-1' }]);
    await w.drain();
    expect(w.sent).toHaveLength(2);
  });

  it('drops queued deliveries of a disabled subscription without dead-lettering', async () => {
    const w = world([]);
    await w.route.execute([{ event: alert('e1'), recordKey: 't1:dev-1' }]);
    w.sub.enabled = false;
    await w.drain();
    expect(w.sent).toHaveLength(0);
    expect(w.log.records.get('s1#e1')).toMatchObject({ status: 'FAILED', lastError: 'subscription was disabled' });
    expect(w.deadLetters).toHaveLength(0);
  });
});

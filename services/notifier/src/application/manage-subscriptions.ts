import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, eventSource, tenantLimitMessage } from '@geopulse/contracts';
import type { AttemptOutcome } from '../domain/delivery';
import type { NotificationEvent } from '../domain/notification-event';
import { NotifierError } from '../domain/notifier-error';
import { InvalidSubscription, parseSubscriptionInput, type Subscription, type SubscriptionInput } from '../domain/subscription';
import { checkWebhookUrl, type AddressAllowList } from '../domain/url-policy';
import type { DeliverNotifications } from './deliver-notifications';
import type { Clock, HostResolver, SubscriptionRepository } from './ports';

const MAX_PAGE = 100;

/** CRUD of subscriptions within one tenant, and the sample delivery of `POST /{id}/test`. */
export class ManageSubscriptions {
  constructor(
    private readonly repo: SubscriptionRepository,
    private readonly resolve: HostResolver,
    private readonly allowList: AddressAllowList,
    private readonly deliver: DeliverNotifications,
    private readonly clock: Clock,
    /** Subscriptions one tenant may have (NOTIFIER_MAX_SUBSCRIPTIONS_PER_TENANT). */
    private readonly maxPerTenant = Number.POSITIVE_INFINITY,
  ) {}

  /** `actor` is the `sub` of the operator token, recorded as createdBy/updatedBy. */
  async create(tenantId: string, body: unknown, actor: string): Promise<Subscription> {
    const input = await this.validate(body);
    const now = new Date(this.clock()).toISOString();
    const sub: Subscription = { ...input, id: input.id ?? randomUUID(), tenantId, version: 1, createdAt: now, updatedAt: now, createdBy: actor, updatedBy: actor };
    // Counted before the write: concurrent creates may pass it by as many as run at once.
    if ((await this.repo.all(tenantId)).length >= this.maxPerTenant) {
      throw new NotifierError('TENANT_LIMIT_REACHED', tenantLimitMessage('subscriptions', this.maxPerTenant, 'NOTIFIER_MAX_SUBSCRIPTIONS_PER_TENANT'));
    }
    if (!(await this.repo.save(sub, null))) {
      throw new NotifierError('SUBSCRIPTION_EXISTS', `subscription ${sub.id} already exists`, [{ path: '/id', message: 'is taken' }]);
    }
    return sub;
  }

  async get(tenantId: string, id: string): Promise<Subscription> {
    const sub = await this.repo.get(tenantId, id);
    if (!sub) throw new NotifierError('SUBSCRIPTION_NOT_FOUND', `no subscription ${id}`);
    return sub;
  }

  async list(tenantId: string, limit = 50, cursor?: string): Promise<{ items: Subscription[]; nextCursor?: string }> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new NotifierError('INVALID_QUERY', `limit must be 1-${MAX_PAGE}`, [{ path: 'limit', message: `must be 1-${MAX_PAGE}` }]);
    }
    return this.repo.list(tenantId, limit, cursor);
  }

  /** Replaces the subscription (PUT); a webhook secret sent as "***" keeps the stored one. */
  async replace(tenantId: string, id: string, body: unknown, actor: string): Promise<Subscription> {
    const current = await this.get(tenantId, id);
    const patched = keepSecret(body, current);
    const input = await this.validate(patched, id);
    const sub: Subscription = {
      ...input, id, tenantId, version: current.version + 1,
      createdAt: current.createdAt, updatedAt: new Date(this.clock()).toISOString(), createdBy: current.createdBy, updatedBy: actor,
    };
    if (!(await this.repo.save(sub, current.version))) throw new NotifierError('CONCURRENT_UPDATE', `subscription ${id} changed meanwhile; retry`);
    return sub;
  }

  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await this.repo.remove(tenantId, id))) throw new NotifierError('SUBSCRIPTION_NOT_FOUND', `no subscription ${id}`);
  }

  /** Sends a sample alert START through the subscription's channel once, now; not queued, not logged. */
  async test(tenantId: string, id: string): Promise<{ delivered: boolean; error?: string; eventId: string }> {
    const sub = await this.get(tenantId, id);
    const event = sampleEvent(tenantId, this.clock());
    const outcome: AttemptOutcome = await this.deliver.attempt(sub, event, `test#${event.eventId}`);
    return outcome.kind === 'delivered' ? { delivered: true, eventId: event.eventId } : { delivered: false, error: outcome.error, eventId: event.eventId };
  }

  private async validate(body: unknown, idFromPath?: string): Promise<SubscriptionInput> {
    let input: SubscriptionInput;
    try {
      input = parseSubscriptionInput(body, idFromPath);
    } catch (err) {
      if (err instanceof InvalidSubscription) throw new NotifierError('INVALID_SUBSCRIPTION', err.message, err.problems);
      throw err;
    }
    if (input.channel.type === 'webhook') {
      const verdict = await checkWebhookUrl(input.channel.url, this.resolve, this.allowList);
      if (!verdict.ok) throw new NotifierError('WEBHOOK_URL_REFUSED', `webhook URL refused: ${verdict.message}`, [{ path: '/channel/url', message: verdict.message }]);
    }
    return input;
  }
}

function keepSecret(body: unknown, current: Subscription): unknown {
  if (typeof body !== 'object' || body === null || current.channel.type !== 'webhook') return body;
  const channel = (body as { channel?: unknown }).channel;
  if (typeof channel === 'object' && channel !== null && (channel as { secret?: unknown }).secret === '***') {
    return { ...body, channel: { ...channel, secret: current.channel.secret } };
  }
  return body;
}

function sampleEvent(tenantId: string, now: number): NotificationEvent {
  const at = new Date(now).toISOString();
  const eventId = `test-${randomUUID()}`;
  const data = {
    tenantId, alertId: 'sample-alert', ruleId: 'sample-rule', ruleName: 'Sample rule (test notification)', ruleVersion: 1, deviceId: 'sample-device',
    status: 'START', severity: 'WARNING', at, reason: 'this is a test notification', triggeringReadings: [{ id: 'sample-reading', ts: at, metrics: { temperature: 42 } }],
  };
  return {
    eventId, tenantId, type: 'alert.start', deviceId: 'sample-device', at, severity: 'WARNING', ruleId: 'sample-rule', ruleName: data.ruleName,
    reason: data.reason, values: { temperature: 42 }, tags: [],
    cloudEvent: { specversion: '1.0', id: eventId, source: eventSource('notifier'), type: EVENT_TYPES.alert, time: at, subject: 'sample-device', datacontenttype: 'application/json', data },
  };
}

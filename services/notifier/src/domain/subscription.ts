import { isRecord, SEVERITIES, type Severity } from '@geopulse/contracts';
import { NOTIFICATION_TYPES, type NotificationEvent, type NotificationType } from './notification-event';

export interface SubscriptionFilter {
  types: NotificationType[];
  /** Alerts below this severity do not match; geofence events have no severity and always pass. */
  minSeverity?: Severity;
  /** Empty or absent lists match everything. */
  ruleIds?: string[];
  geofenceIds?: string[];
  deviceIds?: string[];
  /** Every pair must be among the event's tags. */
  tags?: Record<string, string>;
}

export interface EmailChannel {
  type: 'email';
  to: string[];
}

export interface WebhookChannel {
  type: 'webhook';
  url: string;
  /** HMAC-SHA256 key of the signature header; never shown by the API after creation. */
  secret: string;
  mode: 'binary' | 'structured';
}

export type Channel = EmailChannel | WebhookChannel;

/** What an operator sends (POST / PUT). */
export interface SubscriptionInput {
  id?: string;
  name: string;
  enabled: boolean;
  filter: SubscriptionFilter;
  channel: Channel;
  throttle?: { perDeviceSeconds: number };
}

export interface Subscription extends SubscriptionInput {
  id: string;
  tenantId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** `sub` of the operator token that created it (absent on subscriptions stored before this was kept). */
  createdBy?: string;
  /** `sub` of the operator token that last changed it. */
  updatedBy?: string;
}

export interface FieldProblem {
  path: string;
  message: string;
}

/** Input that cannot become a subscription; every problem listed with its JSON pointer. */
export class InvalidSubscription extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(`${problems.length} problem(s) in the subscription`);
    this.name = 'InvalidSubscription';
  }
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;
const EMAIL = /^[^\s@<>()",;:\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;
const MAX_THROTTLE_SECONDS = 7 * 86_400;

type Obj = Record<string, unknown>;

function unknownFields(value: Obj, allowed: readonly string[], path: string, problems: FieldProblem[]): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) problems.push({ path: `${path}/${key}`, message: 'is not a known field' });
}

function idList(value: unknown, path: string, problems: FieldProblem[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 100) {
    problems.push({ path, message: 'must be an array of at most 100 ids' });
    return undefined;
  }
  value.forEach((v, i) => {
    if (typeof v !== 'string' || !ID.test(v)) problems.push({ path: `${path}/${i}`, message: 'must be an id of letters, digits and . _ ~ - (1-128)' });
  });
  return value as string[];
}

function parseFilter(value: unknown, problems: FieldProblem[]): SubscriptionFilter {
  if (!isRecord(value)) {
    problems.push({ path: '/filter', message: 'must be an object with at least "types"' });
    return { types: [] };
  }
  unknownFields(value, ['types', 'minSeverity', 'ruleIds', 'geofenceIds', 'deviceIds', 'tags'], '/filter', problems);
  const filter: SubscriptionFilter = { types: [] };
  if (!Array.isArray(value.types) || value.types.length === 0) {
    problems.push({ path: '/filter/types', message: `must list at least one of ${NOTIFICATION_TYPES.join(', ')}` });
  } else {
    value.types.forEach((t, i) => {
      if (!(NOTIFICATION_TYPES as readonly unknown[]).includes(t)) problems.push({ path: `/filter/types/${i}`, message: `must be one of ${NOTIFICATION_TYPES.join(', ')}` });
    });
    filter.types = [...new Set(value.types as NotificationType[])];
  }
  if (value.minSeverity !== undefined) {
    if (!(SEVERITIES as readonly unknown[]).includes(value.minSeverity)) {
      problems.push({ path: '/filter/minSeverity', message: `must be one of ${SEVERITIES.join(', ')}` });
    } else filter.minSeverity = value.minSeverity as Severity;
  }
  for (const field of ['ruleIds', 'geofenceIds', 'deviceIds'] as const) {
    const list = idList(value[field], `/filter/${field}`, problems);
    if (list) filter[field] = list;
  }
  if (value.tags !== undefined) {
    if (!isRecord(value.tags) || Object.keys(value.tags).length > 20 || Object.values(value.tags).some((v) => typeof v !== 'string' || v.length > 256)) {
      problems.push({ path: '/filter/tags', message: 'must be an object of at most 20 string values' });
    } else filter.tags = value.tags as Record<string, string>;
  }
  return filter;
}

function parseChannel(value: unknown, problems: FieldProblem[]): Channel {
  if (!isRecord(value) || (value.type !== 'email' && value.type !== 'webhook')) {
    problems.push({ path: '/channel/type', message: 'must be "email" or "webhook"' });
    return { type: 'email', to: [] };
  }
  if (value.type === 'email') {
    unknownFields(value, ['type', 'to'], '/channel', problems);
    if (!Array.isArray(value.to) || value.to.length === 0 || value.to.length > 50) {
      problems.push({ path: '/channel/to', message: 'must list 1-50 email addresses' });
      return { type: 'email', to: [] };
    }
    value.to.forEach((a, i) => {
      if (typeof a !== 'string' || a.length > 254 || !EMAIL.test(a)) problems.push({ path: `/channel/to/${i}`, message: 'must be an email address' });
    });
    return { type: 'email', to: value.to as string[] };
  }
  unknownFields(value, ['type', 'url', 'secret', 'mode'], '/channel', problems);
  let url = '';
  if (typeof value.url !== 'string') problems.push({ path: '/channel/url', message: 'must be an http(s) URL' });
  else {
    try {
      const parsed = new URL(value.url);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') problems.push({ path: '/channel/url', message: 'must use http or https' });
      else if (parsed.username || parsed.password) problems.push({ path: '/channel/url', message: 'must not carry credentials; use the secret' });
      url = value.url;
    } catch {
      problems.push({ path: '/channel/url', message: 'must be an http(s) URL' });
    }
  }
  if (typeof value.secret !== 'string' || value.secret.length < 16 || value.secret.length > 256) {
    problems.push({ path: '/channel/secret', message: 'must be a string of 16-256 characters' });
  }
  const mode = value.mode ?? 'binary';
  if (mode !== 'binary' && mode !== 'structured') problems.push({ path: '/channel/mode', message: 'must be "binary" or "structured"' });
  return { type: 'webhook', url, secret: typeof value.secret === 'string' ? value.secret : '', mode: mode as WebhookChannel['mode'] };
}

/** Validates an operator's body; throws InvalidSubscription listing every problem. */
export function parseSubscriptionInput(body: unknown, idFromPath?: string): SubscriptionInput {
  const problems: FieldProblem[] = [];
  if (!isRecord(body)) throw new InvalidSubscription([{ path: '', message: 'must be a JSON object' }]);
  unknownFields(body, ['id', 'name', 'enabled', 'filter', 'channel', 'throttle'], '', problems);
  const id = idFromPath ?? body.id;
  if (id !== undefined && (typeof id !== 'string' || !ID.test(id))) problems.push({ path: '/id', message: 'must be letters, digits and . _ ~ - (1-128)' });
  if (typeof body.name !== 'string' || body.name.trim() === '' || body.name.length > 200) problems.push({ path: '/name', message: 'must be 1-200 characters' });
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean') problems.push({ path: '/enabled', message: 'must be true or false' });
  const filter = parseFilter(body.filter, problems);
  const channel = parseChannel(body.channel, problems);
  let throttle: SubscriptionInput['throttle'];
  if (body.throttle !== undefined) {
    const seconds = isRecord(body.throttle) ? body.throttle.perDeviceSeconds : undefined;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > MAX_THROTTLE_SECONDS) {
      problems.push({ path: '/throttle/perDeviceSeconds', message: `must be a whole number of seconds, 0-${MAX_THROTTLE_SECONDS}` });
    } else throttle = { perDeviceSeconds: seconds };
  }
  if (problems.length > 0) throw new InvalidSubscription(problems);
  return {
    ...(id !== undefined ? { id: id as string } : {}),
    name: (body.name as string).trim(),
    enabled: (body.enabled as boolean | undefined) ?? true,
    filter,
    channel,
    ...(throttle ? { throttle } : {}),
  };
}

const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);
const listMatches = (list: string[] | undefined, value: string | undefined): boolean =>
  !list || list.length === 0 || (value !== undefined && list.includes(value));

/** Whether an event goes to this subscription. */
export function subscriptionMatches(sub: Subscription, event: NotificationEvent): boolean {
  if (!sub.enabled || sub.tenantId !== event.tenantId) return false;
  const f = sub.filter;
  if (!f.types.includes(event.type)) return false;
  if (f.minSeverity && event.severity && severityRank(event.severity) < severityRank(f.minSeverity)) return false;
  if (event.type.startsWith('alert.')) {
    if (!listMatches(f.ruleIds, event.ruleId)) return false;
  } else if (!listMatches(f.geofenceIds, event.geofenceId)) return false;
  if (!listMatches(f.deviceIds, event.deviceId)) return false;
  for (const [k, v] of Object.entries(f.tags ?? {})) if (event.tags[k] !== v) return false;
  return true;
}

/** A stored subscription as the API shows it: the webhook secret is never returned. */
export function publicView(sub: Subscription): Omit<Subscription, 'tenantId' | 'channel'> & { channel: Channel | Omit<WebhookChannel, 'secret'> & { secret: '***' } } {
  const { tenantId: _t, channel, ...rest } = sub;
  return { ...rest, channel: channel.type === 'webhook' ? { ...channel, secret: '***' } : channel };
}

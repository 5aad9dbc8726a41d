import { isRecord, schemaCheck, SEVERITIES, tagStrings, type JsonSchema, type Severity } from '@geopulse/contracts';
import { NOTIFICATION_TYPES, type NotificationEvent, type NotificationType } from './notification-event';

export interface SubscriptionFilter {
  types: NotificationType[];
  /** Alerts below this severity do not match; geofence events have no severity and always pass. */
  minSeverity?: Severity;
  /** Empty or absent lists match everything. */
  ruleIds?: string[];
  geofenceIds?: string[];
  deviceIds?: string[];
  /** Every pair, as the tag `key:value`, must be among the device's registry tags or the event's own (docs/decisions/0107). */
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

const idList = { type: 'array', maxItems: 100, items: { type: 'string', pattern: ID.source } };

/**
 * The body of `POST /v1/subscriptions` and `PUT /v1/subscriptions/{id}`: its OpenAPI schema and
 * its structural check in one (contracts' schemaCheck). A webhook URL's scheme and credentials
 * are checked below; its address against the policy when it is saved.
 */
export const SUBSCRIPTION_INPUT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'filter', 'channel'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: ID.source, description: 'generated when absent' },
    name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
    enabled: { type: 'boolean', default: true },
    filter: {
      type: 'object',
      required: ['types'],
      additionalProperties: false,
      properties: {
        types: { type: 'array', minItems: 1, items: { type: 'string', enum: [...NOTIFICATION_TYPES] } },
        minSeverity: { type: 'string', enum: [...SEVERITIES] },
        ruleIds: idList,
        geofenceIds: idList,
        deviceIds: idList,
        tags: { type: 'object', maxProperties: 20, additionalProperties: { type: 'string', maxLength: 256 } },
      },
    },
    channel: {
      type: 'object',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        {
          type: 'object',
          required: ['type', 'to'],
          additionalProperties: false,
          properties: { type: { type: 'string', enum: ['email'] }, to: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', maxLength: 254, pattern: EMAIL.source } } },
        },
        {
          type: 'object',
          required: ['type', 'url', 'secret'],
          additionalProperties: false,
          properties: {
            type: { type: 'string', enum: ['webhook'] },
            url: { type: 'string', description: 'http(s); private, loopback, link-local and metadata addresses are refused unless allow-listed' },
            secret: { type: 'string', minLength: 16, maxLength: 256, description: 'HMAC-SHA256 key; returned as "***"; send "***" on PUT to keep it' },
            mode: { type: 'string', enum: ['binary', 'structured'], default: 'binary' },
          },
        },
      ],
    },
    throttle: { type: 'object', additionalProperties: false, properties: { perDeviceSeconds: { type: 'integer', minimum: 0, maximum: MAX_THROTTLE_SECONDS } } },
  },
};

const checkShape = schemaCheck(SUBSCRIPTION_INPUT_SCHEMA);

/** What a schema cannot say of a webhook URL: that it parses, with http(s) and no credentials. */
function urlProblem(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must use http or https';
    if (parsed.username || parsed.password) return 'must not carry credentials; use the secret';
    return undefined;
  } catch {
    return 'must be an http(s) URL';
  }
}

/** Validates an operator's body; throws InvalidSubscription listing every problem. */
export function parseSubscriptionInput(body: unknown, idFromPath?: string): SubscriptionInput {
  if (!isRecord(body)) throw new InvalidSubscription([{ path: '', message: 'must be a JSON object' }]);
  const problems: FieldProblem[] = checkShape(idFromPath === undefined ? body : { ...body, id: idFromPath });
  const channel = body.channel as Channel | undefined;
  if (channel?.type === 'webhook' && typeof channel.url === 'string') {
    const problem = urlProblem(channel.url);
    if (problem) problems.push({ path: '/channel/url', message: problem });
  }
  if (problems.length > 0) throw new InvalidSubscription(problems);
  const input = body as unknown as SubscriptionInput & { id?: string };
  const id = idFromPath ?? input.id;
  const filter: SubscriptionFilter = { ...input.filter, types: [...new Set(input.filter.types)] };
  return {
    ...(id !== undefined ? { id } : {}),
    name: input.name.trim(),
    enabled: input.enabled ?? true,
    filter,
    channel: channel?.type === 'webhook' ? { ...channel, mode: channel.mode ?? 'binary' } : (channel as Channel),
    ...(input.throttle?.perDeviceSeconds !== undefined ? { throttle: { perDeviceSeconds: input.throttle.perDeviceSeconds } } : {}),
  };
}

const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);
const listMatches = (list: string[] | undefined, value: string | undefined): boolean =>
  !list || list.length === 0 || (value !== undefined && list.includes(value));

/** Whether a subscription's filter can only be decided with the device's registry tags. */
export const filtersOnTags = (sub: Subscription): boolean => Object.keys(sub.filter.tags ?? {}).length > 0;

/** Whether an event goes to this subscription; `deviceTags` are the device's registry tags, needed when it filters on tags. */
export function subscriptionMatches(sub: Subscription, event: NotificationEvent, deviceTags: readonly string[] = []): boolean {
  if (!sub.enabled || sub.tenantId !== event.tenantId) return false;
  const f = sub.filter;
  if (!f.types.includes(event.type)) return false;
  if (f.minSeverity && event.severity && severityRank(event.severity) < severityRank(f.minSeverity)) return false;
  if (event.type.startsWith('alert.')) {
    if (!listMatches(f.ruleIds, event.ruleId)) return false;
  } else if (!listMatches(f.geofenceIds, event.geofenceId)) return false;
  if (!listMatches(f.deviceIds, event.deviceId)) return false;
  const have = new Set([...event.tags, ...deviceTags]);
  if (!tagStrings(f.tags).every((tag) => have.has(tag))) return false;
  return true;
}

/** A stored subscription as the API shows it: the webhook secret is never returned. */
export function publicView(sub: Subscription): Omit<Subscription, 'tenantId' | 'channel'> & { channel: Channel | Omit<WebhookChannel, 'secret'> & { secret: '***' } } {
  const { tenantId: _t, channel, ...rest } = sub;
  return { ...rest, channel: channel.type === 'webhook' ? { ...channel, secret: '***' } : channel };
}

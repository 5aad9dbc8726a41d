import { traceUrl } from '@geopulse/observability';
import type { NotificationEvent } from './notification-event';

/**
 * Safe templates: `{{name}}` placeholders replaced by values, nothing else. No expressions,
 * no helpers, no property access, so a template (or a value) can never run code. In HTML
 * every value is escaped; a placeholder whose value is missing becomes the empty string.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]);
}

export type TemplateValues = Readonly<Record<string, string | undefined>>;

export function renderTemplate(template: string, values: TemplateValues, format: 'text' | 'html'): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    // Own properties only: `{{constructor}}` must not reach Object.prototype.
    const value = Object.prototype.hasOwnProperty.call(values, name) ? (values[name] ?? '') : '';
    return format === 'html' ? escapeHtml(value) : value;
  });
}

export { traceUrl };

export interface ComposedMessage {
  subject: string;
  text: string;
  html: string;
}

const TITLES: Record<NotificationEvent['type'], string> = {
  'alert.start': 'Alert started',
  'alert.stop': 'Alert resolved',
  'alert.insufficient_data': 'Alert has insufficient data',
  'geofence.enter': 'Device entered geofence',
  'geofence.exit': 'Device left geofence',
  'geofence.dwell': 'Device dwelling in geofence',
  'geofence.forecast': 'Device predicted to enter geofence',
};

const SUBJECT = '[geopulse] {{title}}{{severityPart}}: {{what}} on {{deviceId}}';
const TEXT = `{{title}}

Device:   {{deviceId}}
{{whatLabel}}: {{what}}
Time:     {{at}}
{{severityLine}}{{reasonLine}}Values:   {{values}}
Trace:    {{traceLink}}

Event {{eventId}} ({{eventType}}) for subscription "{{subscriptionName}}".
`;
const HTML = `<!doctype html><html><body style="font-family:sans-serif">
<h2>{{title}}</h2>
<table cellpadding="4">
<tr><th align="left">Device</th><td>{{deviceId}}</td></tr>
<tr><th align="left">{{whatLabel}}</th><td>{{what}}</td></tr>
<tr><th align="left">Time</th><td>{{at}}</td></tr>
<tr><th align="left">Severity</th><td>{{severity}}</td></tr>
<tr><th align="left">Reason</th><td>{{reason}}</td></tr>
<tr><th align="left">Values</th><td>{{values}}</td></tr>
<tr><th align="left">Trace</th><td><a href="{{traceLink}}">{{traceLink}}</a></td></tr>
</table>
<p style="color:#666">Event {{eventId}} ({{eventType}}) for subscription &quot;{{subscriptionName}}&quot;.</p>
</body></html>`;

/** Template values of an event: what every channel's message names. */
export function messageValues(event: NotificationEvent, subscriptionName: string, traceUrlTemplate: string): Record<string, string | undefined> {
  const isAlert = event.type.startsWith('alert.');
  const what = isAlert
    ? event.ruleName && event.ruleName !== event.ruleId ? `${event.ruleName} (${event.ruleId})` : event.ruleId
    : event.geofenceName && event.geofenceName !== event.geofenceId ? `${event.geofenceName} (${event.geofenceId})` : event.geofenceId;
  const values = Object.entries(event.values).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  return {
    title: TITLES[event.type],
    what,
    whatLabel: isAlert ? 'Rule    ' : 'Geofence',
    deviceId: event.deviceId,
    at: event.at,
    severity: event.severity ?? '',
    severityPart: event.severity ? ` (${event.severity})` : '',
    severityLine: event.severity ? `Severity: ${event.severity}\n` : '',
    reason: event.reason ?? '',
    reasonLine: event.reason ? `Reason:   ${event.reason}\n` : '',
    values: values || '(none)',
    traceLink: traceUrl(traceUrlTemplate, event.traceId) ?? '(no trace)',
    eventId: event.eventId,
    eventType: event.type,
    subscriptionName,
  };
}

/** Subject, plain text and HTML of a notification. Values never run as code and are escaped in HTML. */
export function composeMessage(event: NotificationEvent, subscriptionName: string, traceUrlTemplate: string): ComposedMessage {
  const values = messageValues(event, subscriptionName, traceUrlTemplate);
  const html = renderTemplate(HTML, { ...values, whatLabel: values.whatLabel?.trim() }, 'html');
  return {
    // Header injection: no line breaks in a subject.
    subject: renderTemplate(SUBJECT, values, 'text').replace(/[\r\n]+/g, ' '),
    text: renderTemplate(TEXT, values, 'text'),
    html,
  };
}

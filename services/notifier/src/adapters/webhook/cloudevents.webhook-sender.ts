import { CloudEvent, HTTP } from 'cloudevents';
import { context } from '@opentelemetry/api';
import { injectTraceHeaders } from '@geopulse/observability';
import type { HostResolver, WebhookSender } from '../../application/ports';
import { classifyHttpStatus, type AttemptOutcome } from '../../domain/delivery';
import type { NotificationEvent } from '../../domain/notification-event';
import type { WebhookChannel } from '../../domain/subscription';
import { checkWebhookUrl, type AddressAllowList } from '../../domain/url-policy';
import { SIGNATURE_HEADERS, signWebhook } from '../../domain/webhook-signature';
import { policyLookup, postWithPolicy, RefusedAddressError } from './pinned-http.client';

const MAX_REDIRECTS = 3;

/**
 * CloudEvents over HTTP (binary: attributes as `ce-*` headers and the data as the body;
 * structured: the whole event as `application/cloudevents+json`), signed with the
 * subscription's secret (see webhook-signature.ts). The URL is checked against the address
 * policy before every attempt (DNS may have changed since creation) and again on the
 * addresses the socket connects to (no DNS rebinding window); redirects are followed only
 * to the same host and re-checked; each request has a timeout.
 */
export class CloudEventsWebhookSender implements WebhookSender {
  private readonly lookup: ReturnType<typeof policyLookup>;

  constructor(
    private readonly resolve: HostResolver,
    private readonly allowList: AddressAllowList,
    private readonly timeoutMs: number,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.lookup = policyLookup(allowList);
  }

  async send(channel: WebhookChannel, event: NotificationEvent, deliveryId: string): Promise<AttemptOutcome> {
    const source = event.cloudEvent;
    // CloudEvents' distributed-tracing extension: the trace travels inside the event too, so a
    // structured event stored or forwarded by the receiver still names its trace.
    const { traceparent } = injectTraceHeaders({}, context.active());
    const ce = new CloudEvent({
      specversion: '1.0',
      id: source.id,
      source: source.source,
      type: source.type,
      time: source.time,
      subject: source.subject ?? event.deviceId,
      datacontenttype: 'application/json',
      data: source.data,
      // Extension attributes (lower-case alphanumerics): routing help for receivers.
      geopulsetenant: event.tenantId.toLowerCase().replace(/[^a-z0-9]/g, '') || 'none',
      geopulsenotification: event.type.replace(/[^a-z]/g, ''),
      ...(traceparent ? { traceparent } : {}),
    }, false);
    const message = channel.mode === 'structured' ? HTTP.structured(ce) : HTTP.binary(ce);
    const body = typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
    const timestamp = this.nowSeconds();
    const headers: Record<string, string> = {
      ...(message.headers as Record<string, string>),
      'user-agent': 'geopulse-notifier/1',
      'idempotency-key': deliveryId,
      [SIGNATURE_HEADERS.timestamp]: String(timestamp),
      [SIGNATURE_HEADERS.signature]: signWebhook(channel.secret, timestamp, body),
    };
    injectTraceHeaders(headers, context.active());

    let url = channel.url;
    const originalHost = new URL(url).host;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const verdict = await checkWebhookUrl(url, this.resolve, this.allowList);
      if (!verdict.ok) return { kind: 'permanent', error: verdict.message };
      let answer: { status: number; location?: string };
      try {
        answer = await postWithPolicy(new URL(url), headers, body, this.timeoutMs, this.lookup);
      } catch (err) {
        if (err instanceof RefusedAddressError) return { kind: 'permanent', error: err.message };
        const e = err as Error & { code?: string };
        const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? `timed out after ${this.timeoutMs} ms` : (e.code ?? e.message);
        return { kind: 'retryable', error: `webhook request failed: ${reason}` };
      }
      if (answer.status >= 300 && answer.status < 400 && answer.location) {
        const next = new URL(answer.location, url);
        if (next.host !== originalHost) return { kind: 'permanent', error: `redirect to another host (${next.host}) refused` };
        url = next.toString();
        continue;
      }
      return classifyHttpStatus(answer.status);
    }
    return { kind: 'permanent', error: `more than ${MAX_REDIRECTS} redirects` };
  }
}

import { composeMessage, renderTemplate, traceUrl } from './message-template';
import { alertEvent } from '../test-support/events';

const event = (data: Record<string, unknown> = {}) =>
  alertEvent({
    ruleId: 'hot', ruleName: 'Hot office', deviceId: 'thermo-1', reason: 'temperature > 30',
    triggeringReadings: [{ id: 'r1', ts: '2026-11-22T10:00:00.000Z', metrics: { temperature: 31.5 } }], traceId: '0af7651916cd43dd8448eb211c80319c', ...data,
  });

describe('renderTemplate', () => {
  it('substitutes placeholders and nothing else', () => {
    expect(renderTemplate('a {{x}} b {{ y }} {{missing}}{{constructor}}{{x.y}}', { x: '1', y: '2' }, 'text')).toBe('a 1 b 2 {{x.y}}');
    expect(renderTemplate('{{x}}', { x: '{{y}}', y: 'no' }, 'text')).toBe('{{y}}');
  });

  it('escapes values in HTML', () => {
    expect(renderTemplate('<p>{{x}}</p>', { x: '<script>alert("1")</script>&' }, 'html')).toBe('<p>&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt;&amp;</p>');
  });
});

describe('composeMessage', () => {
  it('names device, rule, time, values, severity and the trace link', () => {
    const m = composeMessage(event(), 'Ops', 'http://jaeger:16686/trace/{{traceId}}');
    expect(m.subject).toBe('[geopulse] Alert started (CRITICAL): Hot office (hot) on thermo-1');
    for (const part of [m.text, m.html]) {
      expect(part).toContain('thermo-1');
      expect(part).toContain('Hot office (hot)');
      expect(part).toContain('2026-11-22T10:00:00.000Z');
      expect(part).toContain('temperature=31.5');
      expect(part).toContain('http://jaeger:16686/trace/0af7651916cd43dd8448eb211c80319c');
    }
  });

  it('escapes hostile values in HTML and strips line breaks from the subject', () => {
    const m = composeMessage(event({ ruleName: '<img src=x onerror=alert(1)>\r\nBcc: x@evil' }), 'Ops', '');
    expect(m.html).not.toContain('<img');
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.text).toContain('(no trace)');
  });

  it('builds no trace link without a trace id or template', () => {
    expect(traceUrl('http://j/trace/{{traceId}}', undefined)).toBeUndefined();
    expect(traceUrl('', 'abc')).toBeUndefined();
  });
});

import { context, trace } from '@opentelemetry/api';
import type { LoggerService } from '@nestjs/common';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | undefined | null>;

/**
 * JSON logs, one event per line, carrying the active `trace_id` / `span_id`.
 * Never pass keys, tokens, secrets or whole payloads as fields.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {}

  child(component: string): ComponentLogger {
    return new ComponentLogger(this, component);
  }

  /** `always` writes the line whatever the configured level (audit lines). */
  emit(level: LogLevel, msg: string, fields: LogFields = {}, options: { always?: boolean } = {}): void {
    if (!options.always && ORDER[level] < ORDER[this.level]) return;
    const span = trace.getSpan(context.active())?.spanContext();
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, service: this.service, msg };
    if (span && trace.isSpanContextValid(span)) {
      entry.trace_id = span.traceId;
      entry.span_id = span.spanId;
    }
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) entry[key] = value;
    this.write(`${JSON.stringify(entry)}\n`);
  }

  // Nest's LoggerService: (message, ...optionalParams) where the last param is the context.
  log(message: unknown, ...params: unknown[]): void {
    this.fromNest('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.fromNest('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.fromNest('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.fromNest('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.fromNest('debug', message, params);
  }

  private fromNest(level: LogLevel, message: unknown, params: unknown[]): void {
    const component = typeof params[params.length - 1] === 'string' ? (params[params.length - 1] as string) : undefined;
    const stack = level === 'error' && typeof params[0] === 'string' && params.length > 1 ? params[0] : undefined;
    this.emit(level, message instanceof Error ? message.message : String(message), { component, stack });
  }
}

export class ComponentLogger {
  constructor(
    private readonly root: JsonLogger,
    private readonly component: string,
  ) {}
  debug(msg: string, fields?: LogFields): void {
    this.root.emit('debug', msg, { component: this.component, ...fields });
  }
  info(msg: string, fields?: LogFields): void {
    this.root.emit('info', msg, { component: this.component, ...fields });
  }
  warn(msg: string, fields?: LogFields): void {
    this.root.emit('warn', msg, { component: this.component, ...fields });
  }
  error(msg: string, fields?: LogFields): void {
    this.root.emit('error', msg, { component: this.component, ...fields });
  }
}

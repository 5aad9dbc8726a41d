import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { KafkaSettings, OperatorAuthSettings } from '@geopulse/config';
import { createKafkaClient, EventProducer, KafkaHealth, provisionTopics, type Kafka } from '@geopulse/kafka';
import {
  AUDIT_LOG,
  AUTHORIZER,
  AuditInterceptor,
  CEDAR_AUTHORIZER,
  CedarAuthorizer,
  LoggedAuthorizer,
  OPERATOR_TOKEN_VERIFIER,
  OperatorGuard,
  OperatorTokenVerifier,
  type AuditEntry,
  type AuditLog,
  type DecisionEntry,
  type DecisionLog,
} from '@geopulse/auth';
import type { JsonLogger } from '@geopulse/observability';

export const LOGGER = Symbol('LOGGER');
export const KAFKA = Symbol('KAFKA');
export const KAFKA_SETTINGS = Symbol('KAFKA_SETTINGS');
export const KAFKA_HEALTH = Symbol('KAFKA_HEALTH');

/**
 * Provisions topics and connects the producer when the app starts; disconnects on shutdown
 * after the service's consumers (declared later, destroyed first) have stopped.
 */
@Injectable()
export class KafkaLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(KAFKA_SETTINGS) private readonly settings: KafkaSettings,
    private readonly producer: EventProducer,
    @Inject(KAFKA_HEALTH) private readonly health: KafkaHealth,
    @Inject(LOGGER) private readonly logger: JsonLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const log = this.logger.child('kafka');
    if (this.settings.provisionTopics) {
      const created = await provisionTopics(this.kafka, this.settings);
      if (created.length > 0) log.info('created topics', { topics: created.join(',') });
    }
    // The producer connects lazily too; connecting here surfaces a wrong broker list at once.
    await this.producer.connect().catch((err: Error) => log.warn('producer not connected yet', { error: err.message }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    await this.health.close();
  }
}

/** Logger, Kafka client, producer, health probe and topic provisioning for a service. */
export function kafkaProviders(settings: KafkaSettings, service: string, logger: JsonLogger, producerSendTimeoutMs?: number): Provider[] {
  const kafka = createKafkaClient(settings, `geopulse-${service}`, logger.child('kafka'));
  return [
    { provide: LOGGER, useValue: logger },
    { provide: KAFKA, useValue: kafka },
    { provide: KAFKA_SETTINGS, useValue: settings },
    { provide: KAFKA_HEALTH, useValue: new KafkaHealth(kafka) },
    { provide: EventProducer, useValue: new EventProducer(kafka, settings, logger.child('producer'), producerSendTimeoutMs) },
    KafkaLifecycle,
  ];
}

/**
 * Audit lines: one JSON line per write, `"msg":"audit"`, with tenant, sub, action, resource,
 * outcome, status and the trace id; written whatever LOG_LEVEL says.
 */
export class JsonAuditLog implements AuditLog {
  constructor(private readonly logger: JsonLogger) {}

  record(entry: AuditEntry): void {
    this.logger.emit('info', 'audit', { component: 'audit', ...entry }, { always: true });
  }
}

/**
 * Authorization decisions: one JSON line each, `"msg":"authorization"`, with principal, action,
 * resource, decision and the deciding policy ids. Denials are always written (they answer "why
 * was I denied"); allows at LOG_LEVEL=debug.
 */
export class JsonDecisionLog implements DecisionLog {
  constructor(private readonly logger: JsonLogger) {}

  record(entry: DecisionEntry): void {
    const denied = entry.decision === 'deny';
    const fields = {
      component: 'authorization',
      ...entry,
      roles: entry.roles?.join(','),
      policyIds: entry.policyIds.join(','),
      errors: entry.errors?.join('; '),
    };
    this.logger.emit(denied ? 'info' : 'debug', 'authorization', fields, { always: denied });
  }
}

/** Operator JWT verification for management routes (@UseGuards(OperatorGuard) + @Requires(action)), and the audit log. */
export function operatorAuthProviders(settings: OperatorAuthSettings, logger: JsonLogger): Provider[] {
  const cedar = new CedarAuthorizer();
  return [
    { provide: OPERATOR_TOKEN_VERIFIER, useValue: new OperatorTokenVerifier(settings) },
    { provide: AUDIT_LOG, useValue: new JsonAuditLog(logger) },
    { provide: CEDAR_AUTHORIZER, useValue: cedar },
    // Every decision is logged, the guard's and the handlers' (device commands).
    { provide: AUTHORIZER, useValue: new LoggedAuthorizer(cedar, new JsonDecisionLog(logger)) },
    OperatorGuard,
    AuditInterceptor,
  ];
}

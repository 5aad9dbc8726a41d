import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { KafkaSettings } from '@geopulse/config';
import type { ComponentLogger } from '@geopulse/observability';
import { dropKafkajsNegativeTimeoutWarning } from './kafkajs-timer-warning';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** The kafkajs client, configured from our settings; nothing outside libs/kafka sees kafkajs. */
export function createKafkaClient(settings: KafkaSettings, clientId: string, log: ComponentLogger): Kafka {
  dropKafkajsNegativeTimeoutWarning();
  const config: KafkaConfig = {
    clientId,
    brokers: settings.brokers,
    ssl: settings.ssl,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 5 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        const fields: Record<string, string | number | boolean> = {};
        for (const [k, v] of Object.entries(rest)) {
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
        }
        const method = LEVELS[level] ?? 'info';
        log[method](`kafka: ${message}`, fields);
      },
  };
  if (settings.sasl?.mechanism === 'scram-sha-512') {
    config.sasl = { mechanism: 'scram-sha-512', username: settings.sasl.username, password: settings.sasl.password };
  } else if (settings.sasl?.mechanism === 'aws-msk-iam') {
    // MSK IAM needs a signing mechanism plugged into kafkajs (aws-msk-iam-sasl-signer-js);
    // it is not wired yet, so refuse clearly instead of connecting without auth.
    throw new Error('KAFKA_SASL_MECHANISM=aws-msk-iam is not supported yet; use scram-sha-512');
  }
  return new Kafka(config);
}

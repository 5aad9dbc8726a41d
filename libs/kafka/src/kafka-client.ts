import { Kafka, logLevel, type ISocketFactory, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { KafkaSettings } from '@geopulse/config';
import type { ComponentLogger } from '@geopulse/observability';
import { dropKafkajsNegativeTimeoutWarning } from './kafkajs-timer-warning';
import { mskIamTokenGenerator } from './msk-iam-token';
import { createOAuthBearerProvider, type BearerTokenGenerator } from './oauth-bearer-provider';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Test seams: production passes none. */
export interface KafkaClientSeams {
  /**
   * Replaces the AWS signer behind KAFKA_SASL_MECHANISM=aws-msk-iam, so the OAUTHBEARER wiring
   * can be proven against a local broker's unsecured-JWT validator.
   */
  oauthBearerToken?: BearerTokenGenerator;
  /** Lets a test count the TCP connections kafkajs opens. */
  socketFactory?: ISocketFactory;
}

/** The kafkajs client, configured from our settings; nothing outside libs/kafka sees kafkajs. */
export function createKafkaClient(settings: KafkaSettings, clientId: string, log: ComponentLogger, seams: KafkaClientSeams = {}): Kafka {
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
    ...(seams.socketFactory ? { socketFactory: seams.socketFactory } : {}),
  };
  if (settings.sasl?.mechanism === 'scram-sha-512') {
    config.sasl = { mechanism: 'scram-sha-512', username: settings.sasl.username, password: settings.sasl.password };
  } else if (settings.sasl?.mechanism === 'aws-msk-iam') {
    // MSK IAM is SASL/OAUTHBEARER with a SigV4-signed token (docs/decisions/0010-msk-iam.md).
    // kafkajs re-authenticates open connections before the broker's session ends (KIP-368).
    config.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: createOAuthBearerProvider({
        generate: seams.oauthBearerToken ?? mskIamTokenGenerator(settings.sasl.region),
        source: `MSK IAM (${settings.sasl.region})`,
      }),
    };
  }
  return new Kafka(config);
}

export interface KafkaServerSettings {
  brokerPort: number;
  controllerPort: number;
  /** log.dirs: where partitions and the metadata log live (kept across restarts). */
  dataDir: string;
  nodeId?: number;
  numPartitions?: number;
  /** An extra SASL_PLAINTEXT listener; absent by default (the stack stays PLAINTEXT only). */
  sasl?: KafkaSaslListener;
  /**
   * Where the listeners bind: 127.0.0.1 (default) for a process, 0.0.0.0 inside a container. Clients
   * are always told 127.0.0.1 (the containers backend maps each port to the same host port).
   */
  listenHost?: string;
  /**
   * An extra PLAINTEXT listener named PODS, bound to and advertised on this address (a cluster
   * bridge's gateway, so that pods reach the broker; tools/cluster); absent by default.
   */
  pods?: { host: string; port: number };
}

/**
 * A SASL_PLAINTEXT (or, with a keystore, SASL_SSL) listener named SASL that accepts OAUTHBEARER (Kafka's unsecured-JWT
 * development validator: any unsigned JWT with `sub` and a future `exp`) and SCRAM-SHA-512
 * (users added at format time, see `scramFormatArgs`). Brokers still talk to each other over
 * PLAINTEXT.
 */
export interface KafkaSaslListener {
  port: number;
  /** KIP-368 session lifetime cap for both mechanisms (connections.max.reauth.ms); default: none. */
  maxReauthMs?: number;
  /** SASL_SSL instead of SASL_PLAINTEXT: a PEM file holding the unencrypted PKCS#8 key and the certificate chain. */
  keystorePemFile?: string;
}

export interface ScramUser {
  name: string;
  password: string;
}

const OAUTHBEARER_LOGIN = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
const UNSECURED_VALIDATOR = 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler';
const SCRAM_LOGIN = 'org.apache.kafka.common.security.scram.ScramLoginModule';

function saslListenerLines(sasl: KafkaSaslListener): Array<[string, string | number]> {
  const lines: Array<[string, string | number]> = [
    ['sasl.enabled.mechanisms', 'OAUTHBEARER,SCRAM-SHA-512'],
    // The broker's own (unused) OAUTHBEARER login must still be configured for the mechanism to load.
    ['listener.name.sasl.oauthbearer.sasl.jaas.config', `${OAUTHBEARER_LOGIN} required unsecuredLoginStringClaim_sub="broker";`],
    ['listener.name.sasl.oauthbearer.sasl.server.callback.handler.class', UNSECURED_VALIDATOR],
    ['listener.name.sasl.scram-sha-512.sasl.jaas.config', `${SCRAM_LOGIN} required;`],
  ];
  if (sasl.keystorePemFile) {
    lines.push(['listener.name.sasl.ssl.keystore.type', 'PEM'], ['listener.name.sasl.ssl.keystore.location', sasl.keystorePemFile]);
  }
  if (sasl.maxReauthMs !== undefined) {
    lines.push(
      ['listener.name.sasl.oauthbearer.connections.max.reauth.ms', sasl.maxReauthMs],
      ['listener.name.sasl.scram-sha-512.connections.max.reauth.ms', sasl.maxReauthMs],
    );
  }
  return lines;
}

/** kafka-storage format arguments that create SCRAM-SHA-512 credentials in the metadata log. */
export function scramFormatArgs(users: readonly ScramUser[]): string[] {
  return users.flatMap((user) => {
    if (!/^[A-Za-z0-9_-]+$/.test(user.name) || /[\],=\s"]/.test(user.password)) {
      throw new Error(`SCRAM user ${user.name}: names are [A-Za-z0-9_-], passwords without ] , = " or spaces`);
    }
    return ['--add-scram', `SCRAM-SHA-512=[name=${user.name},password=${user.password}]`];
  });
}

/**
 * server.properties of a single-node KRaft cluster (broker + controller in one process), sized for
 * tests: one replica of everything, no initial rebalance delay, topics only created explicitly.
 */
export function renderServerProperties(settings: KafkaServerSettings): string {
  const host = '127.0.0.1';
  const listenHost = settings.listenHost ?? host;
  const sasl = settings.sasl ? `,SASL://${host}:${settings.sasl.port}` : '';
  const saslListener = settings.sasl ? `,SASL://${listenHost}:${settings.sasl.port}` : '';
  const saslProtocol = settings.sasl && (settings.sasl.keystorePemFile ? 'SASL_SSL' : 'SASL_PLAINTEXT');
  const pods = settings.pods ? `,PODS://${settings.pods.host}:${settings.pods.port}` : '';
  const lines: Array<[string, string | number]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', settings.nodeId ?? 1],
    ['listeners', `PLAINTEXT://${listenHost}:${settings.brokerPort},CONTROLLER://${listenHost}:${settings.controllerPort}${saslListener}${pods}`],
    ['advertised.listeners', `PLAINTEXT://${host}:${settings.brokerPort}${sasl}${pods}`],
    [
      'listener.security.protocol.map',
      `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${saslProtocol ? `,SASL:${saslProtocol}` : ''}${pods ? ',PODS:PLAINTEXT' : ''}`,
    ],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['controller.listener.names', 'CONTROLLER'],
    // Dynamic quorum (formatted with --standalone): bootstrap servers instead of static voters.
    ['controller.quorum.bootstrap.servers', `${host}:${settings.controllerPort}`],
    ['log.dirs', settings.dataDir],
    ['num.partitions', settings.numPartitions ?? 3],
    ['default.replication.factor', 1],
    ['min.insync.replicas', 1],
    ['offsets.topic.replication.factor', 1],
    ['offsets.topic.num.partitions', 3],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['transaction.state.log.num.partitions', 3],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    ['group.initial.rebalance.delay.ms', 0],
    ['auto.create.topics.enable', 'false'],
    ['delete.topic.enable', 'true'],
    // Small segments and a short check interval keep disk use and compaction tests quick.
    ['log.segment.bytes', 16 * 1024 * 1024],
    ['log.cleaner.backoff.ms', 1000],
    ['log.retention.check.interval.ms', 60_000],
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['num.recovery.threads.per.data.dir', 1],
    ['background.threads', 4],
    ...(settings.sasl ? saslListenerLines(settings.sasl) : []),
  ];
  const body = lines.map(([key, value]) => `${key}=${value}`).join('\n');
  return `# Generated by @geopulse/testing: single-node KRaft cluster for tests.\n${body}\n`;
}

/** log4j2 configuration: everything to one file, INFO for Kafka's own startup/shutdown lines, quiet otherwise. */
export function renderLog4j2Properties(logFile: string): string {
  return [
    '# Generated by @geopulse/testing: Kafka logs to a file, never to the console.',
    'status = warn',
    'name = geopulse-kafka',
    'appender.file.type = File',
    'appender.file.name = FILE',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = WARN',
    'rootLogger.appenderRefs = file',
    'rootLogger.appenderRef.file.ref = FILE',
    'logger.kafka.name = kafka',
    'logger.kafka.level = INFO',
    'logger.apachekafka.name = org.apache.kafka',
    'logger.apachekafka.level = INFO',
    // Per-request and per-partition chatter would dominate the file.
    'logger.request.name = kafka.request.logger',
    'logger.request.level = WARN',
    'logger.statechange.name = state.change.logger',
    'logger.statechange.level = WARN',
    'logger.logcleaner.name = kafka.log.LogCleaner',
    'logger.logcleaner.level = WARN',
    'logger.clients.name = org.apache.kafka.clients',
    'logger.clients.level = WARN',
    'logger.config.name = org.apache.kafka.common.config.AbstractConfig',
    'logger.config.level = WARN',
    '',
  ].join('\n');
}

export interface KafkaJvmSettings {
  libDir: string;
  log4jConfig: string;
  /** Optional AppCDS archive (see kafka.component.ts). */
  classDataArchive?: { path: string; mode: 'use' | 'create' };
}

/**
 * JVM flags for a test broker on a 2-core CI machine that also runs five Node services: a small
 * heap, the serial collector (no GC threads competing for the cores), C1 only (fast warm-up,
 * which matters more than peak throughput for test traffic), and class data sharing.
 */
export function kafkaJvmArgs(settings: KafkaJvmSettings): string[] {
  const args = [
    '-Xms256m',
    '-Xmx768m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    '-Djava.net.preferIPv4Stack=true',
    `-Dlog4j2.configurationFile=${settings.log4jConfig}`,
  ];
  if (settings.classDataArchive?.mode === 'use') {
    args.push(`-XX:SharedArchiveFile=${settings.classDataArchive.path}`, '-Xshare:auto');
  } else if (settings.classDataArchive?.mode === 'create') {
    args.push(`-XX:ArchiveClassesAtExit=${settings.classDataArchive.path}`);
  } else {
    args.push('-Xshare:auto');
  }
  args.push('-cp', `${settings.libDir}/*`);
  return args;
}

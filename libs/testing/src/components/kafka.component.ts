import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_VERSION, kafkaLibDir, requireExecutable } from '../infra/infra-cache';
import type { ComponentDefinition, ComponentPorts, LaunchSpec, PrepareContext } from './component';
import { kafkaJvmArgs, renderLog4j2Properties, renderServerProperties, scramFormatArgs, type ScramUser } from './kafka-config';

const execFileAsync = promisify(execFile);

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding (what `kafka-storage random-uuid`
 * prints). Like Kafka's own Uuid.randomUuid, never one starting with '-': the storage tool's
 * argument parser would take it for an option (about one stack start in 64 failed that way).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * AppCDS: the first broker ever started on a machine records the classes it loads
 * (-XX:ArchiveClassesAtExit) and, after a clean stop, the archive is kept in the jar cache; every
 * later start maps it, which cuts broker start-up by about a third. The archive is keyed by the
 * JVM, so a JDK upgrade simply records a new one. Java ignores an unusable archive (-Xshare:auto).
 */
async function classDataArchive(java: string, libDir: string): Promise<{ path: string; mode: 'use' | 'create' }> {
  const { stderr } = await execFileAsync(java, ['-version']);
  const key = createHash('sha256')
    .update(fs.realpathSync(java))
    .update(stderr)
    .update(fs.readdirSync(libDir).sort().join(','))
    .digest('hex')
    .slice(0, 16);
  const archive = path.join(path.dirname(libDir), 'cds', `kafka-${key}.jsa`);
  if (fs.existsSync(archive)) return { path: archive, mode: 'use' };
  fs.mkdirSync(path.dirname(archive), { recursive: true });
  // Leftovers of brokers that were killed while dumping (a dump is written only at exit).
  for (const entry of fs.readdirSync(path.dirname(archive))) {
    const file = path.join(path.dirname(archive), entry);
    if (entry.endsWith('.tmp') && Date.now() - fs.statSync(file).mtimeMs > 10 * 60_000) fs.rmSync(file, { force: true });
  }
  return { path: `${archive}.${process.pid}-${Date.now()}.tmp`, mode: 'create' };
}

const ARCHIVE_CREATE_FLAG = '-XX:ArchiveClassesAtExit=';

async function probeKafka(ports: ComponentPorts): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'geopulse-stack-probe',
    brokers: [`127.0.0.1:${ports.broker}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Options of a broker started on its own (libs/kafka's SASL tests); the shared stack uses none. */
export interface KafkaComponentOptions {
  /**
   * Adds a SASL_PLAINTEXT (SASL_SSL with `tls`) listener (port `sasl`, env KAFKA_SASL_BROKERS) accepting OAUTHBEARER
   * with Kafka's unsecured-JWT validator and SCRAM-SHA-512 for these users.
   */
  sasl?: {
    scramUsers?: ScramUser[];
    maxReauthMs?: number;
    /** Makes the listener SASL_SSL with this unencrypted PKCS#8 key and PEM certificate chain. */
    tls?: { privateKeyPem: string; certificateChainPem: string };
  };
  /**
   * Adds a PLAINTEXT listener (port `pods`, env KAFKA_POD_BROKERS) bound to and advertised on this
   * address: a test cluster's bridge gateway, so that its pods reach the broker (tools/cluster).
   */
  podsHost?: string;
}

/** The Kafka component; `kafkaComponent` is the default, PLAINTEXT-only one. */
export function createKafkaComponent(options: KafkaComponentOptions = {}): ComponentDefinition {
  return {
    ...kafkaComponent,
    portNames: [...kafkaComponent.portNames, ...(options.sasl ? ['sasl'] : []), ...(options.podsHost ? ['pods'] : [])],
    prepare: (context) => prepareKafka(context, options),
    env: (ports, dir) => ({
      ...kafkaComponent.env(ports, dir),
      ...(options.podsHost ? { KAFKA_POD_BROKERS: `${options.podsHost}:${ports.pods}` } : {}),
    }),
  };
}

/** Writes server.properties (listeners bound on `listenHost`), log4j2.properties and a SASL keystore; shared by both backends. */
export function writeKafkaConfig(
  { dir, logDir, ports }: PrepareContext,
  options: KafkaComponentOptions,
  listenHost = '127.0.0.1',
): { propertiesFile: string; log4jFile: string } {
  const dataDir = path.join(dir, 'data');
  const propertiesFile = path.join(dir, 'server.properties');
  const log4jFile = path.join(dir, 'log4j2.properties');
  fs.mkdirSync(dataDir, { recursive: true });
  let keystorePemFile: string | undefined;
  if (options.sasl?.tls) {
    keystorePemFile = path.join(dir, 'sasl-keystore.pem');
    fs.writeFileSync(keystorePemFile, `${options.sasl.tls.privateKeyPem.trim()}\n${options.sasl.tls.certificateChainPem.trim()}\n`, { mode: 0o600 });
  }
  const sasl = options.sasl ? { port: ports.sasl, maxReauthMs: options.sasl.maxReauthMs, keystorePemFile } : undefined;
  const pods = options.podsHost ? { host: options.podsHost, port: ports.pods } : undefined;
  fs.writeFileSync(
    propertiesFile,
    renderServerProperties({ brokerPort: ports.broker, controllerPort: ports.controller, dataDir, sasl, listenHost, pods }),
  );
  fs.writeFileSync(log4jFile, renderLog4j2Properties(path.join(logDir, 'kafka-server.log')));
  return { propertiesFile, log4jFile };
}

/** `kafka-storage format` of a single-node cluster, after the JVM flags and class path. */
export function storageFormatArgs(propertiesFile: string, options: KafkaComponentOptions): string[] {
  return [
    'kafka.tools.StorageTool',
    'format',
    '--standalone',
    '--ignore-formatted',
    '--cluster-id',
    newClusterId(),
    '--config',
    propertiesFile,
    ...scramFormatArgs(options.sasl?.scramUsers ?? []),
  ];
}

/** The format run's JVM: the broker's flags with a smaller initial heap. */
export const formatJvmArgs = (jvm: string[]): string[] => jvm.map((arg) => (arg === '-Xms256m' ? '-Xms64m' : arg));

async function prepareKafka(context: PrepareContext, options: KafkaComponentOptions): Promise<LaunchSpec> {
  const java = requireExecutable('java');
  const libDir = kafkaLibDir();
  const { dir } = context;
  const { propertiesFile, log4jFile } = writeKafkaConfig(context, options);

  const archive = await classDataArchive(java, libDir);
  const jvm = kafkaJvmArgs({ libDir, log4jConfig: log4jFile, classDataArchive: archive });

  // Format the storage once; restarts of this component reuse the formatted data dir.
  const formatJvm = formatJvmArgs(
    kafkaJvmArgs({ libDir, log4jConfig: log4jFile, classDataArchive: archive.mode === 'use' ? archive : undefined }),
  );
  try {
    await execFileAsync(java, [...formatJvm, ...storageFormatArgs(propertiesFile, options)]);
  } catch (error) {
    const detail = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `Kafka ${KAFKA_VERSION} storage format failed: ${detail.message}\n${detail.stdout ?? ''}${detail.stderr ?? ''}`,
    );
  }

  return { command: java, args: [...jvm, 'kafka.Kafka', propertiesFile], env: {}, cwd: dir };
}

export const kafkaComponent: ComponentDefinition = {
  name: 'kafka',
  portNames: ['broker', 'controller'],
  readyTimeoutMs: 90_000,
  stopTimeoutMs: 20_000,
  needs: { java: true, kafkaJars: true },

  prepare: (context) => prepareKafka(context, {}),

  probe: probeKafka,

  env(ports) {
    return {
      KAFKA_BROKERS: `127.0.0.1:${ports.broker}`,
      ...(ports.sasl ? { KAFKA_SASL_BROKERS: `127.0.0.1:${ports.sasl}` } : {}),
    };
  },

  async afterCleanStop(launch) {
    const flag = launch.args.find((arg) => arg.startsWith(ARCHIVE_CREATE_FLAG));
    if (!flag) return undefined;
    const recorded = flag.slice(ARCHIVE_CREATE_FLAG.length);
    const finalPath = recorded.replace(/\.\d+-\d+\.tmp$/, '');
    if (fs.existsSync(recorded) && fs.statSync(recorded).size > 0) {
      fs.renameSync(recorded, finalPath);
    }
    if (!fs.existsSync(finalPath)) return undefined;
    const args = launch.args.flatMap((arg) =>
      arg === flag ? [`-XX:SharedArchiveFile=${finalPath}`] : [arg],
    );
    return { ...launch, args };
  },
};

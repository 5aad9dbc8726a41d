import { kafkaJvmArgs, renderLog4j2Properties, renderServerProperties, scramFormatArgs } from './kafka-config';

function parseProperties(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const index = line.indexOf('=');
      return [line.slice(0, index), line.slice(index + 1)] as const;
    });
  return Object.fromEntries(entries);
}

describe('renderServerProperties', () => {
  const properties = parseProperties(
    renderServerProperties({ brokerPort: 41000, controllerPort: 41001, dataDir: '/tmp/stack/kafka/data' }),
  );

  it('runs broker and controller in one KRaft node on loopback', () => {
    expect(properties).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      listeners: 'PLAINTEXT://127.0.0.1:41000,CONTROLLER://127.0.0.1:41001',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:41000',
      'controller.listener.names': 'CONTROLLER',
      'controller.quorum.bootstrap.servers': '127.0.0.1:41001',
      'log.dirs': '/tmp/stack/kafka/data',
    });
    // --standalone formatting forbids static voters.
    expect(properties['controller.quorum.voters']).toBeUndefined();
  });

  it('keeps one replica of everything and creates topics only on request', () => {
    expect(properties).toMatchObject({
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'share.coordinator.state.topic.replication.factor': '1',
      'share.coordinator.state.topic.min.isr': '1',
      'default.replication.factor': '1',
      'min.insync.replicas': '1',
      'group.initial.rebalance.delay.ms': '0',
      'auto.create.topics.enable': 'false',
      'num.partitions': '3',
    });
  });
});

describe('renderServerProperties inside a container', () => {
  it('binds every listener on all interfaces but still advertises 127.0.0.1 (the port is mapped to the same host port)', () => {
    const properties = parseProperties(
      renderServerProperties({ brokerPort: 41000, controllerPort: 41001, dataDir: '/d', listenHost: '0.0.0.0', sasl: { port: 41002 } }),
    );
    expect(properties.listeners).toBe('PLAINTEXT://0.0.0.0:41000,CONTROLLER://0.0.0.0:41001,SASL://0.0.0.0:41002');
    expect(properties['advertised.listeners']).toBe('PLAINTEXT://127.0.0.1:41000,SASL://127.0.0.1:41002');
    expect(properties['controller.quorum.bootstrap.servers']).toBe('127.0.0.1:41001');
  });
});

describe('renderServerProperties with a listener for a test cluster\'s pods', () => {
  it('binds and advertises a PLAINTEXT listener on the bridge address, loopback clients unchanged', () => {
    const properties = parseProperties(
      renderServerProperties({ brokerPort: 41000, controllerPort: 41001, dataDir: '/d', pods: { host: '10.244.0.1', port: 41003 } }),
    );
    expect(properties.listeners).toBe('PLAINTEXT://127.0.0.1:41000,CONTROLLER://127.0.0.1:41001,PODS://10.244.0.1:41003');
    expect(properties['advertised.listeners']).toBe('PLAINTEXT://127.0.0.1:41000,PODS://10.244.0.1:41003');
    expect(properties['listener.security.protocol.map']).toBe('PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PODS:PLAINTEXT');
    expect(properties['inter.broker.listener.name']).toBe('PLAINTEXT');
  });
});

describe('renderServerProperties with a SASL listener', () => {
  const base = { brokerPort: 41000, controllerPort: 41001, dataDir: '/d' };

  it('has none by default', () => {
    expect(renderServerProperties(base)).not.toMatch(/SASL|sasl/);
  });

  it('adds SASL_PLAINTEXT with the unsecured OAUTHBEARER validator and SCRAM-SHA-512, brokers still on PLAINTEXT', () => {
    const properties = parseProperties(renderServerProperties({ ...base, sasl: { port: 41002, maxReauthMs: 15000 } }));
    expect(properties).toMatchObject({
      listeners: 'PLAINTEXT://127.0.0.1:41000,CONTROLLER://127.0.0.1:41001,SASL://127.0.0.1:41002',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:41000,SASL://127.0.0.1:41002',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL:SASL_PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'sasl.enabled.mechanisms': 'OAUTHBEARER,SCRAM-SHA-512',
      'listener.name.sasl.oauthbearer.sasl.server.callback.handler.class':
        'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler',
      'listener.name.sasl.oauthbearer.connections.max.reauth.ms': '15000',
      'listener.name.sasl.scram-sha-512.connections.max.reauth.ms': '15000',
    });
  });

  it('turns the listener into SASL_SSL with a PEM keystore when given one', () => {
    const properties = parseProperties(renderServerProperties({ ...base, sasl: { port: 41002, keystorePemFile: '/d/k.pem' } }));
    expect(properties).toMatchObject({
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL:SASL_SSL',
      'listener.name.sasl.ssl.keystore.type': 'PEM',
      'listener.name.sasl.ssl.keystore.location': '/d/k.pem',
    });
    expect(properties['listener.name.sasl.oauthbearer.connections.max.reauth.ms']).toBeUndefined();
  });
});

describe('scramFormatArgs', () => {
  it('adds one --add-scram per user and refuses values that would break its syntax', () => {
    expect(scramFormatArgs([{ name: 'alice', password: 'p4ss' }])).toEqual(['--add-scram', 'SCRAM-SHA-512=[name=alice,password=p4ss]']);
    expect(() => scramFormatArgs([{ name: 'bob', password: 'a,b' }])).toThrow(/SCRAM user bob/);
  });
});

describe('renderLog4j2Properties', () => {
  it('logs to the given file only', () => {
    const config = renderLog4j2Properties('/tmp/stack/logs/kafka-server.log');
    expect(config).toContain('appender.file.fileName = /tmp/stack/logs/kafka-server.log');
    expect(config).not.toMatch(/type = Console/);
    expect(config).toContain('rootLogger.appenderRef.file.ref = FILE');
  });
});

describe('kafkaJvmArgs', () => {
  const base = { libDir: '/cache/kafka/libs', log4jConfig: '/s/log4j2.properties' };

  it('uses a small heap, the serial collector, C1 and the cached jars', () => {
    const args = kafkaJvmArgs(base);
    expect(args).toEqual(expect.arrayContaining(['-Xmx768m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto']));
    expect(args.slice(-2)).toEqual(['-cp', '/cache/kafka/libs/*']);
    expect(args).toContain('-Dlog4j2.configurationFile=/s/log4j2.properties');
  });

  it('records a class-data archive on the first run and maps it afterwards', () => {
    expect(kafkaJvmArgs({ ...base, classDataArchive: { path: '/c/k.jsa.1-2.tmp', mode: 'create' } })).toContain(
      '-XX:ArchiveClassesAtExit=/c/k.jsa.1-2.tmp',
    );
    expect(kafkaJvmArgs({ ...base, classDataArchive: { path: '/c/k.jsa', mode: 'use' } })).toContain(
      '-XX:SharedArchiveFile=/c/k.jsa',
    );
  });
});

import * as fs from 'node:fs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbLocalLibDir, requireExecutable } from '../infra/infra-cache';
import type { ComponentDefinition, ComponentPorts } from './component';

/** Dummy credentials for DynamoDB Local (2.x+ accepts only letters and digits in the key id). */
export const DYNAMODB_LOCAL_CREDENTIALS = { accessKeyId: 'geopulselocal', secretAccessKey: 'geopulselocal' };
export const DYNAMODB_LOCAL_REGION = 'us-east-1';

/** DynamoDB Local 3.x: the main class moved from com.amazonaws... to software.amazon.dynamodb... */
export const DYNAMODB_SERVER_RUNNER = 'software.amazon.dynamodb.services.local.main.ServerRunner';

/** JVM flags of both backends: a small heap, the serial collector, C1 only (see kafkaJvmArgs). */
export const DYNAMODB_JVM_FLAGS = [
  '-Xms64m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:+ExitOnOutOfMemoryError',
  '-Xshare:auto',
  '-Djava.awt.headless=true',
];

/** The server's arguments after its main class. */
export function dynamoDbServerArgs(port: number): string[] {
  // -sharedDb: one database for every access key and region, as a real account would look to tests.
  return ['-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(port)];
}

async function probeDynamoDb(ports: ComponentPorts): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${ports.http}`,
    region: DYNAMODB_LOCAL_REGION,
    credentials: DYNAMODB_LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
  });
  try {
    const answer = await client.send(new ListTablesCommand({}));
    return Array.isArray(answer.TableNames);
  } finally {
    client.destroy();
  }
}

export const dynamoDbComponent: ComponentDefinition = {
  name: 'dynamodb',
  portNames: ['http'],
  readyTimeoutMs: 60_000,
  stopTimeoutMs: 10_000,
  needs: { java: true, dynamoDbJars: true },

  async prepare({ dir, ports }) {
    const libDir = dynamoDbLocalLibDir();
    fs.mkdirSync(dir, { recursive: true });
    return {
      command: requireExecutable('java'),
      args: [
        ...DYNAMODB_JVM_FLAGS,
        // sqlite4java finds libsqlite4java-linux-amd64-<version>.so here.
        `-Djava.library.path=${libDir}`,
        '-cp',
        `${libDir}/*`,
        DYNAMODB_SERVER_RUNNER,
        ...dynamoDbServerArgs(ports.http),
      ],
      env: {},
      cwd: dir,
    };
  },

  probe: probeDynamoDb,

  env(ports) {
    return {
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${ports.http}`,
      AWS_REGION: DYNAMODB_LOCAL_REGION,
      AWS_ACCESS_KEY_ID: DYNAMODB_LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DYNAMODB_LOCAL_CREDENTIALS.secretAccessKey,
    };
  },
};

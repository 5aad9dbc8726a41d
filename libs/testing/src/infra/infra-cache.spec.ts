import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../package-paths';
import { cacheDir, DYNAMODB_LOCAL_VERSION, ensureDepsScript, ensureJaegerScript, JAEGER_MODULE_VERSION, jaegerBinary, KAFKA_VERSION, kafkaLibDir } from './infra-cache';

const read = (relative: string) => fs.readFileSync(path.join(repoRoot, relative), 'utf8');

describe('infra cache', () => {
  it('agrees with the poms and ensure-deps.sh on versions', () => {
    expect(read('tools/infra/maven/kafka/pom.xml')).toContain(`<kafka.version>${KAFKA_VERSION}</kafka.version>`);
    expect(read('tools/infra/maven/dynamodb/pom.xml')).toMatch(
      new RegExp(`<artifactId>DynamoDBLocal</artifactId><version>${DYNAMODB_LOCAL_VERSION.replace(/\./g, '\\.')}</version>`),
    );
    const script = fs.readFileSync(ensureDepsScript, 'utf8');
    expect(script).toContain(`KAFKA_VERSION=${KAFKA_VERSION}\n`);
    expect(script).toContain(`DYNAMODB_LOCAL_VERSION=${DYNAMODB_LOCAL_VERSION}\n`);
    expect(fs.readFileSync(ensureJaegerScript, 'utf8')).toContain(`JAEGER_MODULE_VERSION=${JAEGER_MODULE_VERSION} `);
  });

  it('honours GEOPULSE_CACHE_DIR like the script does', () => {
    expect(cacheDir({ GEOPULSE_CACHE_DIR: '/ci/cache' })).toBe('/ci/cache');
    expect(cacheDir({ GEOPULSE_CACHE_DIR: '', HOME: '/home/dev' })).toMatch(/\.cache[/\\]geopulse$/);
    expect(kafkaLibDir({ GEOPULSE_CACHE_DIR: '/ci/cache' })).toBe(`/ci/cache/kafka-${KAFKA_VERSION}/libs`);
    expect(jaegerBinary({ GEOPULSE_CACHE_DIR: '/ci/cache' })).toBe(`/ci/cache/jaeger-${JAEGER_MODULE_VERSION}/jaeger`);
  });
});

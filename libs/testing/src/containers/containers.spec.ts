import * as fs from 'node:fs';
import { DYNAMODB_LOCAL_VERSION, JAEGER_MODULE_VERSION, KAFKA_VERSION } from '../infra/infra-cache';
import { ensureInfraImagesScript } from './container-components';
import { containerName } from './container-spec';

describe('containers backend', () => {
  it('builds and names the images of the versions the process backend runs', () => {
    const script = fs.readFileSync(ensureInfraImagesScript, 'utf8');
    expect(script).toContain(`KAFKA_VERSION=${KAFKA_VERSION}\n`);
    expect(script).toContain(`DYNAMODB_LOCAL_VERSION=${DYNAMODB_LOCAL_VERSION}\n`);
    expect(script).toContain(`JAEGER_MODULE_VERSION=${JAEGER_MODULE_VERSION}\n`);
  });

  it('names a container after its stack dir and component, so a respawned runner replaces it', () => {
    const name = containerName({ stackDir: '/tmp/a', component: 'kafka' });
    expect(name).toMatch(/^geopulse-kafka-[0-9a-f]{12}$/);
    expect(containerName({ stackDir: '/tmp/a', component: 'kafka' })).toBe(name);
    expect(containerName({ stackDir: '/tmp/b', component: 'kafka' })).not.toBe(name);
  });
});

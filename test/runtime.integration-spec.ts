import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, waitFor, type ServiceProcess } from '@geopulse/testing';
import { newJwtSecret, startServices } from './support/platform';

// The one runtime line of the project (docs/decisions/0009-node-24.md): .nvmrc names it, and
// tools/test.sh and tools/local-up.sh put that Node first on PATH, also where the machine's is older.
const wanted = fs.readFileSync(path.join(repoRoot, '.nvmrc'), 'utf8').trim().replace(/^v/, '');
const wantedMajor = wanted.split('.')[0];

let services: Record<string, ServiceProcess>;

beforeAll(async () => {
  // Both construct DynamoDB clients at start, which is where the AWS SDK prints its end-of-support
  // notice on an old Node.
  services = await startServices(['ingest', 'aggregator'], { GEOPULSE_JWT_SECRET: newJwtSecret(), LOG_LEVEL: 'warn' });
  for (const service of Object.values(services)) {
    await waitFor(async () => (await fetch(`${service.baseUrl}/readyz`)).ok, { timeoutMs: 60_000, description: `${service.name} ready` });
  }
});

afterAll(async () => {
  await Promise.all(Object.values(services ?? {}).map((s) => s.stop()));
});

describe('runtime', () => {
  it('runs the tests on the Node line named in .nvmrc', () => {
    expect(process.versions.node.split('.')[0]).toBe(wantedMajor);
  });

  it('runs every service on that Node line, as its own metrics report', async () => {
    for (const service of Object.values(services)) {
      const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
      const line = metrics.split('\n').find((l) => l.startsWith('nodejs_version_info{'));
      expect(line).toContain(`major="${wantedMajor}"`);
    }
  });

  it('logs no AWS SDK end-of-support warning once the services have used DynamoDB', () => {
    for (const service of Object.values(services)) {
      // Readiness checked DynamoDB above, so the SDK clients exist and would have warned by now.
      expect(service.logTail(400)).not.toMatch(/NodeVersionSupportWarning|will require node/);
    }
  });
});

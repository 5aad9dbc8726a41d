import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { TOPIC_SPECS, topicName } from '@geopulse/contracts';
import { startStack, waitFor, type StackHandle } from '@geopulse/testing';
import { Kafka, logLevel } from 'kafkajs';
import { get, newJwtSecret, operatorFor, post } from './support/platform';

// `helm install` of deploy/helm/geopulse onto a real one-node Kubernetes cluster started for this
// run (tools/cluster/cluster.sh: etcd, kube-apiserver, controller manager, scheduler, our own
// containerd and a kubelet; docs/decisions/0601-cluster-harness.md), with the five images built
// from the Dockerfile and imported into the cluster's containerd. Kafka, Redis and DynamoDB Local
// run on this machine for this run, also listening on the cluster bridge's gateway address, which
// is what the pods are configured with. There is no DNS and no kube-proxy: every request goes to a
// pod's own address on the bridge this run created.

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const RELEASE = 'geopulse';
const CHART = path.join(ROOT, 'deploy/helm/geopulse');
const SERVICES = ['ingest', 'aggregator', 'rules', 'geo', 'notifier'] as const;
type Service = (typeof SERVICES)[number];
const PORTS: Record<Service, number> = { ingest: 3001, aggregator: 3002, rules: 3003, geo: 3004, notifier: 3005 };
const IMAGE_TAG = 'cluster-test';
const JWT_SECRET_NAME = 'geopulse-jwt';

const secret = newJwtSecret();
const ownDir = !process.env.GEOPULSE_CLUSTER_RUN_DIR;
const runDir = process.env.GEOPULSE_CLUSTER_RUN_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'geopulse-cluster-'));
const clusterDir = path.join(runDir, 'cluster');
const clusterEnv: Record<string, string> = {};
let stack: StackHandle | undefined;
let valuesFile: string;

function errorOutput(error: unknown): string {
  const detail = error as { message?: string; stdout?: string; stderr?: string };
  return `${detail.message ?? String(error)}\n${detail.stdout ?? ''}${detail.stderr ?? ''}`;
}

/** Runs a command; resolves its stdout, rejects with its output. */
async function run(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await execFileAsync(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...clusterEnv, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

const kubectl = (...args: string[]) => run(path.join(clusterEnv.GEOPULSE_CLUSTER_BIN, 'kubectl'), args);
const helm = (...args: string[]) => run('bash', [path.join(ROOT, 'tools/infra/helm.sh'), ...args]);

/** What the pods say when an install or upgrade did not become ready: their states and /readyz answers. */
async function podReport(): Promise<string> {
  const pods = await releasePods().catch(() => []);
  const lines = await Promise.all(
    pods.map(async (pod) => {
      const component = pod.metadata.labels?.['app.kubernetes.io/component'] as Service | undefined;
      const port = component ? PORTS[component] : undefined;
      let readyz = '';
      if (port && pod.status.podIP) {
        readyz = await fetch(`http://${pod.status.podIP}:${port}/readyz`, { signal: AbortSignal.timeout(3000) })
          .then(async (r) => `${r.status} ${await r.text()}`)
          .catch((error: unknown) => String(error));
      }
      return `${pod.metadata.name} ${pod.status.phase ?? '?'} ready=${isReady(pod)} ${readyz}`;
    }),
  );
  return lines.join('\n');
}

/** helm install/upgrade --wait; on failure the error carries the pods' report. */
async function helmWait(...args: string[]): Promise<void> {
  await helm(...args, '--wait', '--timeout', '3m').catch(async (error: unknown) => {
    throw new Error(`helm ${args[0]} failed: ${errorOutput(error)}\n${await podReport()}`);
  });
}

async function clusterScript(action: 'up' | 'down'): Promise<string> {
  return run('bash', [path.join(ROOT, 'tools/cluster/cluster.sh'), action, '--dir', clusterDir]);
}

/** `docker save` of the five images piped into the cluster's containerd (imagePullPolicy: Never). */
async function importImages(): Promise<void> {
  const images = SERVICES.map((service) => `geopulse/${service}:${IMAGE_TAG}`);
  await new Promise<void>((resolve, reject) => {
    const save = spawn('docker', ['save', ...images], { stdio: ['ignore', 'pipe', 'pipe'] });
    const load = spawn('ctr', ['--address', clusterEnv.CONTAINERD_ADDRESS, '-n', 'k8s.io', 'images', 'import', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    save.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    load.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    save.stdout.pipe(load.stdin);
    let saved: number | null = null;
    save.on('close', (code) => (saved = code));
    load.on('close', (code) => (code === 0 && saved === 0 ? resolve() : reject(new Error(`image import failed (save ${saved}, import ${code}): ${stderr}`))));
  });
}

interface PodItem {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

async function releasePods(): Promise<PodItem[]> {
  const out = await kubectl('get', 'pods', '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'json');
  return (JSON.parse(out) as { items: PodItem[] }).items;
}

const isReady = (pod: PodItem) =>
  pod.status.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Waits until each service has exactly `counts[service]` pods, all Running and Ready, none terminating. */
async function waitForPods(counts: Record<Service, number>): Promise<Record<Service, PodItem[]>> {
  let last = '';
  return waitFor(
    async () => {
      const pods = (await releasePods()).filter((pod) => (SERVICES as readonly string[]).includes(pod.metadata.labels?.['app.kubernetes.io/component'] ?? ''));
      const by = Object.fromEntries(SERVICES.map((s) => [s, pods.filter((p) => p.metadata.labels?.['app.kubernetes.io/component'] === s)])) as Record<Service, PodItem[]>;
      last = SERVICES.map((s) => `${s} ${by[s].filter(isReady).length}/${by[s].length}`).join(', ');
      const settled = SERVICES.every((s) => by[s].length === counts[s] && by[s].every((p) => isReady(p) && !p.metadata.deletionTimestamp));
      return settled ? by : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 1000, description: `pods per service ${JSON.stringify(counts)} Running and Ready` },
  ).catch((error: unknown) => {
    throw new Error(`${errorOutput(error)} (last seen, ready/all: ${last})`);
  });
}

async function deploymentReplicas(): Promise<Record<string, number>> {
  const out = await kubectl('get', 'deployments', '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'json');
  const items = (JSON.parse(out) as { items: Array<{ metadata: { labels: Record<string, string> }; spec: { replicas: number } }> }).items;
  return Object.fromEntries(items.map((d) => [d.metadata.labels['app.kubernetes.io/component'], d.spec.replicas]));
}

/** Partition count of every contract topic, read from the broker. */
async function topicPartitions(): Promise<Record<string, number>> {
  const kafka = new Kafka({ clientId: 'cluster-test', brokers: [stack?.env.KAFKA_BROKERS ?? ''], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = new Set(await admin.listTopics());
    const present = TOPIC_SPECS.map((spec) => topicName(spec.key)).filter((name) => names.has(name));
    const metadata = await admin.fetchTopicMetadata({ topics: present });
    return Object.fromEntries(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
  } finally {
    await admin.disconnect();
  }
}

const expectedPartitions = (partitions: number) =>
  Object.fromEntries(TOPIC_SPECS.map((spec) => [topicName(spec.key), spec.broadcast ? 1 : partitions]));

/** The values of this run: our images, the servers on the gateway address, small requests for 2 cores. */
function writeValues(): string {
  const gateway = clusterEnv.GEOPULSE_CLUSTER_GATEWAY;
  const env = stack?.env ?? {};
  const dynamoPort = new URL(env.DYNAMODB_ENDPOINT).port;
  // DynamoDB Local accepts any key; without one the AWS SDK would look for instance credentials.
  const extraEnv = [
    { name: 'AWS_ACCESS_KEY_ID', value: env.AWS_ACCESS_KEY_ID },
    { name: 'AWS_SECRET_ACCESS_KEY', value: env.AWS_SECRET_ACCESS_KEY },
  ];
  const resources = { requests: { cpu: '20m', memory: '96Mi' }, limits: { memory: '384Mi' } };
  const values = {
    global: {
      image: { repository: 'geopulse', tag: IMAGE_TAG, pullPolicy: 'Never' },
      kafka: { brokers: [env.KAFKA_POD_BROKERS], partitions: 1, topics: { resources } },
      redis: { url: env.REDIS_POD_URL },
      dynamodb: { endpoint: `http://${gateway}:${dynamoPort}` },
      aws: { region: env.AWS_REGION },
      auth: { existingSecret: JWT_SECRET_NAME },
      // Nothing listens there: no test here sends mail, and the notifier connects only to send.
      smtp: { url: `smtp://${gateway}:2525` },
      logLevel: 'warn',
    },
    ...Object.fromEntries(SERVICES.map((s) => [s, { resources, extraEnv }])),
  };
  // One pod per service to start with (ingest's default is 2); consumers follow the partitions.
  values.ingest = { ...values.ingest, replicas: 1 };
  const file = path.join(runDir, 'values.json');
  fs.writeFileSync(file, JSON.stringify(values, null, 2));
  return file;
}

async function podAddresses(): Promise<Record<Service, string>> {
  const pods = await waitForPods(await expectedCounts());
  return Object.fromEntries(SERVICES.map((s) => [s, `${pods[s][0].status.podIP}:${PORTS[s]}`])) as Record<Service, string>;
}

/** Pod counts the release's Deployments ask for. */
async function expectedCounts(): Promise<Record<Service, number>> {
  const replicas = await deploymentReplicas();
  return Object.fromEntries(SERVICES.map((s) => [s, replicas[s]])) as Record<Service, number>;
}

beforeAll(async () => {
  const started = Date.now();
  const up = await clusterScript('up').catch((error: unknown) => {
    throw new Error(`the cluster did not start: ${errorOutput(error)}`);
  });
  for (const match of up.matchAll(/^export (\w+)='([^']*)'$/gm)) clusterEnv[match[1]] = match[2];
  const gateway = clusterEnv.GEOPULSE_CLUSTER_GATEWAY;
  process.stderr.write(`[cluster-test] cluster up in ${Date.now() - started} ms (gateway ${gateway})\n`);

  const images = (async () => {
    const t = Date.now();
    await run('bash', [path.join(ROOT, 'tools/images/build-images.sh')], { IMAGE_TAG });
    await importImages();
    process.stderr.write(`[cluster-test] images built and imported in ${Date.now() - t} ms\n`);
  })();
  const servers = (async () => {
    stack = await startStack({
      dir: path.join(runDir, 'stack'),
      components: ['kafka', 'redis', 'dynamodb'],
      kafka: { podsHost: gateway },
      redis: { podsHost: gateway },
    });
  })();
  const results = await Promise.allSettled([images, servers]);
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [errorOutput(r.reason)] : []));
  if (failed.length > 0) throw new Error(failed.join('\n'));

  await kubectl('create', 'secret', 'generic', JWT_SECRET_NAME, `--from-literal=jwt-secret=${secret}`);
  valuesFile = writeValues();
  process.stderr.write(`[cluster-test] ready to install after ${Date.now() - started} ms\n`);
}, 1_200_000);

afterAll(async () => {
  const problems: string[] = [];
  await clusterScript('down').catch((error: unknown) => problems.push(errorOutput(error)));
  await stack?.stop().catch((error: unknown) => problems.push(errorOutput(error)));
  // Never recurse into a mount `down` could not remove.
  if (ownDir && !fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(`${runDir}/`)) fs.rmSync(runDir, { recursive: true, force: true });
  if (problems.length > 0) throw new Error(`cleanup failed:\n${problems.join('\n')}`);
}, 180_000);

describe('helm install onto a real Kubernetes cluster', () => {
  it('refuses to install without the JWT secret, with our message, and installs nothing', async () => {
    const values = JSON.parse(fs.readFileSync(valuesFile, 'utf8')) as { global: { auth: Record<string, string> } };
    values.global.auth = { existingSecret: '' };
    const noSecret = path.join(runDir, 'values-no-secret.json');
    fs.writeFileSync(noSecret, JSON.stringify(values));
    const failure = await helm('install', RELEASE, CHART, '-f', noSecret, '--wait', '--timeout', '60s').then(
      () => 'installed',
      (error: unknown) => errorOutput(error),
    );
    expect(failure).toContain('geopulse: cannot install');
    expect(failure).toContain('operator JWTs: set global.auth.existingSecret');
    expect((await helm('list', '--all', '-q')).trim()).toBe('');
    expect(await releasePods()).toEqual([]);
  });

  it('installs the five services Running and Ready, with the topics the hook Job created', async () => {
    await helmWait('install', RELEASE, CHART, '-f', valuesFile);
    expect(await deploymentReplicas()).toEqual({ ingest: 1, aggregator: 1, rules: 1, geo: 1, notifier: 1 });
    await waitForPods({ ingest: 1, aggregator: 1, rules: 1, geo: 1, notifier: 1 });
    // The services do not create topics when the chart provisions them, and the broker does not
    // auto-create: these exist because the pre-install Job ran.
    expect(await topicPartitions()).toEqual(expectedPartitions(1));
  });

  it('takes a reading on an ingest pod and serves its state from an aggregator pod', async () => {
    const { tenant, token } = await operatorFor(secret);
    const addresses = await podAddresses();
    const deviceId = `k8s-${randomUUID().slice(0, 8)}`;
    const ts = new Date(Date.now() - 1000).toISOString();
    const position = { lat: 52.3702, lon: 4.8952, accuracy: 5 };
    const res = await post(`http://${addresses.ingest}/v1/telemetry`, token, JSON.stringify({ deviceId, ts, position, metrics: { temperature: 21.5 } }));
    expect(res.status).toBe(202);
    const state = await waitFor(
      async () => {
        const r = await get(`http://${addresses.aggregator}/v1/devices/${deviceId}/state`, token);
        return r.status === 200 ? r.body : undefined;
      },
      { timeoutMs: 30_000, description: 'the device state in the aggregator pod' },
    );
    expect(state).toMatchObject({ deviceId, tenantId: tenant, ts, position, metrics: { temperature: 21.5 } });
  });

  it('scales to new partition and replica counts on helm upgrade, the hook raising the partitions', async () => {
    await helmWait('upgrade', RELEASE, CHART, '-f', valuesFile, '--set', 'global.kafka.partitions=2', '--set', 'ingest.replicas=3');
    const counts = { ingest: 3, aggregator: 2, rules: 2, geo: 2, notifier: 2 };
    expect(await deploymentReplicas()).toEqual(counts);
    await waitForPods(counts);
    expect(await topicPartitions()).toEqual(expectedPartitions(2));
  });

  it('passes helm test: a test pod finds every service ready at its pod address', async () => {
    const addresses = await podAddresses();
    const endpoints = SERVICES.flatMap((s) => ['--set', `tests.endpoints.${s}=${addresses[s]}`]);
    await helmWait('upgrade', RELEASE, CHART, '--reuse-values', ...endpoints);
    const out = await helm('test', RELEASE, '--timeout', '3m', '--logs').catch((error: unknown) => {
      throw new Error(`helm test failed: ${errorOutput(error)}`);
    });
    expect(out).toMatch(/Phase:\s+Succeeded/);
    for (const s of SERVICES) expect(out).toContain(`http://${addresses[s]}/readyz 200`);
  });

  it("accepts the chart's KEDA ScaledObject against KEDA's own CRDs", async () => {
    const crds = (await run('bash', [path.join(ROOT, 'tools/infra/ensure-keda-crds.sh')])).trim();
    await kubectl('apply', '--server-side', '-f', crds);
    await waitFor(
      async () =>
        (await kubectl('get', 'crd', 'scaledobjects.keda.sh', '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}')) === 'True',
      { timeoutMs: 60_000, description: 'the ScaledObject CRD established' },
    );
    const rendered = await helm('template', RELEASE, CHART, '-f', valuesFile, '--set', 'aggregator.autoscaling.keda.enabled=true', '--show-only', 'templates/aggregator/scaledobject.yaml');
    const file = path.join(runDir, 'scaledobject.yaml');
    fs.writeFileSync(file, rendered);
    const out = await kubectl('apply', '--dry-run=server', '--validate=strict', '-f', file);
    expect(out).toContain(`scaledobject.keda.sh/${RELEASE}-aggregator created (server dry run)`);
  });
});

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../package-paths';

// Must match tools/infra/ensure-deps.sh and the poms in tools/infra/maven (a unit test checks).
export const KAFKA_VERSION = '4.3.1';
export const DYNAMODB_LOCAL_VERSION = '3.3.1';

/** Written by ensure-deps.sh next to libs/ once a fetch is complete: the pom's sha256. */
const COMPLETION_MARKER = '.geopulse-complete';

export const ensureDepsScript = path.join(repoRoot, 'tools', 'infra', 'ensure-deps.sh');

interface JarBundle {
  label: string;
  dir: string;
  pom: string;
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GEOPULSE_CACHE_DIR || path.join(os.homedir(), '.cache', 'geopulse');
}

function kafkaBundle(env: NodeJS.ProcessEnv = process.env): JarBundle {
  return {
    label: `Kafka ${KAFKA_VERSION}`,
    dir: path.join(cacheDir(env), `kafka-${KAFKA_VERSION}`),
    pom: path.join(repoRoot, 'tools', 'infra', 'maven', 'kafka', 'pom.xml'),
  };
}

function dynamoDbLocalBundle(env: NodeJS.ProcessEnv = process.env): JarBundle {
  return {
    label: `DynamoDB Local ${DYNAMODB_LOCAL_VERSION}`,
    dir: path.join(cacheDir(env), `dynamodb-local-${DYNAMODB_LOCAL_VERSION}`),
    pom: path.join(repoRoot, 'tools', 'infra', 'maven', 'dynamodb', 'pom.xml'),
  };
}

/** Directory of the Kafka broker and tools jars. */
export function kafkaLibDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(kafkaBundle(env).dir, 'libs');
}

/** Directory of the DynamoDB Local jars and its sqlite4java native libraries. */
export function dynamoDbLocalLibDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(dynamoDbLocalBundle(env).dir, 'libs');
}

function bundleComplete(bundle: JarBundle): boolean {
  try {
    const marker = fs.readFileSync(path.join(bundle.dir, COMPLETION_MARKER), 'utf8').trim();
    const pomHash = createHash('sha256').update(fs.readFileSync(bundle.pom)).digest('hex');
    return marker === pomHash;
  } catch {
    return false;
  }
}

const MOSQUITTO_AUTH_SOURCE = path.join(repoRoot, 'tools', 'infra', 'mosquitto-auth', 'geopulse_auth.c');

/**
 * The geopulse Mosquitto auth plugin as built by tools/infra/mosquitto-auth/build.sh: the cache
 * path is keyed by the hash of its source, so an edited plugin is rebuilt, never a stale one used.
 */
export function mosquittoAuthPluginPath(env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256').update(fs.readFileSync(MOSQUITTO_AUTH_SOURCE)).digest('hex').slice(0, 16);
  return path.join(cacheDir(env), `mosquitto-auth-${hash}`, 'geopulse_auth.so');
}

const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** Absolute path of an executable on PATH or in the sbin directories (mosquitto lives there). */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function requireExecutable(name: string): string {
  const found = findExecutable(name);
  if (!found) throw new Error(`${name} not found: run \`bash tools/infra/ensure-deps.sh\` (installs it as root).`);
  return found;
}

export interface InfraNeeds {
  kafka: boolean;
  dynamodb: boolean;
  redis: boolean;
  mosquitto: boolean;
}

/** What is missing for the given needs; empty when the stack can start right away. */
export function missingInfra(needs: InfraNeeds): string[] {
  const missing: string[] = [];
  if (needs.kafka && !bundleComplete(kafkaBundle())) missing.push(`${kafkaBundle().label} jars`);
  if (needs.dynamodb && !bundleComplete(dynamoDbLocalBundle())) missing.push(`${dynamoDbLocalBundle().label} jars`);
  if ((needs.kafka || needs.dynamodb) && !findExecutable('java')) missing.push('java');
  if (needs.redis && !findExecutable('redis-server')) missing.push('redis-server');
  if (needs.mosquitto && !findExecutable('mosquitto')) missing.push('mosquitto');
  if (needs.mosquitto && !fs.existsSync(mosquittoAuthPluginPath())) missing.push('the geopulse Mosquitto auth plugin');
  return missing;
}

/**
 * Makes sure the binaries and jars are there, running tools/infra/ensure-deps.sh (idempotent:
 * apt packages as root, maven fetch into the cache) only when something is missing. Its progress
 * goes to our stderr.
 */
export async function ensureInfra(needs: InfraNeeds): Promise<void> {
  const missing = missingInfra(needs);
  if (missing.length === 0) return;
  process.stderr.write(`[geopulse stack] missing ${missing.join(', ')}: running ${ensureDepsScript}\n`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('bash', [ensureDepsScript], { stdio: ['ignore', 2, 2], env: process.env });
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  if (code !== 0) throw new Error(`${ensureDepsScript} failed (exit ${code}); see its message above.`);
  const stillMissing = missingInfra(needs);
  if (stillMissing.length > 0) {
    throw new Error(`still missing after ${ensureDepsScript}: ${stillMissing.join(', ')}`);
  }
}

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, waitFor, type ServiceProcess } from '@geopulse/testing';
import { newJwtSecret, startServices } from './support/platform';

// Dashboards and alerting rules as code (deploy/observability), checked three ways: promtool parses
// every alert and every dashboard query and runs the rules' unit tests; every metric they name is
// exposed by a running service; docs/metrics.md lists exactly what the services expose.

const observability = path.join(repoRoot, 'deploy', 'observability');
const rulesFile = path.join(observability, 'prometheus', 'geopulse-alerts.yaml');
const rulesTestFile = path.join(observability, 'prometheus', 'geopulse-alerts.test.yaml');
const SERVICES = ['ingest', 'aggregator', 'rules', 'geo', 'notifier'];

interface Dashboard {
  title: string;
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require(path.join(observability, 'dashboards.js')) as { generate(): Record<string, string> };

function dashboards(): Array<{ file: string; dashboard: Dashboard }> {
  const dir = path.join(observability, 'grafana');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, dashboard: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Dashboard }));
}

function dashboardQueries(): Array<{ where: string; expr: string }> {
  return dashboards().flatMap(({ file, dashboard }) =>
    dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `${file} / ${p.title}`, expr: t.expr }))),
  );
}

function ruleQueries(): Array<{ where: string; expr: string }> {
  // The rule file's `expr:` values, block scalars included (the file is ours and simply shaped).
  const lines = fs.readFileSync(rulesFile, 'utf8').split('\n');
  const out: Array<{ where: string; expr: string }> = [];
  let alert = '';
  for (let i = 0; i < lines.length; i++) {
    const named = /^\s*- alert: (\S+)/.exec(lines[i]);
    if (named) alert = named[1];
    const expr = /^(\s*)expr: (.*)$/.exec(lines[i]);
    if (!expr) continue;
    if (expr[2].trim() !== '|') {
      out.push({ where: alert, expr: expr[2] });
      continue;
    }
    const body: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1].startsWith(`${expr[1]}  `) || lines[i + 1].trim() === '')) body.push(lines[++i].trim());
    out.push({ where: alert, expr: body.join(' ') });
  }
  return out;
}

/** Metric names a PromQL expression reads (ours, Node's and the process's). */
function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\b(?:geopulse|nodejs|process)_[a-z0-9_]+\b/g) ?? [])];
}

let promtool: string;
let services: Record<string, ServiceProcess>;
/** name -> type, from `# TYPE` lines of every service's /metrics. */
const exposed = new Map<string, string>();

beforeAll(async () => {
  promtool = execFileSync('bash', [path.join(repoRoot, 'tools', 'infra', 'ensure-promtool.sh')], { encoding: 'utf8' }).trim();
  services = await startServices(SERVICES, { GEOPULSE_JWT_SECRET: newJwtSecret(), SMTP_FROM: 'geopulse@observability.test', LOG_LEVEL: 'warn' });
  for (const service of Object.values(services)) {
    // /readyz sets the readiness gauges; waiting for it also means the consumers have started.
    await waitFor(async () => (await fetch(`${service.baseUrl}/readyz`)).ok, { timeoutMs: 90_000, description: `${service.name} ready` });
    const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) exposed.set(m[1], m[2]);
  }
}, 900_000);

afterAll(async () => {
  await Promise.all(Object.values(services ?? {}).map((s) => s.stop()));
});

/** A name as a query may write it: histograms also as _bucket, _sum and _count. */
function isExposed(name: string): boolean {
  if (exposed.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && exposed.get(base) === 'histogram';
}

describe('dashboards and alerting rules', () => {
  it('commits exactly the dashboards that deploy/observability/dashboards.js generates', () => {
    const generated = generator.generate();
    const committed = Object.fromEntries(dashboards().map(({ file }) => [file, fs.readFileSync(path.join(observability, 'grafana', file), 'utf8')]));
    expect(committed).toEqual(generated);
    expect(Object.keys(generated).sort()).toEqual(['pipeline', ...SERVICES].map((n) => `geopulse-${n}.json`).sort());
  });

  it('passes promtool check rules and the rules unit tests', () => {
    const check = execFileSync(promtool, ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect(check).toMatch(/SUCCESS: \d+ rules found/);
    const unit = execFileSync(promtool, ['test', 'rules', rulesTestFile], { encoding: 'utf8', cwd: path.dirname(rulesTestFile) });
    expect(unit).toMatch(/SUCCESS/);
  });

  it('has dashboard queries that promtool parses', () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(40);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'geopulse-dash-')), 'queries.yaml');
    const rules = queries.map((q, i) => `      - record: geopulse_dashboard_query_${i}\n        expr: ${JSON.stringify(q.expr)}`).join('\n');
    fs.writeFileSync(file, `groups:\n  - name: dashboards\n    rules:\n${rules}\n`);
    expect(execFileSync(promtool, ['check', 'rules', file], { encoding: 'utf8' })).toContain(`SUCCESS: ${queries.length} rules found`);
  });

  it('names only metrics that the running services expose', () => {
    const named = [...dashboardQueries(), ...ruleQueries()].flatMap((q) => metricNames(q.expr).map((name) => ({ where: q.where, name })));
    expect(named.length).toBeGreaterThan(60);
    expect(ruleQueries().length).toBeGreaterThanOrEqual(8);
    expect(named.filter((n) => !isExposed(n.name))).toEqual([]);
  });
});

describe('metrics', () => {
  const ours = () => [...exposed].filter(([name]) => name.startsWith('geopulse_'));

  it('follow Prometheus naming: counters end in _total, durations are histograms in _seconds', () => {
    expect(ours().length).toBeGreaterThan(40);
    for (const [name, type] of ours()) {
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
      if (/duration|latency|_seconds/.test(name)) {
        expect(type).toBe('histogram');
        expect(name).toMatch(/_seconds$/);
      }
    }
  });

  it('are all listed in docs/metrics.md with their type, and the table lists nothing else', () => {
    const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'metrics.md'), 'utf8');
    const rows = new Map([...doc.matchAll(/^\| `(geopulse_[a-z0-9_]+)` \| (counter|gauge|histogram) \|/gm)].map((m) => [m[1], m[2]]));
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(ours()));
  });
});

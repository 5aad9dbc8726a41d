// Rules benchmark: evaluations/s of 100 rules x 10k devices through the rules service's
// evaluator (compiled JEXL, context, stateful functions, INSUFFICIENT_DATA checks), next to
// plain jexl on the same compiled expressions, jexl re-parsing the text per evaluation, and
// json-rules-engine running the same rules, all in the same run. CPU only (no Kafka/Redis):
// the service's evaluator is what the figures isolate. Prints figures; it is not a test.
// Usage: node bench/rules/run.js [devices=10000] [rules=100]
const path = require('node:path');
const root = path.join(__dirname, '..', '..');
const rules = (p) => require(path.join(root, 'services', 'rules', 'dist', p));
const { JexlEngine } = rules('adapters/jexl/jexl-engine');
const { compileRule } = rules('domain/rule');
const { evaluateIn, scopeOf } = rules('domain/evaluation');
const { applyReading, emptyHistory } = rules('domain/device-history');
const { ruleFunctions } = rules('domain/functions');
const { targets } = rules('domain/targeting');
const { Jexl } = require('jexl/dist/Jexl');
const { Engine } = require('json-rules-engine');

const DEVICES = Number(process.argv[2] ?? 10_000);
const RULES = Number(process.argv[3] ?? 100);
const MIN = 60_000;
const NOW = Date.parse('2026-11-24T03:00:00.000Z');

// Five rule shapes, as JEXL text and as json-rules-engine conditions (the same logic).
function ruleSet(count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const t = 40 + (i % 20);
    const kind = i % 10;
    if (kind < 4) out.push({ jexl: `temperature < ${t}`, jre: { all: [{ fact: 'temperature', operator: 'lessThan', value: t }] } });
    else if (kind < 7) out.push({ jexl: `temperature < ${t} && occupancy == true`, jre: { all: [{ fact: 'temperature', operator: 'lessThan', value: t }, { fact: 'occupancy', operator: 'equal', value: true }] } });
    else if (kind === 7) out.push({ jexl: `humidity > ${t + 20} || temperature > ${t + 10}`, jre: { any: [{ fact: 'humidity', operator: 'greaterThan', value: t + 20 }, { fact: 'temperature', operator: 'greaterThan', value: t + 10 }] } });
    else if (kind === 8) out.push({ jexl: `avg('temperature', 10) > ${t}`, jre: { all: [{ fact: 'avg', params: { metric: 'temperature', minutes: 10 }, operator: 'greaterThan', value: t }] } });
    else out.push({ jexl: "hasNotChanged('temperature', 5)", jre: { all: [{ fact: 'hasNotChanged', params: { metric: 'temperature', minutes: 5 }, operator: 'equal', value: true }] } });
  }
  return out;
}

function histories(count) {
  const list = [];
  for (let d = 0; d < count; d++) {
    let h = emptyHistory();
    for (let k = 0; k < 10; k++) {
      const metrics = { temperature: 30 + ((d * 7 + k * 3) % 40), occupancy: (d + k) % 2 === 0, humidity: 40 + ((d + k) % 50) };
      h = applyReading(h, { id: `r${d}-${k}`, ts: NOW - (9 - k) * MIN, metrics }, 60 * MIN).history;
    }
    list.push({ device: { id: `dev-${d}`, tags: [], attributes: {} }, history: h });
  }
  return list;
}

// Rates per wall-clock second and per CPU second of this process (user + system): on a shared
// machine the second is the per-core figure, the first also counts time spent waiting for a core.
// Returns the per-CPU-second rate.
function report(label, evaluations, truths, started, cpu) {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const fmt = (rate) => Math.round(rate).toLocaleString('en-US').padStart(11);
  console.log(`${label.padEnd(58)} ${String(evaluations).padStart(9)} evals in ${seconds.toFixed(2)} s (${cpuSeconds.toFixed(2)} s CPU) = ${fmt(evaluations / seconds)} evals/s, ${fmt(evaluations / cpuSeconds)} evals/CPU-s (true: ${truths})`);
  return evaluations / cpuSeconds;
}

function timed(label, evaluations, work) {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return report(label, evaluations, work(), started, cpu);
}

async function timedAsync(label, evaluations, work) {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return report(label, evaluations, await work(), started, cpu);
}

async function main() {
  const set = ruleSet(RULES);
  const devices = histories(DEVICES);
  const engine = new JexlEngine();
  const compiled = set.map((r, i) =>
    compileRule(engine, { id: `r${i}`, tenantId: 't', name: `r${i}`, expression: r.jexl, status: 'ACTIVE', severity: 'WARNING', target: {}, for: 'PT0S', version: 1, createdAt: '', updatedAt: '' }),
  );
  const clock = { now: NOW, minuteMs: MIN };
  console.log(`rules bench: ${RULES} rules x ${DEVICES} devices, 10 readings of history each, node ${process.version}`);

  // Warm-up so the JIT has seen every path.
  for (const { device, history } of devices.slice(0, 200)) {
    const scope = scopeOf(history, device, clock);
    for (const c of compiled) evaluateIn(c.expression, c.analysis, scope);
  }

  const total = RULES * DEVICES;
  const ours = timed('geopulse evaluator (targeting + context + functions)', total, () => {
    let t = 0;
    for (const { device, history } of devices) {
      // As the service does: one scope (context + functions) per device and time, shared by its rules.
      const scope = scopeOf(history, device, clock);
      for (const c of compiled) {
        if (!targets(c.rule.target, device)) continue;
        const o = evaluateIn(c.expression, c.analysis, scope);
        if (o.kind === 'value' && o.value) t++;
      }
    }
    return t;
  });

  // Plain jexl: the same expressions compiled once, functions reading the same history.
  const jexl = new Jexl();
  let current;
  for (const name of ['hasNotChanged', 'avg', 'min', 'max', 'count', 'delta', 'minutesSinceLastReading', 'inGeofence']) jexl.addFunction(name, (...args) => current[name](...args));
  const plain = set.map((r) => jexl.compile(r.jexl));
  for (const { history } of devices.slice(0, 200)) {
    current = ruleFunctions(history, clock);
    for (const e of plain) e.evalSync(history.latest);
  }
  const plainRate = timed('plain jexl, compiled once (evalSync)', total, () => {
    let t = 0;
    for (const { history } of devices) {
      current = ruleFunctions(history, clock);
      for (const e of plain) if (e.evalSync(history.latest)) t++;
    }
    return t;
  });

  const sample = Math.min(DEVICES, 1000);
  const reparse = timed(`plain jexl, text re-parsed per evaluation (${sample} devices)`, RULES * sample, () => {
    let t = 0;
    for (const { history } of devices.slice(0, sample)) {
      current = ruleFunctions(history, clock);
      for (const r of set) if (jexl.evalSync(r.jexl, history.latest)) t++;
    }
    return t;
  });

  // json-rules-engine: one engine with the same 100 rules, run once per device (all rules).
  const jre = new Engine([], { allowUndefinedFacts: true });
  set.forEach((r, i) => jre.addRule({ name: `r${i}`, conditions: r.jre, event: { type: `r${i}` } }));
  jre.addFact('avg', (params) => current.avg(params.metric, params.minutes));
  jre.addFact('hasNotChanged', (params) => current.hasNotChanged(params.metric, params.minutes));
  for (const { history } of devices.slice(0, 100)) {
    current = ruleFunctions(history, clock);
    await jre.run({ ...history.latest });
  }
  const jreRate = await timedAsync(`json-rules-engine 7.3.1, all rules per run (${sample} devices)`, RULES * sample, async () => {
    let t = 0;
    for (const { history } of devices.slice(0, sample)) {
      current = ruleFunctions(history, clock);
      const { events } = await jre.run({ ...history.latest });
      t += events.length;
    }
    return t;
  });

  console.log(`ratios (per CPU-s): geopulse / plain jexl = ${(ours / plainRate).toFixed(2)}, geopulse / json-rules-engine = ${(ours / jreRate).toFixed(1)}, re-parse / compiled jexl = ${(reparse / plainRate).toFixed(3)}, json-rules-engine / plain jexl = ${(jreRate / plainRate).toFixed(3)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

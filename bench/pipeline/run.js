#!/usr/bin/env node
// Whole-pipeline benchmark: the five services as real processes (as `npm run up` starts them,
// tracing sampled at 1 % as in production), R rules and F fences loaded through their APIs,
// readings posted to ingest by a separate load process at stepped rates, and per step:
// - each consumer group's consumption rate and lag (committed vs end offsets, kafkajs admin),
//   and whether every group kept up (lag bounded: at the step's end under 2 s of input and
//   drained within --drain-seconds after it);
// - reading-to-alert and reading-to-geofence-event latency p50/p95/p99, from ingest's 202 to
//   the record on the alerts / geofence-events topic (a consumer here, matched by reading id);
// - CPU (% of one core) and RSS of every process, from /proc.
// In the same run, the broker's ceiling: kafka-producer-perf-test with the reading record's
// size and kafka-consumer-perf-test with three consumer groups at once, so every rate is also
// a ratio of it. Prints figures; not a test. Bounded in count and time; loopback only.
//
//   npx nx run-many -t build && node bench/pipeline/run.js [flags]     (npm run bench:pipeline)
//
//   --rules 100            rules (rule 0: temperature > 50; the rest never fire but are evaluated)
//   --fences 10000         circle fences (fence 0 at the devices' centre; the rest elsewhere)
//   --devices 10000        devices the readings cycle through
//   --steps 1000,2000,5000,10000,20000,max   offered readings/s per step (max: as fast as it goes)
//   --step-seconds 30      length of each step
//   --drain-seconds 60     longest wait after a step for the groups to drain (then the next step)
//   --transition-every 10  1 reading in N of a device causes an alert and a geofence transition
//   --partitions 3         telemetry partitions (npm run up uses 3)
//   --perf-records 300000  records for each Kafka perf tool
//   --cpu-prof DIR         each service writes a V8 CPU profile (node --cpu-prof) into DIR
//                          when it stops; summarise with node bench/pipeline/profile.js DIR
//   --burst N              instead of the steps: N readings as fast as ingest takes them, then
//                          how long each group takes to drain, alerts and geofence events per
//                          transition, dead letters, retried batches and stalled partitions
//                          (issue 10: 50,000 readings, --transition-every 1)
//   --quick                a short try: 20 rules, 500 fences, 1,000 devices, steps 1000,2000,max
//                          of 10 s, 100,000 perf records
//
// Uses the stack of GEOPULSE_STACK_DIR when set (eval "$(node tools/stack.js up --dir D)"),
// otherwise starts a private one and stops it after.
'use strict';
const { execFile, fork } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { signDevelopmentToken } = require('@geopulse/auth');
const { topicName } = require('@geopulse/contracts');
const { ConsumerLag, PIPELINE_GROUPS, TopicTail, loadStack, pipelineLag, scrapeMetric, startPipeline, startStack, readStackState } = require('@geopulse/testing');
const { kafkaLibDir } = require('@geopulse/testing/dist/infra/infra-cache');

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const QUICK = flag('quick');
const opt = (name, full, quick) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : QUICK ? quick : full;
};
const RULES = Number(opt('rules', 100, 20));
const FENCES = Number(opt('fences', 10_000, 500));
const DEVICES = Number(opt('devices', 10_000, 1000));
const STEPS = String(opt('steps', '1000,2000,5000,10000,20000,max', '1000,2000,max'))
  .split(',')
  .map((s) => (s === 'max' ? 0 : Number(s)));
const STEP_SECONDS = Number(opt('step-seconds', 30, 10));
const DRAIN_SECONDS = Number(opt('drain-seconds', 60, 30));
const TRANSITION_EVERY = Number(opt('transition-every', 10, 10));
const PARTITIONS = Number(opt('partitions', 3, 3));
const PERF_RECORDS = Number(opt('perf-records', 300_000, 100_000));
const CPU_PROF = opt('cpu-prof', '', '');
const BURST = Number(opt('burst', 0, 0));
if (!Number.isInteger(BURST) || BURST < 0) throw new Error('--burst: a number of readings');
const CENTER = { lat: 52.3731, lon: 4.8926 };
for (const [name, value] of Object.entries({ RULES, FENCES, DEVICES, STEP_SECONDS, DRAIN_SECONDS, TRANSITION_EVERY, PARTITIONS, PERF_RECORDS })) {
  if (!Number.isFinite(value) || value < 1) throw new Error(`--${name.toLowerCase().replace(/_/g, '-')} must be a number >= 1`);
}
if (STEPS.some((s) => !Number.isFinite(s) || s < 0)) throw new Error('--steps: comma-separated readings/s, or max');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n, d = 0) => (n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : undefined);
const log = (msg) => process.stderr.write(`[bench/pipeline ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// --- /proc: CPU ticks and RSS of a process ---------------------------------------------------
const CLK_TCK = 100;
function procSample(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    return { ticks, rss, at: Date.now() };
  } catch {
    return undefined;
  }
}

// --- Kafka's own perf tools: the broker's ceiling on this machine ------------------------------
function java(mainClass, args) {
  return new Promise((resolve, reject) => {
    execFile('java', ['-cp', `${kafkaLibDir()}/*`, mainClass, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${mainClass}: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

async function kafkaCeiling(admin, prefix, recordSize) {
  const topic = `${prefix}perf`;
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  const brokers = process.env.KAFKA_BROKERS;
  const out = await java('org.apache.kafka.tools.ProducerPerformance', [
    '--topic', topic, '--num-records', String(PERF_RECORDS), '--record-size', String(recordSize), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all', 'linger.ms=5',
  ]);
  const m = /([\d.]+) records\/sec .*?([\d.]+) ms avg latency.*?(\d+) ms 50th.*?(\d+) ms 99th/.exec(out.trim().split('\n').pop());
  const producer = m ? { rate: Number(m[1]), p50: Number(m[3]), p99: Number(m[4]) } : undefined;
  if (!producer) log(`ProducerPerformance output not understood: ${out.trim().split('\n').pop()}`);
  // Three groups read the whole topic at the same time, as aggregator, rules and geo do.
  const outs = await Promise.all(
    [1, 2, 3].map((g) =>
      java('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', brokers, '--topic', topic, '--messages', String(PERF_RECORDS), '--group', `${prefix}perf-${g}`, '--timeout', '60000']),
    ),
  );
  const consumers = outs.map((o) => {
    const lines = o.trim().split('\n');
    const header = lines.findIndex((l) => l.includes('nMsg.sec'));
    if (header < 0) return undefined;
    const names = lines[header].split(',').map((s) => s.trim());
    const values = lines[header + 1].split(',').map((s) => s.trim());
    return Number(values[names.indexOf('nMsg.sec')]);
  });
  return { producer, consumers };
}

async function main() {
  // --- stack and services ---
  let ownedStack;
  if (process.env.GEOPULSE_STACK_DIR && process.env.KAFKA_BROKERS) {
    Object.assign(process.env, loadStack(process.env.GEOPULSE_STACK_DIR).env);
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geopulse-bench-pipeline-'));
    log(`starting a private stack in ${dir}`);
    ownedStack = await startStack({ dir, components: ['kafka', 'redis', 'dynamodb', 'smtp', 'jaeger'] });
    Object.assign(process.env, ownedStack.env, { GEOPULSE_STACK_DIR: dir });
  }
  const prefix = `bench-pipe-${randomUUID().slice(0, 6)}.`;
  const secret = randomBytes(24).toString('hex');
  const tenant = `bench-${randomUUID().slice(0, 6)}`;
  const token = await signDevelopmentToken(secret, { sub: 'bench', tenant });
  log(`starting ingest, aggregator, rules, geo, notifier (topic prefix ${prefix})`);
  const services = await startPipeline({
    env: {
      GEOPULSE_JWT_SECRET: secret,
      KAFKA_TOPIC_PREFIX: prefix,
      DYNAMODB_TABLE_PREFIX: prefix,
      KAFKA_PARTITIONS: String(PARTITIONS),
      LOG_LEVEL: 'warn',
      OTEL_TRACES_SAMPLER_ARG: '0.01',
      INGEST_RATE_PER_DEVICE: '1000000',
      INGEST_RATE_BURST: '1000000',
      INGEST_MAX_IN_FLIGHT: '1024',
      ...(CPU_PROF ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${path.resolve(CPU_PROF)}`.trim() } : {}),
    },
    readyTimeoutMs: 300_000,
  }).catch(async (err) => {
    if (ownedStack) await ownedStack.stop();
    throw err;
  });
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({ clientId: 'bench-pipeline', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const lag = new ConsumerLag(process.env.KAFKA_BROKERS);
  let load;
  let tail;
  try {
    const call = async (base, method, p, body) => {
      const res = await fetch(`${base}${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
      return text;
    };

    // --- R rules and F fences through the APIs ---
    log(`loading ${RULES} rules and ${FENCES} fences`);
    for (let i = 0; i < RULES; i++) {
      const expression = i === 0 ? 'temperature > 50' : `temperature > ${1000 + i} && occupancy == true`;
      await call(services.rules.baseUrl, 'POST', '/v1/rules', { id: `r${i}`, name: `rule ${i}`, expression });
    }
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const features = [];
    for (let i = 0; i < FENCES; i++) {
      let lat = CENTER.lat;
      let lon = CENTER.lon;
      if (i > 0) {
        // Anywhere in the Netherlands, but not within ~20 km of the devices.
        do {
          lat = 51 + random() * 2.3;
          lon = 3.6 + random() * 3.4;
        } while (Math.abs(lat - CENTER.lat) < 0.2 && Math.abs(lon - CENTER.lon) < 0.3);
      }
      features.push({ type: 'Feature', id: `f${i}`, properties: { name: `fence ${i}`, radiusMeters: i === 0 ? 1000 : 100 + Math.round(random() * 1900) }, geometry: { type: 'Point', coordinates: [lon, lat] } });
    }
    for (let i = 0; i < features.length; i += 1000) {
      await call(services.geo.baseUrl, 'POST', '/v1/geofences/import', { type: 'FeatureCollection', features: features.slice(i, i + 1000) });
    }

    // --- the broker's ceiling, same record size as a reading in the telemetry topic ---
    const sampleRecord = {
      tenantId: tenant, deviceId: `dev-${DEVICES - 1}`, id: `${randomUUID().slice(0, 8)}-${DEVICES * 100}`, ts: new Date().toISOString(), receivedAt: new Date().toISOString(),
      position: { lat: CENTER.lat, lon: CENTER.lon }, metrics: { temperature: 60, occupancy: true },
    };
    const recordSize = Buffer.byteLength(JSON.stringify(sampleRecord)) + 300; // + CloudEvent headers
    log(`Kafka ceiling: ProducerPerformance and 3 x ConsumerPerformance, ${fmt(PERF_RECORDS)} records of ${recordSize} bytes`);
    const ceiling = await kafkaCeiling(admin, prefix, recordSize);

    // --- latency: a consumer of alerts and geofence events, matched by reading id ---
    const ackedAt = new Map(); // reading id -> { at, step }
    const transitionsSent = new Map(); // step -> readings acknowledged that cause a transition
    const latencies = new Map(); // step -> { alert: [], geo: [] }
    const alertsTopic = topicName('alerts', prefix);
    tail = await TopicTail.start({
      brokers: process.env.KAFKA_BROKERS,
      topics: [alertsTopic, topicName('geofenceEvents', prefix)],
      keep: () => false,
      onRecord: (record, receivedAt) => {
        const data = JSON.parse(record.value);
        const id = record.topic === alertsTopic ? data.triggeringReadings?.[data.triggeringReadings.length - 1]?.id : data.readingId;
        const sent = ackedAt.get(id);
        if (!sent) return;
        const l = latencies.get(sent.step);
        (record.topic === alertsTopic ? l.alert : l.geo).push(receivedAt - sent.at);
      },
    });

    // --- the load process ---
    load = fork(path.join(__dirname, 'load.js'), [
      JSON.stringify({ ingestUrl: services.ingest.baseUrl, token, devices: DEVICES, transitionEvery: TRANSITION_EVERY, batch: 500, concurrency: 8, center: CENTER, runId: randomUUID().slice(0, 8) }),
    ]);
    let currentStep = -1;
    let stepDone;
    load.on('message', (m) => {
      if (m.type === 'acked') {
        for (const id of m.ids) ackedAt.set(id, { at: m.at, step: currentStep });
        transitionsSent.set(currentStep, (transitionsSent.get(currentStep) ?? 0) + m.ids.length);
      }
      else if (m.type === 'step-done') stepDone?.(m);
      else if (m.type === 'error') stepDone?.(Promise.reject(new Error(`load process: ${m.message}`)));
    });
    await new Promise((resolve) => load.once('message', resolve));

    const processes = () => {
      const stack = readStackState(process.env.GEOPULSE_STACK_DIR);
      return [
        ...Object.values(services).map((s) => [s.name, s.pid]),
        ['load', load.pid],
        ['bench', process.pid],
        ...['kafka', 'redis', 'dynamodb'].map((c) => [c, stack?.components?.[c]?.pid]),
      ].filter(([, pid]) => pid);
    };
    const committedOf = (groups) => Object.fromEntries(groups.map((g) => [g.groupId, g.partitions.reduce((s, p) => s + p.committed, 0n)]));

    if (BURST > 0) {
      await burst({ admin, lag, load, services, prefix, latencies, transitionsSent, setStep: (i) => (currentStep = i), onStepDone: (f) => (stepDone = f) });
      return;
    }
    const results = [];
    for (const [index, rate] of STEPS.entries()) {
      currentStep = index;
      latencies.set(index, { alert: [], geo: [] });
      log(`step ${index + 1}/${STEPS.length}: ${rate ? `${fmt(rate)} readings/s` : 'as fast as it goes'} for ${STEP_SECONDS} s`);
      const procsBefore = new Map(processes().map(([name, pid]) => [name, procSample(pid)]));
      const lagBefore = await pipelineLag(lag, prefix);
      const done = new Promise((resolve) => (stepDone = resolve));
      load.send({ type: 'step', rate, seconds: STEP_SECONDS });
      const samples = [];
      let finished;
      done.then((m) => (finished = m));
      const stepStart = Date.now();
      while (!finished) {
        samples.push({ at: Date.now(), groups: await pipelineLag(lag, prefix) });
        await Promise.race([done, sleep(1000)]);
      }
      const loadResult = await done;
      const lagAtEnd = await pipelineLag(lag, prefix);
      const procsAfter = new Map(processes().map(([name, pid]) => [name, procSample(pid)]));
      const stepSeconds = (Date.now() - stepStart) / 1000;
      // Drain: how long until every group is at lag 0 again (bounded by --drain-seconds).
      const drainStart = Date.now();
      let drained = false;
      while (Date.now() - drainStart < DRAIN_SECONDS * 1000) {
        const groups = await pipelineLag(lag, prefix);
        if (groups.every((g) => g.total === 0n)) {
          drained = true;
          break;
        }
        await sleep(500);
      }
      const drainSeconds = (Date.now() - drainStart) / 1000;
      await sleep(1000); // the last records reach the bench consumer
      const before = committedOf(lagBefore);
      const after = committedOf(lagAtEnd);
      const groups = lagAtEnd.map((g) => ({
        service: g.service,
        rate: Number(after[g.groupId] - before[g.groupId]) / stepSeconds,
        lagAtEnd: Number(g.total),
        maxLag: Math.max(...samples.map((s) => Number(s.groups.find((x) => x.groupId === g.groupId).total))),
      }));
      const accepted = loadResult.accepted / loadResult.seconds;
      const keptUp = drained && groups.every((g) => g.lagAtEnd <= Math.max(accepted * 2, 1000));
      const cpu = [...procsAfter].map(([name, a]) => {
        const b = procsBefore.get(name);
        return { name, cpu: a && b ? ((a.ticks - b.ticks) / CLK_TCK / ((a.at - b.at) / 1000)) * 100 : undefined, rss: a?.rss };
      });
      const l = latencies.get(index);
      l.alert.sort((x, y) => x - y);
      l.geo.sort((x, y) => x - y);
      results.push({ rate, accepted, keptUp, drained, drainSeconds, groups, cpu, alert: l.alert, geo: l.geo, expected: transitionsSent.get(index) ?? 0 });
      log(`  accepted ${fmt(accepted)}/s; groups ${groups.map((g) => `${g.service} ${fmt(g.rate)}/s lag ${fmt(g.lagAtEnd)}`).join(', ')}; ${drained ? `drained in ${drainSeconds.toFixed(1)} s` : 'NOT drained'}`);
      if (!drained) {
        log(`  stopping: the groups did not drain within ${DRAIN_SECONDS} s, higher steps would only pile up`);
        break;
      }
    }

    // --- report ---
    const producerRate = ceiling.producer?.rate;
    const consumerRates = ceiling.consumers.filter((c) => c !== undefined);
    const consumerRate = consumerRates.length ? Math.min(...consumerRates) : undefined;
    const ratio = (x, of) => (of ? (x / of).toFixed(2) : 'n/a');
    const load1 = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
    console.log(`\npipeline bench, ${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), load average now ${load1}`);
    console.log(`${RULES} rules, ${FENCES} fences, ${DEVICES} devices, 1 reading in ${TRANSITION_EVERY} a transition, ${PARTITIONS} partitions, steps of ${STEP_SECONDS} s, tracing sampled at 1 %`);
    console.log(
      `Kafka ceiling (same run, ${fmt(PERF_RECORDS)} records of ${recordSize} bytes): producer ${fmt(producerRate)} records/s (p50 ${ceiling.producer?.p50} / p99 ${ceiling.producer?.p99} ms, acks=all), ` +
        `3 concurrent consumer groups ${consumerRates.map((c) => fmt(c)).join(' / ')} records/s each`,
    );
    console.log('');
    console.log('| offered/s | ingest accepted/s (x producer ceiling) | aggregator /s | rules /s | geo /s | notifier /s | lag bounded | drain s | alert p50/p95/p99 ms (n) | geofence event p50/p95/p99 ms (n) |');
    console.log('|---:|---:|---:|---:|---:|---:|:---:|---:|---:|---:|');
    for (const r of results) {
      const g = (s) => r.groups.find((x) => x.service === s);
      const gr = (s) => `${fmt(g(s).rate)} (${ratio(g(s).rate, consumerRate)})`;
      const lat = (xs) => (xs.length ? `${fmt(pct(xs, 50))} / ${fmt(pct(xs, 95))} / ${fmt(pct(xs, 99))} (${fmt(xs.length)}/${fmt(r.expected)})` : '-');
      console.log(
        `| ${r.rate ? fmt(r.rate) : 'max'} | ${fmt(r.accepted)} (${ratio(r.accepted, producerRate)}) | ${gr('aggregator')} | ${gr('rules')} | ${gr('geo')} | ${gr('notifier')} | ${r.keptUp ? 'yes' : 'no'} | ${r.drained ? r.drainSeconds.toFixed(1) : `>${DRAIN_SECONDS}`} | ${lat(r.alert)} | ${lat(r.geo)} |`,
      );
    }
    const sustained = results.filter((r) => r.keptUp).reduce((best, r) => Math.max(best, r.accepted), 0);
    console.log(`\nsustained (highest accepted rate at which every group's lag stayed bounded): ${fmt(sustained)} readings/s = ${ratio(sustained, producerRate)} of the producer ceiling`);
    console.log('(consumer-group rates: records committed per second during the step, in brackets as a ratio of one kafka-consumer-perf-test group)');
    console.log('\nCPU (% of one core) / RSS MiB per process and step:');
    console.log(`| offered/s | ${results[0]?.cpu.map((c) => c.name).join(' | ')} |`);
    console.log(`|---:|${results[0]?.cpu.map(() => '---:').join('|')}|`);
    for (const r of results) console.log(`| ${r.rate ? fmt(r.rate) : 'max'} | ${r.cpu.map((c) => `${fmt(c.cpu)} / ${fmt((c.rss ?? 0) / 2 ** 20)}`).join(' | ')} |`);
  } finally {
    load?.connected && load.send({ type: 'exit' });
    load?.kill();
    await tail?.stop().catch(() => undefined);
    await lag.close();
    await admin.disconnect().catch(() => undefined);
    await Promise.all(Object.values(services).map((s) => s.stop().catch(() => undefined)));
    if (ownedStack) await ownedStack.stop();
  }
}

/** Sums a metric over the consumer services (aggregator, rules, geo, notifier). */
async function acrossConsumers(services, name) {
  const names = ['aggregator', 'rules', 'geo', 'notifier'];
  const values = await Promise.all(names.map((n) => scrapeMetric(services[n].baseUrl, name).then((m) => m.value).catch(() => NaN)));
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

/** --burst N: N readings as fast as ingest takes them; every group must drain, nothing wedge. */
async function burst({ admin, lag, load, services, prefix, latencies, transitionsSent, setStep, onStepDone }) {
  const deadLetterTopic = topicName('deadLetter', prefix);
  const deadLetters = async () => (await admin.fetchTopicOffsets(deadLetterTopic)).reduce((sum, p) => sum + Number(p.high), 0);
  const [dlqBefore, failuresBefore] = [await deadLetters(), await acrossConsumers(services, 'geopulse_kafka_batch_failures_total')];
  setStep(0);
  latencies.set(0, { alert: [], geo: [] });
  log(`burst: ${fmt(BURST)} readings as fast as ingest takes them, 1 in ${TRANSITION_EVERY} a transition`);
  // Requests in flight at once are not ordered: a device's next reading must be in a later wave.
  if (DEVICES < 2 * 500 * 8) log(`  note: with fewer than ${fmt(2 * 500 * 8)} devices, a device's consecutive readings travel in concurrent requests and may arrive swapped (fewer transitions than expected)`);
  const started = Date.now();
  const done = new Promise((resolve) => onStepDone(resolve));
  load.send({ type: 'step', rate: 0, seconds: 3600, limit: BURST });
  let sent;
  done.then((m) => (sent = m));
  const drainedAt = new Map();
  let stalledSeen = 0;
  const deadline = started + DRAIN_SECONDS * 1000 * 10;
  while (Date.now() < deadline) {
    const groups = await pipelineLag(lag, prefix);
    const stalled = await acrossConsumers(services, 'geopulse_kafka_partition_stalled');
    stalledSeen = Math.max(stalledSeen, ...Object.values(stalled).filter(Number.isFinite));
    // A group drained when it reached lag 0 for good: the first zero after its last non-zero
    // sample (the notifier is at 0 while rules has not produced yet); done when all are at 0.
    for (const g of groups) {
      if (g.total !== 0n) drainedAt.delete(g.groupId);
      else if (!drainedAt.has(g.groupId)) drainedAt.set(g.groupId, Date.now());
    }
    if (sent && groups.every((g) => g.total === 0n)) break;
    await sleep(500);
  }
  const loadResult = await Promise.race([done, sleep(1000).then(() => undefined)]);
  await sleep(2000); // the last alerts and transitions reach the bench's consumer
  const lastAck = started + (loadResult?.seconds ?? 0) * 1000;
  const failures = await acrossConsumers(services, 'geopulse_kafka_batch_failures_total');
  const l = latencies.get(0);
  const expected = transitionsSent.get(0) ?? 0;
  const load1 = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
  console.log(`
pipeline burst, ${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), load average now ${load1}`);
  console.log(`${RULES} rules, ${FENCES} fences, ${DEVICES} devices, 1 reading in ${TRANSITION_EVERY} a transition, ${PARTITIONS} partitions, tracing sampled at 1 %`);
  console.log(`burst of ${fmt(BURST)} readings: ingest accepted ${fmt(loadResult?.accepted)} in ${loadResult?.seconds.toFixed(1)} s (${fmt(loadResult ? loadResult.accepted / loadResult.seconds : NaN)}/s)`);
  console.log('| group | drained, s after the first reading | s after the last 202 | batches retried (service) |');
  console.log('|---|---:|---:|---:|');
  for (const { service, groupId } of PIPELINE_GROUPS) {
    const at = drainedAt.get(groupId);
    console.log(`| ${groupId} | ${at ? ((at - started) / 1000).toFixed(1) : 'NOT drained'} | ${at ? Math.max(0, (at - lastAck) / 1000).toFixed(1) : '-'} | ${fmt(failures[service] - failuresBefore[service])} |`);
  }
  const recordsOn = async (key) => (await admin.fetchTopicOffsets(topicName(key, prefix))).reduce((sum, p) => sum + Number(p.high), 0);
  console.log(`alerts on the topic for ${fmt(l.alert.length)} of ${fmt(expected)} transitions matched to their reading by the bench's tail (${fmt(await recordsOn('alerts'))} alert records in all); geofence events for ${fmt(l.geo.length)} (${fmt(await recordsOn('geofenceEvents'))} records)`);
  console.log(`dead letters during the burst: ${fmt((await deadLetters()) - dlqBefore)}; most partitions stalled at once: ${stalledSeen}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

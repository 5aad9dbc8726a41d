// The load generator of bench/pipeline, run as its own process (child_process.fork) so that
// building and sending requests does not share an event loop with the bench's consumers.
//
// Parent -> child (IPC): { type: 'step', rate (readings/s, 0 = as fast as it goes), seconds,
// limit (optional: stop after this many readings, e.g. a burst) }.
// Child -> parent: { type: 'acked', ids, at } for every accepted request (ids: the readings of it
// that cause a transition, at: when the 202 arrived), and { type: 'step-done', ... } with counts.
//
// Reading n goes to device n % devices and is that device's reading i = floor(n / devices).
// Every `transitionEvery`-th reading of a device flips it: temperature 60 and at the centre of
// fence 0, or 40 and 5 km north of it, so 1 reading in `transitionEvery` causes one alert
// transition (rule 0: temperature > 50) and one geofence transition (fence 0).
'use strict';

const config = JSON.parse(process.argv[2]);
const { ingestUrl, token, devices, transitionEvery, batch, concurrency, center, runId } = config;
let next = 0; // sequence number of the next reading

function reading(n) {
  const d = n % devices;
  const i = Math.floor(n / devices);
  const hot = Math.floor(i / transitionEvery) % 2 === 0;
  return {
    deviceId: `dev-${d}`,
    id: `${runId}-${n}`,
    ts: new Date().toISOString(),
    position: hot ? { lat: center.lat, lon: center.lon } : { lat: center.lat + 0.045, lon: center.lon },
    metrics: { temperature: hot ? 60 : 40, occupancy: true },
  };
}

const causesTransition = (n) => Math.floor(n / devices) % transitionEvery === 0;

async function send(readings) {
  for (;;) {
    const res = await fetch(`${ingestUrl}/v1/telemetry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ readings }),
    });
    await res.arrayBuffer();
    if (res.status === 202) return Date.now();
    if (res.status !== 503 && res.status !== 429) throw new Error(`ingest answered ${res.status}`);
    await new Promise((r) => setTimeout(r, 100)); // not accepted: send again
  }
}

async function step(rate, seconds, limit = Infinity) {
  const started = Date.now();
  const first = next;
  let inFlight = 0;
  let accepted = 0;
  let requests = 0;
  const waiters = [];
  const slot = () => (inFlight < concurrency ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve)));
  const pending = new Set();
  while (Date.now() - started < seconds * 1000 && next - first < limit) {
    const due = Math.min(rate > 0 ? Math.floor(((Date.now() - started) / 1000) * rate) - (next - first) : batch, limit - (next - first));
    if (due <= 0) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    const size = Math.min(due, batch);
    await slot();
    const from = next;
    next += size;
    const readings = Array.from({ length: size }, (_, k) => reading(from + k));
    inFlight++;
    requests++;
    const p = send(readings).then((at) => {
      accepted += size;
      const ids = readings.filter((_, k) => causesTransition(from + k)).map((r) => r.id);
      if (ids.length > 0) process.send({ type: 'acked', ids, at });
    });
    pending.add(p);
    p.finally(() => {
      pending.delete(p);
      inFlight--;
      waiters.shift()?.();
    });
  }
  await Promise.all(pending);
  const elapsed = (Date.now() - started) / 1000;
  process.send({ type: 'step-done', offered: rate, sent: next - first, accepted, requests, seconds: elapsed });
}

process.on('message', (message) => {
  if (message.type === 'step') {
    step(message.rate, message.seconds, message.limit).catch((err) => {
      process.send({ type: 'error', message: err.message });
    });
  } else if (message.type === 'exit') {
    process.exit(0);
  }
});
process.send({ type: 'ready' });

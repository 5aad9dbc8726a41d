#!/usr/bin/env node
// Cedar decision latency: one CedarAuthorizer (built-in policies + the seed's thermostat set),
// the guard's question (role table) and a command:send with context, measured in-process.
// Prints figures; not a test.
//
//   npx nx build auth && node bench/auth/decision.js [--n 20000]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { CedarAuthorizer, policiesOfFile } = require('@geopulse/auth');

const n = Number(process.argv[process.argv.indexOf('--n') + 1]) || 20_000;
const started = performance.now();
const authorizer = new CedarAuthorizer();
const init = performance.now() - started;
authorizer.setTenantPolicies('acme', policiesOfFile(fs.readFileSync(path.join(__dirname, '../../docs/policies/thermostat.cedar'), 'utf8')));

const requests = {
  'guard: viewer reads a rule': { principal: { type: 'User', id: 'vic', tenant: 'acme', roles: ['viewer'] }, action: 'rule:read', resource: { type: 'Rule', id: 'r1', tenant: 'acme' } },
  'command:send: guest sets 74 F': {
    principal: { type: 'User', id: 'gina', tenant: 'acme', roles: ['guest'] },
    action: 'command:send',
    resource: { type: 'Device', id: 'thermostat-1', tenant: 'acme', owner: 'olivia', tags: ['thermostat'] },
    context: { command: { name: 'setTemperature', args: { value: 74, unit: 'F' } }, localTime: { hour: 15, minute: 0, dayOfWeek: 'Mon', timeZone: 'UTC' } },
  },
};

(async () => {
  console.log(`engine + built-in policies ready in ${init.toFixed(1)} ms (node ${process.version})`);
  for (const [name, request] of Object.entries(requests)) {
    for (let i = 0; i < 1000; i++) await authorizer.isAuthorized(request);
    const times = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await authorizer.isAuthorized(request);
      times[i] = performance.now() - t;
    }
    times.sort();
    const q = (p) => (times[Math.min(n - 1, Math.floor(p * n))] * 1000).toFixed(0);
    console.log(`${name}: p50 ${q(0.5)} µs, p99 ${q(0.99)} µs, ${(n / (times.reduce((a, b) => a + b, 0) / 1000)).toFixed(0)} decisions/s over ${n}`);
  }
})();

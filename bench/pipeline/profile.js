#!/usr/bin/env node
// Summarises the V8 CPU profiles `bench/pipeline/run.js --cpu-prof DIR` leaves in DIR (one per
// service process): per process, where its busy time went, by package (node_modules/<pkg>,
// our libs and services, Node's internals, GC) and the top functions by self time.
//
//   node bench/pipeline/profile.js DIR [--top 15]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [dir, ...rest] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/pipeline/profile.js DIR [--top N]');
  process.exit(2);
}
const topIndex = rest.indexOf('--top');
const TOP = topIndex >= 0 ? Number(rest[topIndex + 1]) : 15;

/** Which part of the code a call frame's url belongs to. */
function bucketOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const ours = /\/(libs|services)\/([^/]+)\//.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

/** The service a profile belongs to: the services/<name> directory its frames come from most. */
function serviceOf(nodes) {
  const counts = new Map();
  for (const n of nodes) {
    const m = /\/services\/([^/]+)\//.exec(n.callFrame.url);
    if (m) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
}

const pct = (x, of) => `${((100 * x) / of).toFixed(1)} %`;
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
if (files.length === 0) {
  console.error(`no .cpuprofile in ${dir}`);
  process.exit(1);
}
for (const file of files) {
  const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const selfMs = new Map();
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) selfMs.set(profile.samples[i], (selfMs.get(profile.samples[i]) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0) / 1000);
  const byBucket = new Map();
  const byFunction = new Map();
  let busy = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    if (ms === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    busy += ms;
    const bucket = bucketOf(url, functionName);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${url ? `${bucket}:${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const wall = (profile.endTime - profile.startTime) / 1000;
  console.log(`\n## ${serviceOf(profile.nodes)} (${file}): busy ${(busy / 1000).toFixed(1)} s of ${(wall / 1000).toFixed(1)} s profiled (idle ${(idle / 1000).toFixed(1)} s)`);
  console.log('\n| where (self time) | share of busy |\n|---|---:|');
  for (const [bucket, ms] of [...byBucket].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`| ${bucket} | ${pct(ms, busy)} |`);
  console.log('\n| function (self time) | share of busy |\n|---|---:|');
  for (const [fn, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`| ${fn.replace(/\|/g, '\\|')} | ${pct(ms, busy)} |`);
}

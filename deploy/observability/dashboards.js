#!/usr/bin/env node
// Grafana dashboards as code: one per service and one for the whole pipeline, written to
// deploy/observability/grafana/*.json. Run `node deploy/observability/dashboards.js` after a change
// here; test/observability.integration-spec.ts fails when the committed JSON differs from what this
// generates, or when a query names a metric that a running service does not expose.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const rate = (metric, by, selector = '', window = '5m') => `sum by (${by}) (rate(${metric}${selector}[${window}]))`;
const quantile = (q, metric, by, selector = '', window = '5m') =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket${selector}[${window}])))`;

/** A panel: title, unit, one or more [expr, legend] targets. */
const panel = (title, unit, ...targets) => ({ title, unit, targets });

const svc = (name) => `{service="geopulse-${name}"}`;

/** What every service shows: HTTP, readiness, process. */
const common = (name) => [
  panel('HTTP requests/s by route and status', 'reqps', [rate('geopulse_http_requests_total', 'route, status', svc(name)), '{{route}} {{status}}']),
  panel('HTTP p95 latency by route', 's', [quantile(0.95, 'geopulse_http_request_duration_seconds', 'route', svc(name)), '{{route}}']),
  panel('Ready (1) / not ready (0)', 'none', [`min by (instance) (geopulse_ready${svc(name)})`, '{{instance}}'], [
    `min by (check) (geopulse_readiness_check_up${svc(name)})`,
    '{{check}}',
  ]),
  panel('CPU (cores)', 'none', [`sum by (instance) (rate(process_cpu_seconds_total${svc(name)}[5m]))`, '{{instance}}']),
  panel('Resident memory', 'bytes', [`sum by (instance) (process_resident_memory_bytes${svc(name)})`, '{{instance}}']),
  panel('Event loop lag p99', 's', [`max by (instance) (nodejs_eventloop_lag_p99_seconds${svc(name)})`, '{{instance}}']),
];

/** What every consumer shows. */
const consumer = (name) => [
  panel('Records processed/s by topic', 'ops', [rate('geopulse_kafka_consumed_records_total', 'topic', svc(name)), '{{topic}}']),
  panel('Consumer lag by topic and partition', 'none', [`max by (topic, partition) (geopulse_kafka_consumer_lag${svc(name)})`, '{{topic}}[{{partition}}]']),
  panel('Batch p95 duration by topic', 's', [quantile(0.95, 'geopulse_kafka_batch_duration_seconds', 'topic', svc(name)), '{{topic}}']),
  panel('Failed batches/s and dead letters/s', 'ops', [rate('geopulse_kafka_batch_failures_total', 'topic', svc(name)), 'failed {{topic}}'], [
    rate('geopulse_kafka_dead_lettered_total', 'reason', svc(name)),
    'dead-lettered {{reason}}',
  ]),
];

const redis = (name) => panel('Redis command p99 by command', 's', [quantile(0.99, 'geopulse_redis_command_duration_seconds', 'command', svc(name)), '{{command}}']);
const dynamo = (name) => panel('DynamoDB call p99 by operation', 's', [quantile(0.99, 'geopulse_dynamodb_call_duration_seconds', 'operation', svc(name)), '{{operation}}']);
const produce = (name) => [
  panel('Records produced/s by topic', 'ops', [rate('geopulse_kafka_produced_records_total', 'topic', svc(name)), '{{topic}}'], [
    rate('geopulse_kafka_produce_failures_total', 'topic', svc(name)),
    'failed requests {{topic}}',
  ]),
  panel('Produce p95 latency by topic', 's', [quantile(0.95, 'geopulse_kafka_produce_seconds', 'topic', svc(name)), '{{topic}}']),
];

const dashboards = {
  pipeline: {
    title: 'geopulse / pipeline',
    panels: [
      panel('Readings in (ingest, accepted/s)', 'ops', [rate('geopulse_ingest_readings_accepted_total', 'transport'), '{{transport}}']),
      panel('Readings out per stage (processed/s by consumer group)', 'ops', [
        rate('geopulse_kafka_consumed_records_total', 'group, topic'),
        '{{group}} {{topic}}',
      ]),
      panel('Consumer lag by group and partition', 'none', [`max by (group, topic, partition) (geopulse_kafka_consumer_lag)`, '{{group}} {{topic}}[{{partition}}]']),
      panel('Batch p95 duration by group', 's', [quantile(0.95, 'geopulse_kafka_batch_duration_seconds', 'group'), '{{group}}']),
      panel('Dead letters/s by reason', 'ops', [rate('geopulse_kafka_dead_lettered_total', 'group, reason'), '{{group}} {{reason}}'], [
        rate('geopulse_ingest_mqtt_dead_lettered_total', 'reason'),
        'mqtt {{reason}}',
      ]),
      panel('Alert transitions/s', 'ops', [rate('geopulse_rules_alert_transitions_total', 'trigger'), '{{trigger}}']),
      panel('Geofence transitions/s', 'ops', [rate('geopulse_geo_transitions_total', 'transition'), '{{transition}}']),
      panel('Deliveries/s by channel and status', 'ops', [rate('geopulse_notifier_deliveries_total', 'channel, status'), '{{channel}} {{status}}']),
      panel('Delivery p95 latency by channel', 's', [quantile(0.95, 'geopulse_notifier_delivery_latency_seconds', 'channel'), '{{channel}}']),
      panel('Redis command p99 by service', 's', [quantile(0.99, 'geopulse_redis_command_duration_seconds', 'service'), '{{service}}']),
      panel('DynamoDB call p99 by service', 's', [quantile(0.99, 'geopulse_dynamodb_call_duration_seconds', 'service'), '{{service}}']),
      panel('Produce p95 latency by topic', 's', [quantile(0.95, 'geopulse_kafka_produce_seconds', 'topic'), '{{topic}}']),
    ],
  },
  ingest: {
    title: 'geopulse / ingest',
    panels: [
      panel('Readings accepted/s and duplicates/s', 'ops', [rate('geopulse_ingest_readings_accepted_total', 'transport'), 'accepted {{transport}}'], [
        rate('geopulse_ingest_readings_duplicate_total', 'transport'),
        'duplicate {{transport}}',
      ]),
      panel('Requests rejected/s by reason', 'ops', [rate('geopulse_ingest_requests_rejected_total', 'reason'), '{{reason}}']),
      panel('HTTP requests in flight', 'none', [`sum by (instance) (geopulse_ingest_http_in_flight)`, '{{instance}}']),
      panel('MQTT retries/s and dead letters/s', 'ops', [rate('geopulse_ingest_mqtt_retries_total', 'reason'), 'retry {{reason}}'], [
        rate('geopulse_ingest_mqtt_dead_lettered_total', 'reason'),
        'dead-lettered {{reason}}',
      ]),
      ...produce('ingest'),
      redis('ingest'),
      dynamo('ingest'),
      ...common('ingest'),
    ],
  },
  aggregator: {
    title: 'geopulse / aggregator',
    panels: [
      panel('Readings applied/s; stale, duplicate, replayed', 'ops', [rate('geopulse_aggregator_readings_applied_total', 'service'), 'applied'], [
        rate('geopulse_aggregator_stale_readings_total', 'service'),
        'stale',
      ], [rate('geopulse_aggregator_duplicate_readings_total', 'service'), 'duplicate'], [rate('geopulse_aggregator_replayed_readings_total', 'service'), 'replayed']),
      panel('Window readings/s and emits/s', 'ops', [rate('geopulse_aggregator_window_readings_total', 'service'), 'readings'], [
        rate('geopulse_aggregator_window_emits_total', 'kind'),
        'emits {{kind}}',
      ]),
      panel('Late readings/s by outcome; beyond horizon', 'ops', [rate('geopulse_aggregator_late_readings_total', 'outcome'), 'late {{outcome}}'], [
        rate('geopulse_aggregator_beyond_horizon_readings_total', 'service'),
        'beyond horizon',
      ]),
      ...consumer('aggregator'),
      ...produce('aggregator'),
      redis('aggregator'),
      dynamo('aggregator'),
      ...common('aggregator'),
    ],
  },
  rules: {
    title: 'geopulse / rules',
    panels: [
      panel('Evaluations/s by trigger', 'ops', [rate('geopulse_rules_evaluations_total', 'trigger'), '{{trigger}}']),
      panel('Alert transitions/s by trigger', 'ops', [rate('geopulse_rules_alert_transitions_total', 'trigger'), '{{trigger}}']),
      panel('Errors/s: evaluation, compile, timers, state conflicts', 'ops', [rate('geopulse_rules_evaluation_errors_total', 'service'), 'evaluation'], [
        rate('geopulse_rules_compile_errors_total', 'service'),
        'compile',
      ], [rate('geopulse_rules_timer_failures_total', 'service'), 'timer'], [rate('geopulse_rules_state_conflicts_total', 'service'), 'state conflict']),
      panel('Rules loaded', 'none', [`max by (instance) (geopulse_rules_loaded)`, '{{instance}}']),
      ...consumer('rules'),
      ...produce('rules'),
      redis('rules'),
      dynamo('rules'),
      ...common('rules'),
    ],
  },
  geo: {
    title: 'geopulse / geo',
    panels: [
      panel('Positions evaluated/s; stale positions/s', 'ops', [rate('geopulse_geo_positions_evaluated_total', 'service'), 'evaluated'], [
        rate('geopulse_geo_stale_positions_total', 'service'),
        'stale',
      ]),
      panel('Transitions/s by transition and reason', 'ops', [rate('geopulse_geo_transitions_total', 'transition, reason'), '{{transition}} {{reason}}']),
      panel('Fences in the index', 'none', [`max by (instance) (geopulse_geo_index_fences)`, '{{instance}}']),
      panel('Reconcile changes/s by kind', 'ops', [rate('geopulse_geo_reconcile_changes_total', 'kind'), '{{kind}}']),
      ...consumer('geo'),
      ...produce('geo'),
      redis('geo'),
      dynamo('geo'),
      ...common('geo'),
    ],
  },
  notifier: {
    title: 'geopulse / notifier',
    panels: [
      panel('Deliveries/s by channel and status', 'ops', [rate('geopulse_notifier_deliveries_total', 'channel, status'), '{{channel}} {{status}}']),
      panel('Delivery p95 latency (retries included) by channel', 's', [quantile(0.95, 'geopulse_notifier_delivery_latency_seconds', 'channel'), '{{channel}}']),
      panel('Attempt p95 duration by channel', 's', [quantile(0.95, 'geopulse_notifier_attempt_seconds', 'channel'), '{{channel}}']),
      panel('Queue depth', 'none', [`max by (instance) (geopulse_notifier_queue_depth)`, '{{instance}}']),
      panel('Routed/s by outcome; worker errors/s', 'ops', [rate('geopulse_notifier_routed_total', 'outcome'), '{{outcome}}'], [
        rate('geopulse_notifier_worker_errors_total', 'service'),
        'worker errors',
      ]),
      ...consumer('notifier'),
      ...produce('notifier'),
      redis('notifier'),
      dynamo('notifier'),
      ...common('notifier'),
    ],
  },
};

function render(id, { title, panels }) {
  return {
    uid: `geopulse-${id}`,
    title,
    tags: ['geopulse'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }],
    },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: p.targets.map(([expr, legendFormat], j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: { type: 'prometheus', uid: '${datasource}' },
        expr,
        legendFormat,
      })),
    })),
  };
}

/** File name -> JSON text of every dashboard. */
function generate() {
  return Object.fromEntries(Object.entries(dashboards).map(([id, d]) => [`geopulse-${id}.json`, `${JSON.stringify(render(id, d), null, 2)}\n`]));
}

module.exports = { generate };

if (require.main === module) {
  const dir = path.join(__dirname, 'grafana');
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(generate())) fs.writeFileSync(path.join(dir, file), text);
  console.log(`wrote ${Object.keys(dashboards).length} dashboards to ${path.relative(process.cwd(), dir)}`);
}

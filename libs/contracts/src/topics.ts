/** Kafka topic names of the public contract (ARCHITECTURE.md), before the optional prefix. */
export const TOPICS = {
  telemetry: 'geopulse.telemetry.v1',
  aggregates: 'geopulse.aggregates.v1',
  rules: 'geopulse.rules.v1',
  geofences: 'geopulse.geofences.v1',
  geofenceEvents: 'geopulse.geofence-events.v1',
  alerts: 'geopulse.alerts.v1',
  deadLetter: 'geopulse.deadletter.v1',
  policies: 'geopulse.policies.v1',
} as const;

export type TopicKey = keyof typeof TOPICS;

export interface TopicSpec {
  key: TopicKey;
  /** Compacted topics keep the latest record per key (rules, geofences, policies). */
  compacted: boolean;
  /** Broadcast topics are read in full by every replica of a service. */
  broadcast: boolean;
}

export const TOPIC_SPECS: readonly TopicSpec[] = [
  { key: 'telemetry', compacted: false, broadcast: false },
  { key: 'aggregates', compacted: false, broadcast: false },
  { key: 'rules', compacted: true, broadcast: true },
  { key: 'geofences', compacted: true, broadcast: true },
  { key: 'geofenceEvents', compacted: false, broadcast: false },
  { key: 'alerts', compacted: false, broadcast: false },
  { key: 'deadLetter', compacted: false, broadcast: false },
  { key: 'policies', compacted: true, broadcast: true },
];

/** The topic name with the environment prefix, e.g. `staging-` + `geopulse.telemetry.v1`. */
export function topicName(key: TopicKey, prefix = ''): string {
  return `${prefix}${TOPICS[key]}`;
}

/**
 * A consumer group's name with the same environment prefix as the topics, so that two
 * environments (or two test runs) sharing a cluster never share a group.
 */
export function consumerGroupName(group: string, prefix = ''): string {
  return `${prefix}${group}`;
}

/** Record key of per-device topics: `<tenantId>:<deviceId>` keeps one device on one partition. */
export function deviceRecordKey(tenantId: string, deviceId: string): string {
  return `${tenantId}:${deviceId}`;
}

/** CloudEvents `type` attribute of every event geopulse writes. */
export const EVENT_TYPES = {
  reading: 'io.geopulse.telemetry.reading.v1',
  aggregate: 'io.geopulse.telemetry.aggregate.v1',
  ruleChanged: 'io.geopulse.rule.changed.v1',
  geofenceChanged: 'io.geopulse.geofence.changed.v1',
  geofenceTransition: 'io.geopulse.geofence.transition.v1',
  alert: 'io.geopulse.alert.v1',
  policySetChanged: 'io.geopulse.policy-set.changed.v1',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** `source` attribute: which service wrote the event. */
export function eventSource(service: string): string {
  return `/geopulse/${service}`;
}

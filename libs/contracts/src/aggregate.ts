/**
 * Data of an `io.geopulse.telemetry.aggregate.v1` event on `geopulse.aggregates.v1`: one
 * device's tumbling event-time window. A window is emitted once when the device's own event
 * time passes its end or the device falls silent (revision 0), and again, with the next
 * revision, when late readings within the allowed lateness changed it (a backfill is one
 * revision; decision 0204). The CloudEvent id is `aggregateEventId(...)`, so a re-sent revision
 * (at-least-once) carries the same id and consumers can drop it.
 */

export interface MetricAggregate {
  count: number;
  min: number;
  max: number;
  avg: number;
  sum: number;
  /** The value of the reading with the newest event time in the window. */
  last: number;
}

export interface AggregatePosition {
  lat: number;
  lon: number;
  ts: string;
}

export interface TelemetryAggregate {
  tenantId: string;
  deviceId: string;
  /** Inclusive start and exclusive end, ISO-8601 UTC. */
  windowStart: string;
  windowEnd: string;
  /** 0 for the first emission; +1 for each re-emission after a late reading. */
  revision: number;
  /** Readings in the window. */
  count: number;
  /** Numeric metrics only (booleans and strings are not aggregated). */
  metrics: Record<string, MetricAggregate>;
  firstPosition?: AggregatePosition;
  lastPosition?: AggregatePosition;
  /** Haversine distance along the window's positions in event-time order, metres. */
  distanceMeters: number;
}

export function aggregateEventId(tenantId: string, deviceId: string, windowStartMs: number, revision: number): string {
  return `${tenantId}:${deviceId}:${windowStartMs}:${revision}`;
}

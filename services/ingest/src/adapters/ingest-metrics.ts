import { metric } from '@geopulse/observability';

/** Readings refused, by reason and transport: shared by the HTTP controller, its guard and the MQTT bridge. */
export const rejectedReadings = metric.counter('geopulse_ingest_requests_rejected_total', 'Telemetry requests (HTTP) and messages (MQTT) rejected, by reason', [
  'reason',
  'transport',
]);

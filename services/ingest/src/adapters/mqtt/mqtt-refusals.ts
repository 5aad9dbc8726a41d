import { metric } from '@geopulse/observability';

/**
 * MQTT clients and messages refused, by reason: at the broker's request (POST
 * /internal/mqtt/authenticate: BAD_USERNAME, WRONG_DEVICE, UNKNOWN_DEVICE_KEY, ...) and by the
 * bridge's own publisher check (NO_PUBLISHER_IDENTITY, PUBLISHER_MISMATCH).
 */
export const mqttRefusals = metric.counter('geopulse_ingest_mqtt_refused_total', 'MQTT clients or messages refused, by reason', ['reason']);

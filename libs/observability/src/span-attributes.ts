/** Span attributes naming the tenant and the device a span is about (Kafka, delivery spans). */
export const TENANT_ATTRIBUTE = 'geopulse.tenant';
export const DEVICE_ATTRIBUTE = 'geopulse.device_id';

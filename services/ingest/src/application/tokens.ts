/**
 * Every injection token of the ingest service, in one place (the other services keep theirs in
 * application/tokens.ts too).
 */
export const DEVICE_REPOSITORY = Symbol('DEVICE_REPOSITORY');
export const KEY_CRYPTO = Symbol('KEY_CRYPTO');
export const DEVICE_TAGS = Symbol('DEVICE_TAGS');
export const DYNAMO = Symbol('DYNAMO');
export const DYNAMO_SETTINGS = Symbol('DYNAMO_SETTINGS');
export const MQTT_SETTINGS = Symbol('MQTT_SETTINGS');
export const MQTT_AUTH_SECRET = Symbol('MQTT_AUTH_SECRET');
export const TELEMETRY_IN_FLIGHT = Symbol('TELEMETRY_IN_FLIGHT');
export const COMMAND_REPOSITORY = Symbol('COMMAND_REPOSITORY');
export const COMMAND_SWEEP_MS = Symbol('COMMAND_SWEEP_MS');

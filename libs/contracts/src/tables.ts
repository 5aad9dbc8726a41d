/** DynamoDB table names (before DYNAMODB_TABLE_PREFIX). */
export const TABLES = {
  devices: 'geopulse-devices',
  deviceKeys: 'geopulse-device-keys',
  deviceCommands: 'geopulse-device-commands',
  tenantSettings: 'geopulse-tenant-settings',
  readings: 'geopulse-readings',
  aggregates: 'geopulse-aggregates',
  rules: 'geopulse-rules',
  alerts: 'geopulse-alerts',
  geofences: 'geopulse-geofences',
  geofenceTransitions: 'geopulse-geofence-transitions',
  subscriptions: 'geopulse-subscriptions',
  notifications: 'geopulse-notifications',
  policies: 'geopulse-policies',
} as const;

export type TableKey = keyof typeof TABLES;

export function tableName(key: TableKey, prefix = ''): string {
  return `${prefix}${TABLES[key]}`;
}

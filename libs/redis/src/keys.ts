/**
 * Redis key names. Every key of a tenant carries the `{tenantId}` hash tag so all of a
 * tenant's keys live in one slot and multi-key scripts work on Redis Cluster.
 */
export function tenantKey(tenantId: string, ...parts: string[]): string {
  return ['gp', `{${tenantId}}`, ...parts].join(':');
}

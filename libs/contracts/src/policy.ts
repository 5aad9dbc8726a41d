/**
 * Tenant authorization policies (issue 13, docs/decisions/0105): the resource of
 * `/v1/policies` (ingest), and the data of `io.geopulse.policy-set.changed.v1` on the compacted
 * `geopulse.policies.v1` (key `<tenantId>`: the tenant's whole policy set, so the latest record
 * is all a replica needs). Every service reads the topic in full into its Cedar authorizer.
 */
import { isRecord } from './json-body';

/** A policy id: 1-64 lower-case letters, digits and dashes (never `builtin:...`). */
export const POLICY_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A stored tenant policy: one Cedar permit or forbid statement. */
export interface TenantPolicyResource {
  id: string;
  tenantId: string;
  description?: string;
  /** The Cedar text, as sent. */
  policy: string;
  /** Increases with every change of this policy (If-Match on PUT and DELETE). */
  version: number;
  createdAt: string;
  updatedAt: string;
  createdBy?: string;
}

export interface PolicySetChangedData {
  tenantId: string;
  /** The tenant's policy-set version: replicas apply only a newer one. */
  version: number;
  policies: Array<{ id: string; policy: string }>;
}

/** The data of a policy-set change, or an Error naming what is wrong (dead-lettered by the reader). */
export function parsePolicySetChanged(data: unknown): PolicySetChangedData {
  if (!isRecord(data)) throw new Error('data is not an object');
  const { tenantId, version, policies } = data;
  if (typeof tenantId !== 'string' || tenantId === '') throw new Error('tenantId is not a string');
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) throw new Error('version is not a non-negative integer');
  if (!Array.isArray(policies)) throw new Error('policies is not an array');
  return {
    tenantId,
    version,
    policies: policies.map((p: unknown, i) => {
      if (!isRecord(p) || typeof p['id'] !== 'string' || typeof p['policy'] !== 'string') throw new Error(`policies/${i} needs string id and policy`);
      return { id: p['id'], policy: p['policy'] };
    }),
  };
}

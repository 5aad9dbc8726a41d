import { checkTenantPolicy, type PolicyCheck } from '@geopulse/auth';
import { isRecord, POLICY_ID_PATTERN, tenantLimitMessage, type ErrorIssue, type PolicySetChangedData, type TenantPolicyResource } from '@geopulse/contracts';
import { PolicyError } from '../domain/policy-error';

/** Tenant policies in DynamoDB, and the tenant's policy-set version counter. */
export interface PolicyRepository {
  get(tenantId: string, id: string): Promise<TenantPolicyResource | undefined>;
  list(tenantId: string): Promise<TenantPolicyResource[]>;
  /** Writes only if the stored version is `expectedVersion` (null: only if absent); false otherwise. */
  put(policy: TenantPolicyResource, expectedVersion: number | null): Promise<boolean>;
  /** Deletes only if present (and of `expectedVersion` when given); false otherwise. */
  remove(tenantId: string, id: string, expectedVersion?: number): Promise<boolean>;
  /** Atomically increments and returns the tenant's policy-set version. */
  nextSetVersion(tenantId: string): Promise<number>;
}

/** Publishes a tenant's whole policy set (every service's authorizer applies the newest). */
export interface PolicySetPublisher {
  publish(set: PolicySetChangedData): Promise<void>;
}

export interface PolicySettings {
  maxPerTenant: number;
  /** Size limit of one policy's Cedar text, in UTF-8 bytes. */
  maxBytes: number;
}

const MAX_DESCRIPTION = 500;

interface PolicyInput {
  id?: string;
  description?: string;
  policy: string;
}

/**
 * `/v1/policies`: create, list, read, replace, delete and validate a tenant's Cedar policies.
 * Every change is a conditional write on the policy's version, then bumps the tenant's set
 * version and publishes the whole set, read after the bump (so a set published with a higher
 * version always holds every change of a lower one; decision 0105).
 */
export class ManagePolicies {
  constructor(
    private readonly repository: PolicyRepository,
    private readonly publisher: PolicySetPublisher,
    private readonly settings: PolicySettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The checks of a body, without storing anything: shape, size, then Cedar's parser and validator. */
  validate(body: unknown, idFromPath?: string): { valid: true } | { valid: false; errors: ErrorIssue[] } {
    const { input, issues } = this.readInput(body, idFromPath);
    if (!input) return { valid: false, errors: issues };
    const check: PolicyCheck = checkTenantPolicy({ id: input.id ?? 'policy', text: input.policy });
    return check.valid ? { valid: true } : { valid: false, errors: check.errors.map((message) => ({ path: '/policy', message })) };
  }

  async create(tenantId: string, body: unknown, createdBy: string): Promise<TenantPolicyResource> {
    const input = this.checked(body);
    if (!input.id) throw new PolicyError('INVALID_POLICY', '1 problem(s) in the policy', [{ path: '/id', message: 'is required' }]);
    const existing = await this.repository.list(tenantId);
    if (existing.some((p) => p.id === input.id)) throw new PolicyError('POLICY_EXISTS', `policy ${input.id} already exists`, [{ path: '/id', message: 'is taken' }]);
    // Counted before the write: concurrent creates may pass it by as many as run at once.
    if (existing.length >= this.settings.maxPerTenant) {
      throw new PolicyError('TENANT_LIMIT_REACHED', tenantLimitMessage('policies', this.settings.maxPerTenant, 'INGEST_MAX_POLICIES_PER_TENANT'));
    }
    const at = this.now().toISOString();
    const policy: TenantPolicyResource = {
      id: input.id,
      tenantId,
      ...(input.description !== undefined ? { description: input.description } : {}),
      policy: input.policy,
      version: 1,
      createdAt: at,
      updatedAt: at,
      createdBy,
    };
    if (!(await this.repository.put(policy, null))) throw new PolicyError('POLICY_EXISTS', `policy ${input.id} already exists`, [{ path: '/id', message: 'is taken' }]);
    await this.publish(tenantId);
    return policy;
  }

  async replace(tenantId: string, id: string, body: unknown, expectedVersion: number | undefined): Promise<TenantPolicyResource> {
    const input = this.checked(body, id);
    const stored = await this.get(tenantId, id);
    if (expectedVersion !== undefined && stored.version !== expectedVersion) throw this.conflict(id, stored.version);
    const policy: TenantPolicyResource = {
      ...stored,
      policy: input.policy,
      version: stored.version + 1,
      updatedAt: this.now().toISOString(),
    };
    if (input.description !== undefined) policy.description = input.description;
    else delete policy.description;
    if (!(await this.repository.put(policy, stored.version))) throw this.conflict(id);
    await this.publish(tenantId);
    return policy;
  }

  async delete(tenantId: string, id: string, expectedVersion: number | undefined): Promise<void> {
    const stored = await this.get(tenantId, id);
    if (expectedVersion !== undefined && stored.version !== expectedVersion) throw this.conflict(id, stored.version);
    if (!(await this.repository.remove(tenantId, id, expectedVersion))) throw this.conflict(id);
    await this.publish(tenantId);
  }

  async get(tenantId: string, id: string): Promise<TenantPolicyResource> {
    const policy = POLICY_ID_PATTERN.test(id) ? await this.repository.get(tenantId, id) : undefined;
    if (!policy) throw new PolicyError('POLICY_NOT_FOUND', `no policy ${id}`);
    return policy;
  }

  list(tenantId: string): Promise<TenantPolicyResource[]> {
    return this.repository.list(tenantId);
  }

  private async publish(tenantId: string): Promise<void> {
    const version = await this.repository.nextSetVersion(tenantId);
    const policies = await this.repository.list(tenantId);
    await this.publisher.publish({ tenantId, version, policies: policies.map((p) => ({ id: p.id, policy: p.policy })) });
  }

  private conflict(id: string, current?: number): PolicyError {
    const now = current === undefined ? 'it changed meanwhile' : `it is at version ${current}`;
    return new PolicyError('CONCURRENT_UPDATE', `policy ${id} was not changed: ${now}; read it again and retry with its version in If-Match`);
  }

  private checked(body: unknown, idFromPath?: string): PolicyInput {
    const { input, issues } = this.readInput(body, idFromPath);
    if (!input) {
      const tooLarge = issues.find((i) => i.message.startsWith('exceeds'));
      if (tooLarge) throw new PolicyError('POLICY_TOO_LARGE', `the policy ${tooLarge.message}`, issues);
      throw new PolicyError('INVALID_POLICY', `${issues.length} problem(s) in the policy`, issues);
    }
    const check = checkTenantPolicy({ id: input.id ?? idFromPath ?? 'policy', text: input.policy });
    if (!check.valid) throw new PolicyError('INVALID_POLICY', `the policy does not validate: ${check.errors.join('; ')}`, check.errors.map((message) => ({ path: '/policy', message })));
    return input;
  }

  private readInput(body: unknown, idFromPath?: string): { input?: PolicyInput; issues: ErrorIssue[] } {
    if (!isRecord(body)) return { issues: [{ path: '', message: 'must be an object {id, description?, policy}' }] };
    const issues: ErrorIssue[] = [];
    for (const key of Object.keys(body)) if (!['id', 'description', 'policy'].includes(key)) issues.push({ path: `/${key}`, message: 'is not a property of a policy' });
    const { id, description, policy } = body;
    if (id !== undefined && (typeof id !== 'string' || !POLICY_ID_PATTERN.test(id))) issues.push({ path: '/id', message: 'must be 1-64 lower-case letters, digits and dashes, starting with a letter or digit' });
    if (idFromPath !== undefined && id !== undefined && id !== idFromPath) issues.push({ path: '/id', message: `must match the path (${idFromPath}) or be left out` });
    if (description !== undefined && (typeof description !== 'string' || description.length > MAX_DESCRIPTION)) issues.push({ path: '/description', message: `must be a string of at most ${MAX_DESCRIPTION} characters` });
    if (typeof policy !== 'string' || policy.trim() === '') issues.push({ path: '/policy', message: 'must be the Cedar text of one permit or forbid statement' });
    else if (Buffer.byteLength(policy, 'utf8') > this.settings.maxBytes) issues.push({ path: '/policy', message: `exceeds ${this.settings.maxBytes} bytes (INGEST_MAX_POLICY_BYTES)` });
    if (issues.length > 0) return { issues };
    return { input: { ...(typeof id === 'string' ? { id } : idFromPath ? { id: idFromPath } : {}), ...(typeof description === 'string' ? { description } : {}), policy: policy as string }, issues };
  }
}

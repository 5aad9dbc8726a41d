import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationDecision, AuthorizationRequest, Authorizer, ContextValue, Principal, ResourceRef } from '../authorizer';
import { BUILTIN_PREFIX, builtinPolicies } from './builtin-policies';
import { CEDAR_NAMESPACE, CEDAR_SCHEMA, COMMAND_ARGS } from './schema';

/** A tenant's own policy: one Cedar statement with the id the tenant gave it. */
export interface TenantPolicy {
  id: string;
  text: string;
}

export type PolicyCheck = { valid: true } | { valid: false; errors: string[] };

type CedarValue = cedar.CedarValueJson;

const entityType = (type: string): string => `${CEDAR_NAMESPACE}::${type}`;
const uid = (type: string, id: string): cedar.EntityUidJson => ({ type: entityType(type), id });

function describe(errors: readonly cedar.DetailedError[]): string[] {
  return errors.map((e) => (e.help ? `${e.message} (${e.help})` : e.message));
}

/** Every instance in this process preparses its sets under its own prefix (wasm state is per process). */
let instances = 0;
const SCHEMA_NAME = 'geopulse';
let schemaPrepared = false;

function prepareSchema(): void {
  if (schemaPrepared) return;
  const answer = cedar.preparseSchema(SCHEMA_NAME, CEDAR_SCHEMA);
  if (answer.type !== 'success') throw new Error(`the built-in Cedar schema does not parse: ${describe(answer.errors).join('; ')}`);
  schemaPrepared = true;
}

/**
 * Whether a policy set is valid against the schema (strict mode). The messages are Cedar's own,
 * prefixed with the id of the policy they are about.
 */
export function validatePolicies(policies: Readonly<Record<string, string>>): PolicyCheck {
  const answer = cedar.validate({ schema: CEDAR_SCHEMA, policies: { staticPolicies: { ...policies } }, validationSettings: { mode: 'strict' } });
  if (answer.type === 'failure') return { valid: false, errors: describe(answer.errors) };
  if (answer.validationErrors.length === 0) return { valid: true };
  return { valid: false, errors: answer.validationErrors.map((e) => `${e.policyId}: ${describe([e.error])[0]}`) };
}

/**
 * One tenant policy: exactly one Cedar `permit` or `forbid` statement (no templates) that
 * validates against the schema. Returns Cedar's messages otherwise.
 */
export function checkTenantPolicy(policy: TenantPolicy): PolicyCheck {
  const tooComplex = complexityProblem(policy.text);
  if (tooComplex) return { valid: false, errors: [tooComplex] };
  let parts: cedar.PolicySetTextToPartsAnswer;
  try {
    parts = cedar.policySetTextToParts(policy.text);
  } catch (err) {
    return { valid: false, errors: [`the Cedar engine could not read it: ${(err as Error).message}`] };
  }
  if (parts.type === 'failure') return { valid: false, errors: describe(parts.errors) };
  if (parts.policy_templates.length > 0) return { valid: false, errors: ['templates (?principal, ?resource) are not supported; write a static policy'] };
  if (parts.policies.length !== 1) return { valid: false, errors: [`a policy holds exactly one permit or forbid statement; this text has ${parts.policies.length}`] };
  return validatePolicies({ [policy.id]: policy.text });
}

/** Nesting of ( [ { a policy may use, and operators it may hold (see complexityProblem). */
export const POLICY_COMPLEXITY = { maxDepth: 32, maxOperators: 128 };

const OPERATOR = /&&|\|\||==|!=|<=|>=|[<>+*.!-]|\b(?:if|has|like|in|is)\b/g;

/**
 * Why a text is too deeply nested or holds too many operators for the engine, if it is. The
 * Cedar wasm build recurses on the syntax tree: about 500 nested parentheses, 2,000 chained
 * additions or 500 chained method calls overflow its stack, and a trapped wasm instance is broken
 * for every later call of the process. So every untrusted text is measured before Cedar sees it;
 * the limits are far above any real policy and far below the measured crashes (decision 0105).
 */
export function complexityProblem(text: string): string | undefined {
  let code = '';
  let depth = 0;
  let deepest = 0;
  // Strings and comments carry no structure: scan them out (a quote in a comment opens nothing).
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      code += ' ';
    } else if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      code += '""';
    } else {
      if (ch === '(' || ch === '[' || ch === '{') deepest = Math.max(deepest, ++depth);
      else if (ch === ')' || ch === ']' || ch === '}') depth--;
      code += ch;
    }
  }
  if (deepest > POLICY_COMPLEXITY.maxDepth) return `the policy nests ( [ { ${deepest} deep; at most ${POLICY_COMPLEXITY.maxDepth} are allowed`;
  const operators = code.replace(/::/g, '').match(OPERATOR)?.length ?? 0;
  if (operators > POLICY_COMPLEXITY.maxOperators) return `the policy holds ${operators} operators; at most ${POLICY_COMPLEXITY.maxOperators} are allowed (split it into several policies)`;
  return undefined;
}

/**
 * Splits a Cedar file into its statements, each named by its `@id("...")` annotation (the
 * format of docs/policies/*.cedar).
 */
export function policiesOfFile(text: string): TenantPolicy[] {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') throw new Error(describe(parts.errors).join('; '));
  return parts.policies.map((statement, index) => {
    const json = cedar.policyToJson(statement);
    const id = json.type === 'success' ? json.json.annotations?.['id'] : undefined;
    if (!id) throw new Error(`statement ${index + 1} has no @id("...") annotation`);
    return { id, text: statement };
  });
}

/** Integers are Longs; non-integers, and names or types the schema does not declare, are left out. */
export function commandArgsForCedar(args: ContextValue | undefined): Record<string, CedarValue> {
  const out: Record<string, CedarValue> = {};
  if (!args || typeof args !== 'object' || Array.isArray(args)) return out;
  for (const [name, value] of Object.entries(args as Record<string, ContextValue>)) {
    const type = COMMAND_ARGS[name];
    if (type === 'Long' && typeof value === 'number' && Number.isSafeInteger(value)) out[name] = value;
    else if (type === 'String' && typeof value === 'string') out[name] = value;
    else if (type === 'Bool' && typeof value === 'boolean') out[name] = value;
  }
  return out;
}

function contextFor({ action, context }: AuthorizationRequest): Record<string, CedarValue> {
  if (action !== 'command:send' || !context) return {};
  const command = context['command'] as Record<string, ContextValue> | undefined;
  const out: Record<string, CedarValue> = {};
  if (command && typeof command === 'object') out['command'] = { name: String(command['name'] ?? ''), args: commandArgsForCedar(command['args']) };
  if (context['localTime'] !== undefined) out['localTime'] = context['localTime'] as CedarValue;
  return out;
}

function principalEntity(principal: Principal): cedar.EntityJson {
  const attrs: Record<string, CedarValue> =
    principal.type === 'User' ? { tenant: principal.tenant, roles: [...new Set(principal.roles)] } : { tenant: principal.tenant, tags: [] };
  return { uid: uid(principal.type, principal.id), attrs, parents: [] };
}

function resourceEntity(resource: ResourceRef): cedar.EntityJson {
  if (resource.type === 'Tenant') return { uid: uid('Tenant', resource.id), attrs: { tenant: resource.tenant }, parents: [] };
  const attrs: Record<string, CedarValue> = { tenant: resource.tenant, tags: [...new Set(resource.tags ?? [])] };
  if (resource.owner) attrs['owner'] = { __entity: { type: entityType('User'), id: resource.owner } };
  return { uid: uid(resource.type, resource.id), attrs, parents: [] };
}

/** Nest injection token of the process's CedarAuthorizer itself (to apply tenant policy sets). */
export const CEDAR_AUTHORIZER = Symbol('CEDAR_AUTHORIZER');

/**
 * The Cedar engine as the Authorizer: the built-in policies (the role table and the
 * cross-tenant forbid) plus the principal's tenant's own policies. Sets are preparsed once per
 * change, so a decision parses nothing. Swap a tenant's set with `setTenantPolicies`.
 */
export class CedarAuthorizer implements Authorizer {
  private readonly prefix = `a${++instances}`;
  private readonly builtins = builtinPolicies();
  private readonly tenantSets = new Set<string>();

  constructor() {
    prepareSchema();
    const check = validatePolicies(this.builtins);
    if (!check.valid) throw new Error(`built-in policies do not validate: ${check.errors.join('; ')}`);
    this.preparse(`${this.prefix}:builtin`, {});
  }

  /**
   * Replaces a tenant's policies. Each is checked on its own; one that does not validate (or
   * claims a built-in id) is left out and reported, so a bad record cannot take a tenant down.
   */
  setTenantPolicies(tenant: string, policies: readonly TenantPolicy[]): { rejected: { id: string; errors: string[] }[] } {
    const accepted: Record<string, string> = {};
    const rejected: { id: string; errors: string[] }[] = [];
    for (const policy of policies) {
      const check: PolicyCheck = policy.id.startsWith(BUILTIN_PREFIX) ? { valid: false, errors: ['reserved id'] } : checkTenantPolicy(policy);
      if (check.valid) accepted[policy.id] = policy.text;
      else rejected.push({ id: policy.id, errors: check.errors });
    }
    if (Object.keys(accepted).length === 0) this.tenantSets.delete(tenant);
    else {
      this.preparse(this.setId(tenant), accepted);
      this.tenantSets.add(tenant);
    }
    return { rejected };
  }

  async isAuthorized(request: AuthorizationRequest): Promise<AuthorizationDecision> {
    const { principal, action, resource } = request;
    const tenantSet = this.tenantSets.has(principal.tenant) ? this.setId(principal.tenant) : `${this.prefix}:builtin`;
    let answer: cedar.AuthorizationAnswer;
    try {
      answer = cedar.statefulIsAuthorized({
        principal: uid(principal.type, principal.id),
        action: { type: entityType('Action'), id: action },
        resource: uid(resource.type, resource.id),
        context: contextFor(request),
        entities: [principalEntity(principal), resourceEntity(resource)],
        preparsedSchemaName: SCHEMA_NAME,
        validateRequest: true,
        preparsedPolicySetId: tenantSet,
      });
    } catch (err) {
      // A trap inside the engine: deny (fail closed) rather than answer 500, and say why.
      return { allowed: false, policyIds: [], errors: [`the Cedar engine failed: ${(err as Error).message}`] };
    }
    if (answer.type === 'failure') return { allowed: false, policyIds: [], errors: describe(answer.errors) };
    const { decision, diagnostics } = answer.response;
    return {
      allowed: decision === 'allow',
      policyIds: diagnostics.reason,
      errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
    };
  }

  private setId(tenant: string): string {
    return `${this.prefix}:tenant:${tenant}`;
  }

  private preparse(id: string, tenantPolicies: Record<string, string>): void {
    const answer = cedar.preparsePolicySet(id, { staticPolicies: { ...this.builtins, ...tenantPolicies } });
    if (answer.type !== 'success') throw new Error(`policy set ${id} does not parse: ${describe(answer.errors).join('; ')}`);
  }
}

import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import type { ErrorIssue, TenantPolicyResource } from '@geopulse/contracts';
import { IdParam } from '@geopulse/service-runtime';
import { ManagePolicies } from '../../application/manage-policies';
import { PolicyError } from '../../domain/policy-error';
import { mapped } from './error-mapping';
import { errorExample } from './openapi-examples';

const POLICY_TEXT = 'permit (principal is Geopulse::User, action == Geopulse::Action::"device:write", resource is Geopulse::Device)\nwhen { principal.roles.contains("viewer") };';
const INPUT_EXAMPLE = { id: 'viewers-edit-devices', description: 'Viewers may edit devices', policy: POLICY_TEXT };
const POLICY_EXAMPLE: TenantPolicyResource = {
  ...INPUT_EXAMPLE,
  tenantId: 'acme',
  version: 1,
  createdAt: '2026-11-30T12:00:00.000Z',
  updatedAt: '2026-11-30T12:00:00.000Z',
  createdBy: 'alice@example.com',
};
const INPUT_SCHEMA = {
  type: 'object',
  required: ['policy'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'required on create; the id Cedar reports when this policy decides' },
    description: { type: 'string', maxLength: 500 },
    policy: { type: 'string', description: 'one Cedar permit or forbid statement, validated against the Geopulse schema (docs/policies)' },
  },
};
const INVALID = {
  status: 400,
  description: "Invalid: the shape, or Cedar's own parse or validation message",
  ...errorExample('INVALID_POLICY', 'the policy does not validate: viewers-edit-devices: for policy `viewers-edit-devices`, attribute `department` on entity type `Geopulse::User` not found', [
    { path: '/policy', message: 'viewers-edit-devices: for policy `viewers-edit-devices`, attribute `department` on entity type `Geopulse::User` not found' },
  ]),
};
const NOT_FOUND = { status: 404, description: "No such policy in the caller's tenant", ...errorExample('POLICY_NOT_FOUND', 'no policy viewers-edit-devices') };
const CONFLICT = { status: 409, description: 'If-Match names another version', ...errorExample('CONCURRENT_UPDATE', 'policy viewers-edit-devices was not changed: it is at version 2; read it again and retry with its version in If-Match') };
const IF_MATCH = { name: 'If-Match', required: false, description: 'the version the change is based on (optimistic concurrency); 409 CONCURRENT_UPDATE when it is not the stored one', example: '1' };

/** `If-Match: 3` or `If-Match: "3"` as a version; absent: unconditional. */
function expectedVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const version = Number(header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));
  if (!Number.isSafeInteger(version) || version < 1) throw new PolicyError('INVALID_POLICY', 'If-Match must be a policy version (a positive integer)', [{ path: 'If-Match', message: 'not a version' }]);
  return version;
}

/** The tenant's own Cedar policies (decision 0105); in effect in every service within seconds. */
@ApiTags('policies')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@ApiResponse({ status: 401, description: 'No or an invalid operator JWT', ...errorExample('MISSING_TOKEN', 'send an operator JWT as "Authorization: Bearer <token>"') })
@Controller('v1/policies')
export class PoliciesController {
  constructor(@Inject(ManagePolicies) private readonly policies: ManagePolicies) {}

  @Post('validate')
  @Requires('policy:read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check a policy without storing it', description: "Parses and validates it against the Geopulse Cedar schema; the errors are Cedar's own messages." })
  @ApiBody({ schema: INPUT_SCHEMA, examples: { valid: { value: INPUT_EXAMPLE }, unknownAttribute: { value: { policy: 'permit (principal, action, resource) when { principal.department == "ops" };' } } } })
  @ApiResponse({ status: 200, schema: { example: { valid: false, errors: INVALID.schema.example.errors } } })
  validate(@Body() body: unknown): { valid: true } | { valid: false; errors: ErrorIssue[] } {
    return this.policies.validate(body);
  }

  @Post()
  @Requires('policy:write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a tenant policy', description: 'Any replica of any service applies it within seconds. It only ever decides within your tenant: the built-in cross-tenant forbid wins over any permit.' })
  @ApiBody({ schema: INPUT_SCHEMA, examples: { viewersEditLab: { value: INPUT_EXAMPLE } } })
  @ApiResponse({ status: 201, schema: { example: POLICY_EXAMPLE } })
  @ApiResponse(INVALID)
  @ApiResponse({ status: 409, description: 'The id is taken, or the tenant has reached INGEST_MAX_POLICIES_PER_TENANT', ...errorExample('TENANT_LIMIT_REACHED', 'the tenant has reached its limit of 100 policies (INGEST_MAX_POLICIES_PER_TENANT); delete one, or raise the limit') })
  @ApiResponse({ status: 413, description: 'The policy text exceeds INGEST_MAX_POLICY_BYTES', ...errorExample('POLICY_TOO_LARGE', 'the policy exceeds 10000 bytes (INGEST_MAX_POLICY_BYTES)') })
  create(@CurrentOperator() operator: Operator, @Body() body: unknown): Promise<TenantPolicyResource> {
    return mapped(() => this.policies.create(operator.tenant, body, operator.sub));
  }

  @Get()
  @Requires('policy:read')
  @ApiOperation({ summary: "The tenant's policies (the built-in ones are in docs/decisions/0105)" })
  @ApiResponse({ status: 200, schema: { example: { items: [POLICY_EXAMPLE] } } })
  async list(@CurrentOperator() operator: Operator): Promise<{ items: TenantPolicyResource[] }> {
    return { items: await mapped(() => this.policies.list(operator.tenant)) };
  }

  @Get(':id')
  @Requires('policy:read')
  @ApiOperation({ summary: 'Read a policy' })
  @ApiParam({ name: 'id', example: 'viewers-edit-devices' })
  @ApiResponse({ status: 200, schema: { example: POLICY_EXAMPLE } })
  @ApiResponse(NOT_FOUND)
  get(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string): Promise<TenantPolicyResource> {
    return mapped(() => this.policies.get(operator.tenant, id));
  }

  @Put(':id')
  @Requires('policy:write')
  @ApiOperation({ summary: 'Replace a policy (its version goes up by one)' })
  @ApiParam({ name: 'id', example: 'viewers-edit-devices' })
  @ApiHeader(IF_MATCH)
  @ApiBody({ schema: INPUT_SCHEMA, examples: { viewersEditLab: { value: { description: INPUT_EXAMPLE.description, policy: POLICY_TEXT } } } })
  @ApiResponse({ status: 200, schema: { example: { ...POLICY_EXAMPLE, version: 2 } } })
  @ApiResponse(INVALID)
  @ApiResponse(NOT_FOUND)
  @ApiResponse(CONFLICT)
  replace(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Body() body: unknown, @Headers('if-match') ifMatch?: string): Promise<TenantPolicyResource> {
    return mapped(() => this.policies.replace(operator.tenant, id, body, expectedVersion(ifMatch)));
  }

  @Delete(':id')
  @Requires('policy:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a policy; every service stops applying it within seconds' })
  @ApiParam({ name: 'id', example: 'viewers-edit-devices' })
  @ApiHeader(IF_MATCH)
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse(NOT_FOUND)
  @ApiResponse(CONFLICT)
  async remove(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Headers('if-match') ifMatch?: string): Promise<void> {
    await mapped(() => this.policies.delete(operator.tenant, id, expectedVersion(ifMatch)));
  }
}

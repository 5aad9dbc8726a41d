import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import type { Rule } from '@geopulse/contracts';
import { traceUrl } from '@geopulse/observability';
import { ApiException } from '@geopulse/service-runtime';
import { ManageRules, RuleError, type RuleErrorCode, type ValidationResult } from '../../application/manage-rules';
import type { AlertRecord, AlertRecordStatus, AlertRepository } from '../../application/ports';
import { ALERT_REPOSITORY } from '../../application/tokens';

/** The trace link template of alerts (string; '' for none). */
export const TRACE_URL_TEMPLATE = Symbol('TRACE_URL_TEMPLATE');

/** An alert as the API answers it: with a link to its trace when a template is configured. */
export type AlertView = AlertRecord & { traceUrl?: string };

function status(code: RuleErrorCode): number {
  switch (code) {
    case 'INVALID_RULE':
      return 400;
    case 'RULE_NOT_FOUND':
      return 404;
    case 'RULE_EXISTS':
    case 'RULE_CONFLICT':
      return 409;
  }
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RuleError) throw new ApiException(status(err.code), err.code, err.message, err.issues.length > 0 ? err.issues : undefined);
    throw err;
  }
}

const RULE_SCHEMA = {
  type: 'object',
  required: ['name', 'expression'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$', description: 'generated when absent' },
    name: { type: 'string', maxLength: 200 },
    expression: { type: 'string', description: 'JEXL; metrics as identifiers, position, device, ts; hasNotChanged, avg, min, max, count, delta, minutesSinceLastReading, inGeofence' },
    status: { type: 'string', enum: ['ACTIVE', 'INACTIVE'], default: 'ACTIVE' },
    severity: { type: 'string', enum: ['INFO', 'WARNING', 'CRITICAL'], default: 'WARNING' },
    target: { type: 'object', properties: { deviceIds: { type: 'array', items: { type: 'string' } }, tags: { type: 'array', items: { type: 'string' } } } },
    for: { type: 'string', description: 'ISO-8601 duration', default: 'PT0S' },
  },
};
const EXAMPLE = { id: 'cold-office', name: 'Office too cold while occupied', expression: 'temperature < 50 && occupancy == true', status: 'ACTIVE', severity: 'WARNING', target: { deviceIds: ['thermostat-1'] }, for: 'PT0S' };

/** Rules of the caller's tenant (operator JWT). */
@ApiTags('rules')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@Controller('v1/rules')
export class RulesController {
  constructor(@Inject(ManageRules) private readonly rules: ManageRules) {}

  @Post('validate')
  @Requires('rule:read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check an expression', description: 'Reports syntax errors and unknown functions with their position; evaluates against sample readings (the last one is now).' })
  @ApiBody({ schema: { type: 'object', required: ['expression'], properties: { expression: { type: 'string' }, readings: { type: 'array', items: { type: 'object' } }, device: { type: 'object' }, geofences: { type: 'array', items: { type: 'string' } } } } })
  validate(@Body() body: unknown): ValidationResult {
    return this.rules.validate(body);
  }

  @Post()
  @Requires('rule:write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a rule' })
  @ApiBody({ schema: RULE_SCHEMA, examples: { cold: { value: EXAMPLE } } })
  @ApiResponse({ status: 400, description: 'Invalid rule; expression errors carry their position' })
  create(@CurrentOperator() operator: Operator, @Body() body: unknown): Promise<Rule> {
    return mapped(() => this.rules.create(operator.tenant, body, operator.sub));
  }

  @Get()
  @Requires('rule:read')
  @ApiOperation({ summary: 'List rules' })
  async list(@CurrentOperator() operator: Operator): Promise<{ items: Rule[] }> {
    return { items: await this.rules.list(operator.tenant) };
  }

  @Get(':id')
  @Requires('rule:read')
  @ApiOperation({ summary: 'Read a rule' })
  get(@CurrentOperator() operator: Operator, @Param('id') id: string): Promise<Rule> {
    return mapped(() => this.rules.get(operator.tenant, id));
  }

  @Put(':id')
  @Requires('rule:write')
  @ApiOperation({ summary: 'Replace a rule (new version; takes effect on every replica within a second)' })
  @ApiBody({ schema: RULE_SCHEMA })
  replace(@CurrentOperator() operator: Operator, @Param('id') id: string, @Body() body: unknown): Promise<Rule> {
    return mapped(() => this.rules.replace(operator.tenant, id, body, operator.sub));
  }

  @Delete(':id')
  @Requires('rule:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a rule; its open alerts are closed' })
  remove(@CurrentOperator() operator: Operator, @Param('id') id: string): Promise<void> {
    return mapped(() => this.rules.remove(operator.tenant, id, operator.sub));
  }
}

const ALERT_STATUSES: readonly AlertRecordStatus[] = ['FIRING', 'RESOLVED'];

@ApiTags('alerts')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@Controller('v1/alerts')
export class AlertsController {
  constructor(
    @Inject(ALERT_REPOSITORY) private readonly alerts: AlertRepository,
    @Inject(TRACE_URL_TEMPLATE) private readonly traceUrlTemplate: string,
  ) {}

  @Get()
  @Requires('alert:read')
  @ApiOperation({ summary: 'Alerts (one per episode), newest first' })
  @ApiQuery({ name: 'status', required: false, enum: ALERT_STATUSES })
  @ApiQuery({ name: 'deviceId', required: false })
  @ApiQuery({ name: 'ruleId', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, default 100' })
  async list(
    @CurrentOperator() operator: Operator,
    @Query('status') statusFilter?: string,
    @Query('deviceId') deviceId?: string,
    @Query('ruleId') ruleId?: string,
    @Query('limit') limit?: string,
  ): Promise<{ items: AlertView[] }> {
    if (statusFilter !== undefined && !ALERT_STATUSES.includes(statusFilter as AlertRecordStatus)) {
      throw new ApiException(400, 'INVALID_QUERY', 'status must be FIRING or RESOLVED', [{ path: 'status', message: 'must be FIRING or RESOLVED' }]);
    }
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new ApiException(400, 'INVALID_QUERY', 'limit must be 1-1000', [{ path: 'limit', message: 'must be an integer 1-1000' }]);
    const items = await this.alerts.list(operator.tenant, {
      limit: n,
      ...(statusFilter ? { status: statusFilter as AlertRecordStatus } : {}),
      ...(deviceId ? { deviceId } : {}),
      ...(ruleId ? { ruleId } : {}),
    });
    return {
      items: items.map((alert) => {
        const link = traceUrl(this.traceUrlTemplate, alert.traceId);
        return link ? { ...alert, traceUrl: link } : alert;
      }),
    };
  }
}

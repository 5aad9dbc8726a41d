import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import type { Rule } from '@geopulse/contracts';
import { IdParam } from '@geopulse/service-runtime';
import { ALERT_STATUSES, ListAlerts, type AlertView } from '../../application/list-alerts';
import { ManageRules, type ValidationResult } from '../../application/manage-rules';
import { RULE_INPUT_SCHEMA } from '../../domain/rule';
import { mapped } from './error-mapping';

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
  @ApiBody({ schema: RULE_INPUT_SCHEMA, examples: { cold: { value: EXAMPLE } } })
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
  get(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string): Promise<Rule> {
    return mapped(() => this.rules.get(operator.tenant, id));
  }

  @Put(':id')
  @Requires('rule:write')
  @ApiOperation({ summary: 'Replace a rule (new version; takes effect on every replica within a second)' })
  @ApiBody({ schema: RULE_INPUT_SCHEMA })
  replace(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Body() body: unknown): Promise<Rule> {
    return mapped(() => this.rules.replace(operator.tenant, id, body, operator.sub));
  }

  @Delete(':id')
  @Requires('rule:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a rule; its open alerts are closed' })
  remove(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string): Promise<void> {
    return mapped(() => this.rules.remove(operator.tenant, id, operator.sub));
  }
}

@ApiTags('alerts')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@Controller('v1/alerts')
export class AlertsController {
  constructor(@Inject(ListAlerts) private readonly listAlerts: ListAlerts) {}

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
    return { items: await mapped(() => this.listAlerts.execute(operator.tenant, { status: statusFilter, deviceId, ruleId, limit })) };
  }
}

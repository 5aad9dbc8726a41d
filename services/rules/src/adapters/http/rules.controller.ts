import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import type { Rule } from '@geopulse/contracts';
import { IdParam } from '@geopulse/service-runtime';
import { BacktestRules, type BacktestJobView } from '../../application/backtest-rules';
import { ExplainRules, type AlertExplanation, type RuleExplanation } from '../../application/explain-rules';
import type { BacktestResult } from '../../application/ports';
import { ALERT_STATUSES, ListAlerts, type AlertView } from '../../application/list-alerts';
import { ManageRules, type ValidationResult } from '../../application/manage-rules';
import { RULE_INPUT_SCHEMA } from '../../domain/rule';
import { mapped } from './error-mapping';

/** The reply object Nest hands a handler with `passthrough` (only the status is set here). */
interface StatusReply {
  status(code: number): unknown;
}

const BACKTEST_EXAMPLE = {
  rule: { name: 'Freezer warm for 5 minutes', expression: "temperature > -15 && avg('temperature', 10) > -16", for: 'PT5M', severity: 'CRITICAL' },
  deviceIds: ['freezer-7', 'freezer-8'],
  from: '2026-11-23T00:00:00Z',
  to: '2026-11-30T00:00:00Z',
};

const BACKTEST_BODY_SCHEMA = {
  type: 'object',
  required: ['rule', 'from', 'to'],
  properties: {
    rule: { ...RULE_INPUT_SCHEMA, description: 'a rule as POST /v1/rules takes it (not stored); inGeofence() cannot be backtested' },
    deviceIds: { type: 'array', items: { type: 'string' }, description: 'devices to replay (RULES_BACKTEST_MAX_DEVICES)' },
    target: { type: 'object', properties: { deviceIds: { type: 'array', items: { type: 'string' } }, tags: { type: 'array', items: { type: 'string' } } }, description: "instead of deviceIds: registered devices matching it (default: the rule's target)" },
    from: { type: 'string', description: 'ISO-8601 or epoch ms (event time)' },
    to: { type: 'string', description: 'ISO-8601 or epoch ms; to - from at most RULES_BACKTEST_MAX_RANGE_HOURS' },
    async: { type: 'boolean', description: 'run as a job even when small' },
  },
};

const EPISODE_EXAMPLE = { deviceId: 'freezer-7', episode: 1, start: '2026-11-24T03:12:00.000Z', startReason: 'condition held for 300s', stop: '2026-11-24T03:40:00.000Z', stopReason: 'condition no longer holds', triggeringReadings: [{ id: 'r-981', ts: '2026-11-24T03:12:00.000Z', metrics: { temperature: -12.5 } }] };
const BACKTEST_RESULT_EXAMPLE = {
  from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z',
  devices: [{ deviceId: 'freezer-7', readings: 10080, evaluations: 10080, episodes: 1, insufficientData: 0 }, { deviceId: 'freezer-8', readings: 10075, evaluations: 10075, episodes: 0, insufficientData: 1 }],
  episodes: [EPISODE_EXAMPLE], episodesTruncated: false, totals: { devices: 2, readings: 20155, evaluations: 20155, episodes: 1 },
};
const JOB_EXAMPLE = { jobId: '5b0c5d4e-8f0e-4a55-9a43-0f3f4d1c2b7a', status: 'RUNNING', progress: { devicesDone: 12, devicesTotal: 40, readings: 120960 }, attempts: 1, createdAt: '2026-11-30T12:00:00.000Z', updatedAt: '2026-11-30T12:00:04.000Z', heartbeatAt: '2026-11-30T12:00:04.000Z', rule: BACKTEST_EXAMPLE.rule };

const TREE_EXAMPLE = {
  type: 'BinaryExpression', text: '((temperature < 50) && (occupancy == true))', operator: '&&', evaluated: true, value: false,
  children: [
    { type: 'BinaryExpression', text: '(temperature < 50)', operator: '<', evaluated: true, value: true, children: [{ type: 'Identifier', text: 'temperature', evaluated: true, value: 48.5, children: [] }, { type: 'Literal', text: '50', evaluated: true, value: 50, children: [] }] },
    { type: 'BinaryExpression', text: '(occupancy == true)', operator: '==', evaluated: true, value: false, children: [{ type: 'Identifier', text: 'occupancy', evaluated: true, value: false, children: [] }, { type: 'Literal', text: 'true', evaluated: true, value: true, children: [] }] },
  ],
};
const RULE_EXPLAIN_EXAMPLE = {
  ruleId: 'cold-office', ruleVersion: 3, expression: 'temperature < 50 && occupancy == true', deviceId: 'thermostat-1', at: '2026-11-30T12:00:00.000Z', targeted: true, holds: false,
  outcome: { kind: 'value', value: false }, tree: TREE_EXAMPLE, blocking: { text: '(occupancy == true)', reason: 'false', value: false }, missingMetrics: [],
  timer: { for: 'PT0S', forMs: 0, before: { status: 'OK', episode: 2 }, after: { status: 'OK', episode: 2 } },
};
const ALERT_EXPLAIN_EXAMPLE = {
  alertId: 't1:freezer-warm:freezer-7:1', ruleId: 'freezer-warm', ruleVersion: 1, alertRuleVersion: 1, ruleChanged: false, expression: "avg('temperature', 10) > -16", deviceId: 'freezer-7', at: '2026-11-24T03:12:00.000Z', reproduced: true, holds: true,
  outcome: { kind: 'value', value: true },
  tree: { type: 'BinaryExpression', text: "(avg(\"temperature\", 10) > -16)", operator: '>', evaluated: true, value: true, children: [{ type: 'FunctionCall', text: 'avg("temperature", 10)', operator: 'avg', evaluated: true, value: -13.2, inputs: { window: { from: '2026-11-24T03:02:00.000Z', to: '2026-11-24T03:12:00.000Z', metric: 'temperature' }, readings: [{ id: 'r-980', ts: '2026-11-24T03:11:00.000Z', value: -13.9 }, { id: 'r-981', ts: '2026-11-24T03:12:00.000Z', value: -12.5 }] }, children: [] }, { type: 'Literal', text: '-16', evaluated: true, value: -16, children: [] }] },
  missingMetrics: [], timer: { for: 'PT5M', forMs: 300000, before: { status: 'PENDING', episode: 0, since: 1763953620000 }, after: { status: 'FIRING', episode: 1, since: 1763953620000, startedAt: 1763953920000 }, heldMs: 300000 },
  readingsReplayed: 70, triggeringReadings: { count: 2, inStoredHistory: 2 },
};
const NOT_FOUND = { status: 404, description: 'No such rule / alert / device state' };

const EXAMPLE = { id: 'cold-office', name: 'Office too cold while occupied', expression: 'temperature < 50 && occupancy == true', status: 'ACTIVE', severity: 'WARNING', target: { deviceIds: ['thermostat-1'] }, for: 'PT0S' };

/** Rules of the caller's tenant (operator JWT). */
@ApiTags('rules')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@Controller('v1/rules')
export class RulesController {
  constructor(
    @Inject(ManageRules) private readonly rules: ManageRules,
    @Inject(BacktestRules) private readonly backtests: BacktestRules,
    @Inject(ExplainRules) private readonly explainer: ExplainRules,
  ) {}

  @Post('validate')
  @Requires('rule:read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check an expression', description: 'Reports syntax errors and unknown functions with their position; evaluates against sample readings (the last one is now).' })
  @ApiBody({ schema: { type: 'object', required: ['expression'], properties: { expression: { type: 'string' }, readings: { type: 'array', items: { type: 'object' } }, device: { type: 'object' }, geofences: { type: 'array', items: { type: 'string' } } } } })
  validate(@Body() body: unknown): ValidationResult {
    return this.rules.validate(body);
  }

  @Post('backtest')
  @Requires('rule:read')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Backtest a rule over stored history',
    description:
      'Replays the devices\' stored readings (event time) through the same evaluator and alert lifecycle as live evaluation (for, stateful functions, INSUFFICIENT_DATA, timers simulated at RULES_TIMER_TICK_MS) and returns the episodes that would have fired. ' +
      'Small requests answer 200 with the result; many devices, a long range or `async: true` answer 202 with a job to poll at GET /v1/rules/backtests/{id}. Nothing is stored but the job, nothing is published: it needs rule:read.',
  })
  @ApiBody({ schema: BACKTEST_BODY_SCHEMA, examples: { week: { value: BACKTEST_EXAMPLE } } })
  @ApiResponse({ status: 200, description: 'The result', content: { 'application/json': { example: BACKTEST_RESULT_EXAMPLE } } })
  @ApiResponse({ status: 202, description: 'Running as a job', content: { 'application/json': { example: JOB_EXAMPLE } } })
  @ApiResponse({ status: 400, description: 'Invalid rule, range or devices' })
  @ApiResponse({ status: 422, description: 'BACKTEST_TOO_LARGE: past a bound (range, devices, readings, evaluations), named in the message and errors[0].code', content: { 'application/json': { example: { code: 'BACKTEST_TOO_LARGE', message: 'the range is longer than 744 hours (RULES_BACKTEST_MAX_RANGE_HOURS)', errors: [{ path: '/to', message: 'the range is longer than 744 hours (RULES_BACKTEST_MAX_RANGE_HOURS)', code: 'RULES_BACKTEST_MAX_RANGE_HOURS' }] } } } })
  async backtest(@CurrentOperator() operator: Operator, @Body() body: unknown, @Res({ passthrough: true }) reply: StatusReply): Promise<BacktestResult | BacktestJobView> {
    const answer = await mapped(() => this.backtests.start(operator.tenant, body));
    if (answer.kind === 'result') return answer.result;
    reply.status(202);
    return answer.job;
  }

  @Get('backtests/:jobId')
  @Requires('rule:read')
  @ApiOperation({ summary: 'A backtest job: progress, then its result or failure', description: 'A job whose replica stopped is taken over by the replica answering this (started again), at most 3 times, then FAILED with JOB_LOST.' })
  @ApiResponse({ status: 200, description: 'The job', content: { 'application/json': { examples: { running: { value: JOB_EXAMPLE }, done: { value: { ...JOB_EXAMPLE, status: 'DONE', progress: { devicesDone: 40, devicesTotal: 40, readings: 403200 }, result: BACKTEST_RESULT_EXAMPLE } } } } } })
  @ApiResponse(NOT_FOUND)
  backtestJob(@CurrentOperator() operator: Operator, @Param('jobId', IdParam) jobId: string): Promise<BacktestJobView> {
    return mapped(() => this.backtests.job(operator.tenant, jobId));
  }

  @Post(':id/explain')
  @Requires('rule:read')
  @HttpCode(200)
  @ApiOperation({
    summary: "Why a rule does or doesn't fire for a device",
    description: "Evaluates the rule on the device's current state (at the time live evaluation last evaluated it, or `at`) with the same code as live evaluation: every sub-expression's value, what each function read, the `for` timer state, and the first sub-expression that was false or missing.",
  })
  @ApiBody({ schema: { type: 'object', required: ['deviceId'], properties: { deviceId: { type: 'string' }, at: { type: 'string', description: 'ISO-8601 or epoch ms; default: when the device was last evaluated' } } }, examples: { why: { value: { deviceId: 'thermostat-1' } } } })
  @ApiResponse({ status: 200, description: 'The explanation', content: { 'application/json': { example: RULE_EXPLAIN_EXAMPLE } } })
  @ApiResponse(NOT_FOUND)
  explain(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Body() body: unknown): Promise<RuleExplanation & { targeted: boolean }> {
    return mapped(() => this.explainer.rule(operator.tenant, id, body));
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
  constructor(
    @Inject(ListAlerts) private readonly listAlerts: ListAlerts,
    @Inject(ExplainRules) private readonly explainer: ExplainRules,
  ) {}

  @Get(':alertId/explain')
  @Requires('alert:read')
  @ApiOperation({
    summary: 'Why an alert fired',
    description: "Reproduced from stored data only: the alert's triggering readings and the device's stored history before its start are replayed through the rule (same evaluator, lifecycle and `for`); the tree holds every sub-expression's value at the START, the function inputs and the timer state. `reproduced` says whether the replay started the episode at the same time.",
  })
  @ApiResponse({ status: 200, description: 'The explanation', content: { 'application/json': { example: ALERT_EXPLAIN_EXAMPLE } } })
  @ApiResponse(NOT_FOUND)
  explain(@CurrentOperator() operator: Operator, @Param('alertId') alertId: string): Promise<AlertExplanation> {
    return mapped(() => this.explainer.alert(operator.tenant, alertId));
  }

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

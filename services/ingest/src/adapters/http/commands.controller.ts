import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthError, CurrentOperator, OperatorGuard, Requires, RequiresPerResource, type Operator } from '@geopulse/auth';
import { IdParam } from '@geopulse/service-runtime';
import { DeviceCommands } from '../../application/device-commands';
import { ManageTenantSettings, type TenantSettingsView } from '../../application/tenant-settings';
import { COMMAND_REQUEST_SCHEMA, type DeviceCommand } from '../../domain/command';
import { CommandError } from '../../domain/command-error';
import { errorExample } from './openapi-examples';
import { mapped } from './error-mapping';

/** A command as the API shows it (no tenant). */
export type CommandView = Omit<DeviceCommand, 'tenantId'>;

const view = ({ tenantId: _t, ...rest }: DeviceCommand): CommandView => rest;

const COMMAND_EXAMPLE: CommandView = {
  deviceId: 'thermostat-1',
  commandId: '019ad4c2-5b3e-7a41-9c2d-5f0e8b1a7c3d',
  name: 'setTemperature',
  args: { value: 74, unit: 'F' },
  status: 'delivered',
  issuedAt: '2026-11-30T14:05:00.000Z',
  expiresAt: '2026-11-30T14:10:00.000Z',
  issuedBy: 'gary',
  policyIds: ['thermostat-guest-may-set-temperature'],
  attempts: 1,
  deliveredAt: '2026-11-30T14:05:00.012Z',
};
const DEVICE_NOT_FOUND = { status: 404, description: 'No such device in the caller\'s tenant (also for another tenant\'s device)', ...errorExample('DEVICE_NOT_FOUND', 'no device thermostat-1') };

/** Refusals by policy answer like the guard's: 403 FORBIDDEN naming the action, plus the deciding policies. */
async function forbiddenAsAuthError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CommandError && err.code === 'COMMAND_FORBIDDEN') throw new AuthError('FORBIDDEN', err.message, { action: 'command:send', policyIds: [...err.policyIds] });
    throw err;
  }
}

/** Commands to devices (docs/decisions/0106): sent by whoever the tenant's policies allow, delivered over MQTT. */
@ApiTags('commands')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@ApiResponse({ status: 401, description: 'No or an invalid operator JWT', ...errorExample('MISSING_TOKEN', 'send an operator JWT as "Authorization: Bearer <token>"') })
@Controller('v1/devices/:id/commands')
export class CommandsController {
  constructor(@Inject(DeviceCommands) private readonly commands: DeviceCommands) {}

  @Post()
  @RequiresPerResource('command:send')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a command to a device',
    description:
      'Authorized with the device (tenant, owner, tags), the command (`context.command`: name and args) and the tenant\'s local time (`context.localTime`: hour, minute, dayOfWeek, timeZone; see PUT /v1/tenant/settings). ' +
      'An accepted command is stored and published at QoS 1 to `devices/<tenant>:<device>/commands` as `{commandId, name, args, issuedAt, expiresAt}`; the answer (202) says `delivered` when the broker took it for the device\'s subscription, `queued` when the device has none yet (it is published again every INGEST_COMMAND_RETRY_SECONDS until it expires). ' +
      'The device answers on `.../commands/ack` with `{commandId, status?: "ok"|"error", detail?}` (status `acknowledged`); past `ttlSeconds` without one it is `expired`.',
  })
  @ApiParam({ name: 'id', example: 'thermostat-1' })
  @ApiBody({
    schema: COMMAND_REQUEST_SCHEMA,
    examples: {
      setTemperature: { value: { name: 'setTemperature', args: { value: 74, unit: 'F' } } },
      withTtl: { value: { name: 'reboot', args: {}, ttlSeconds: 60 } },
    },
  })
  @ApiResponse({ status: 202, description: 'Accepted: stored, and delivered unless the device has no subscription yet', schema: { example: COMMAND_EXAMPLE } })
  @ApiResponse({ status: 400, description: 'Invalid command, every problem listed', ...errorExample('INVALID_COMMAND', '1 problem(s) in the command', [{ path: '/args/value', message: 'must be a number, a boolean or a string' }]) })
  @ApiResponse(DEVICE_NOT_FOUND)
  send(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Body() body: unknown): Promise<CommandView> {
    return mapped(() => forbiddenAsAuthError(async () => view(await this.commands.send(operator, id, body))));
  }

  @Get()
  @Requires('command:read')
  @ApiOperation({ summary: 'List a device\'s commands', description: 'Newest first; pass `nextCursor` as `cursor` for the next page.' })
  @ApiParam({ name: 'id', example: 'thermostat-1' })
  @ApiQuery({ name: 'limit', required: false, description: '1-100, default 50', example: 50 })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiResponse({ status: 200, schema: { example: { items: [{ ...COMMAND_EXAMPLE, status: 'acknowledged', acknowledgedAt: '2026-11-30T14:05:01.200Z', result: { status: 'ok' } }], nextCursor: 'eyJjIjoiMDE5YWQ0YzIifQ' } } })
  @ApiResponse(DEVICE_NOT_FOUND)
  list(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<{ items: CommandView[]; nextCursor?: string }> {
    return mapped(async () => {
      const page = await this.commands.list(operator.tenant, id, limit === undefined ? undefined : Number(limit), cursor);
      return { items: page.items.map(view), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    });
  }

  @Get(':commandId')
  @Requires('command:read')
  @ApiOperation({ summary: 'Read one command', description: 'Its status: queued, delivered, acknowledged (with the device\'s `result`) or expired.' })
  @ApiParam({ name: 'id', example: 'thermostat-1' })
  @ApiParam({ name: 'commandId', example: COMMAND_EXAMPLE.commandId })
  @ApiResponse({ status: 200, schema: { example: { ...COMMAND_EXAMPLE, status: 'expired', expiredAt: '2026-11-30T14:10:01.000Z' } } })
  @ApiResponse({ status: 404, description: 'No such command of this device', ...errorExample('COMMAND_NOT_FOUND', `device thermostat-1 has no command ${COMMAND_EXAMPLE.commandId}`) })
  get(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Param('commandId') commandId: string): Promise<CommandView> {
    return mapped(async () => view(await this.commands.get(operator.tenant, id, commandId)));
  }
}

const SETTINGS_EXAMPLE = { timeZone: 'Europe/Amsterdam', updatedAt: '2026-11-30T09:00:00.000Z', updatedBy: 'admin@example.com' };

/**
 * The tenant's settings: its time zone is the clock its authorization policies see
 * (`context.localTime`), so reading it is `policy:read` and changing it `policy:write`.
 */
@ApiTags('tenant')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@ApiResponse({ status: 401, description: 'No or an invalid operator JWT', ...errorExample('MISSING_TOKEN', 'send an operator JWT as "Authorization: Bearer <token>"') })
@Controller('v1/tenant/settings')
export class TenantSettingsController {
  constructor(@Inject(ManageTenantSettings) private readonly settings: ManageTenantSettings) {}

  @Get()
  @Requires('policy:read')
  @ApiOperation({ summary: 'Read the tenant\'s settings', description: '`timeZone` (IANA name, default UTC): the local time authorization policies see.' })
  @ApiResponse({ status: 200, schema: { example: SETTINGS_EXAMPLE } })
  get(@CurrentOperator() operator: Operator): Promise<TenantSettingsView> {
    return mapped(() => this.settings.get(operator.tenant));
  }

  @Put()
  @Requires('policy:write')
  @ApiOperation({ summary: 'Change the tenant\'s settings', description: 'Takes effect for the next command on every replica.' })
  @ApiBody({ schema: { type: 'object', additionalProperties: false, required: ['timeZone'], properties: { timeZone: { type: 'string', description: 'IANA time zone name' } } }, examples: { amsterdam: { value: { timeZone: 'Europe/Amsterdam' } } } })
  @ApiResponse({ status: 200, schema: { example: SETTINGS_EXAMPLE } })
  @ApiResponse({ status: 400, description: 'Not an IANA time zone, or an unknown setting', ...errorExample('INVALID_SETTINGS', 'timeZone must be an IANA time zone name such as Europe/Amsterdam or UTC', [{ path: '/timeZone', message: 'not a known IANA time zone' }]) })
  put(@CurrentOperator() operator: Operator, @Body() body: unknown): Promise<TenantSettingsView> {
    return mapped(() => this.settings.put(operator.tenant, body, operator.sub));
  }
}

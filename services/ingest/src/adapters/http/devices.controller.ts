import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import { ManageDevices, type IssuedKey } from '../../application/manage-devices';
import { DEVICE_CREATE_SCHEMA, DEVICE_FIELDS_SCHEMA, type Device } from '../../domain/device';
import { errorExample } from './openapi-examples';
import { mapped } from './error-mapping';

/** A device as the API shows it (no tenant, no version, key metadata only). */
export type DeviceView = Omit<Device, 'tenantId' | 'version'>;

const view = ({ tenantId: _t, version: _v, ...rest }: Device): DeviceView => rest;

const DEVICE_EXAMPLE: DeviceView = {
  deviceId: 'thermostat-1',
  name: 'Office thermostat, 3rd floor',
  tags: ['building:hq', 'hvac'],
  attributes: { floor: 3, model: 'T-1000', indoor: true },
  enabled: true,
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
  createdBy: 'alice@example.com',
  updatedBy: 'alice@example.com',
  keys: [{ keyId: '9f1c2b3a4d5e6f70', createdAt: '2026-11-22T10:00:00.000Z' }],
};
const KEY_EXAMPLE = { keyId: '9f1c2b3a4d5e6f70', key: 'gpk_9f1c2b3a4d5e6f70_3q2-7wR0b0Vd1oXl4mYc8Jq9sTnK5uFhGzPa6eWiLyM', createdAt: '2026-11-22T10:00:00.000Z' };
const NOT_FOUND = { status: 404, description: 'No such device in the caller\'s tenant', ...errorExample('DEVICE_NOT_FOUND', 'no device thermostat-1') };

/** The device registry: operators only, always within the tenant of their token. */
@ApiTags('devices')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@ApiResponse({ status: 401, description: 'No or an invalid operator JWT', ...errorExample('MISSING_TOKEN', 'send an operator JWT as "Authorization: Bearer <token>"') })
@Controller('v1/devices')
export class DevicesController {
  constructor(@Inject(ManageDevices) private readonly devices: ManageDevices) {}

  @Post()
  @Requires('device:write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a device', description: 'Returns the device and its key. The key is shown only here; store it on the device.' })
  @ApiBody({
    schema: DEVICE_CREATE_SCHEMA,
    examples: { thermostat: { value: { deviceId: 'thermostat-1', name: 'Office thermostat, 3rd floor', tags: ['building:hq', 'hvac'], attributes: { floor: 3, model: 'T-1000', indoor: true } } } },
  })
  @ApiResponse({ status: 201, description: 'Created; `key` is shown once', schema: { example: { device: DEVICE_EXAMPLE, key: KEY_EXAMPLE } } })
  @ApiResponse({ status: 400, description: 'Invalid fields, every one listed', ...errorExample('INVALID_DEVICE', '1 problem(s) in the device', [{ path: '/tags/0', message: 'tags are 1-64 characters of letters, digits and . _ : / = -' }]) })
  @ApiResponse({ status: 409, description: 'The device id is taken in this tenant', ...errorExample('DEVICE_EXISTS', 'device thermostat-1 already exists', [{ path: '/deviceId', message: 'is taken' }]) })
  create(@CurrentOperator() operator: Operator, @Body() body: unknown): Promise<{ device: DeviceView; key: IssuedKey }> {
    return mapped(async () => {
      const { device, key } = await this.devices.create(operator.tenant, body, operator.sub);
      return { device: view(device), key };
    });
  }

  @Get()
  @Requires('device:read')
  @ApiOperation({ summary: 'List devices', description: 'Ordered by device id; pass `nextCursor` as `cursor` for the next page.' })
  @ApiQuery({ name: 'limit', required: false, description: '1-100, default 50', example: 50 })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiResponse({ status: 200, schema: { example: { items: [DEVICE_EXAMPLE], nextCursor: 'eyJkIjoidGhlcm1vc3RhdC0xIn0' } } })
  list(@CurrentOperator() operator: Operator, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<{ items: DeviceView[]; nextCursor?: string }> {
    return mapped(async () => {
      const page = await this.devices.list(operator.tenant, limit === undefined ? undefined : Number(limit), cursor);
      return { items: page.items.map(view), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    });
  }

  @Get(':id')
  @Requires('device:read')
  @ApiOperation({ summary: 'Read a device', description: 'With the metadata of its live keys (never the keys).' })
  @ApiParam({ name: 'id', example: 'thermostat-1' })
  @ApiResponse({ status: 200, schema: { example: DEVICE_EXAMPLE } })
  @ApiResponse(NOT_FOUND)
  get(@CurrentOperator() operator: Operator, @Param('id') id: string): Promise<DeviceView> {
    return mapped(async () => view(await this.devices.get(operator.tenant, id)));
  }

  @Patch(':id')
  @Requires('device:write')
  @ApiOperation({ summary: 'Change a device', description: 'name, tags, attributes (replaced as a whole), enabled. A disabled device\'s keys are refused (403) within seconds.' })
  @ApiParam({ name: 'id', example: 'thermostat-1' })
  @ApiBody({ schema: DEVICE_FIELDS_SCHEMA, examples: { disable: { value: { enabled: false } }, retag: { value: { tags: ['building:hq'], attributes: { floor: 4 } } } } })
  @ApiResponse({ status: 200, schema: { example: { ...DEVICE_EXAMPLE, enabled: false } } })
  @ApiResponse({ status: 400, description: 'Invalid fields, every one listed', ...errorExample('INVALID_DEVICE', '1 problem(s) in the change', [{ path: '/enabled', message: 'must be true or false' }]) })
  @ApiResponse(NOT_FOUND)
  update(@CurrentOperator() operator: Operator, @Param('id') id: string, @Body() body: unknown): Promise<DeviceView> {
    return mapped(async () => view(await this.devices.update(operator.tenant, id, body, operator.sub)));
  }

  @Delete(':id')
  @Requires('device:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a device', description: 'Its keys are refused (403 DEVICE_DELETED) within seconds.' })
  @ApiParam({ name: 'id', example: 'thermostat-1' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse(NOT_FOUND)
  remove(@CurrentOperator() operator: Operator, @Param('id') id: string): Promise<void> {
    return mapped(() => this.devices.remove(operator.tenant, id));
  }

  @Post(':id/keys')
  @Requires('device-key:rotate')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Rotate the device key',
    description: 'Issues a new key (shown once). The previous keys keep working for `graceSeconds` (default INGEST_KEY_ROTATION_GRACE_SECONDS), then fail with 401 EXPIRED_DEVICE_KEY.',
  })
  @ApiParam({ name: 'id', example: 'thermostat-1' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { graceSeconds: { type: 'integer', minimum: 0, maximum: 2592000 } } }, examples: { default: { value: {} }, oneHour: { value: { graceSeconds: 3600 } } } })
  @ApiResponse({ status: 201, schema: { example: { ...KEY_EXAMPLE, previousKeysValidUntil: '2026-11-23T10:00:00.000Z' } } })
  @ApiResponse(NOT_FOUND)
  rotate(@CurrentOperator() operator: Operator, @Param('id') id: string, @Body() body: unknown): Promise<IssuedKey & { previousKeysValidUntil: string }> {
    const grace = typeof body === 'object' && body !== null ? (body as { graceSeconds?: unknown }).graceSeconds : undefined;
    return mapped(() => this.devices.rotateKey(operator.tenant, id, operator.sub, grace === undefined ? undefined : (grace as number)));
  }

  @Delete(':id/keys/:keyId')
  @Requires('device-key:revoke')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a device key', description: 'The key is refused (401 REVOKED_DEVICE_KEY) within INGEST_KEY_CACHE_TTL_MS on every replica.' })
  @ApiParam({ name: 'id', example: 'thermostat-1' })
  @ApiParam({ name: 'keyId', example: '9f1c2b3a4d5e6f70' })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiResponse({ status: 404, description: 'No such device or key', ...errorExample('KEY_NOT_FOUND', 'device thermostat-1 has no key 9f1c2b3a4d5e6f70') })
  revoke(@CurrentOperator() operator: Operator, @Param('id') id: string, @Param('keyId') keyId: string): Promise<void> {
    return mapped(() => this.devices.revokeKey(operator.tenant, id, keyId, operator.sub));
  }
}

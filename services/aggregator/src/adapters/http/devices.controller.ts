import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ID_PATTERN } from '@geopulse/contracts';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import { ApiException } from '@geopulse/service-runtime';
import { CLOCK, DEVICE_STATE_STORE, HISTORY_STORE } from '../../application/tokens';
import { InvalidCursorError, type HistoryPage, type HistoryStore } from '../../application/history';
import { parseHistoryQuery, type HistoryQuery } from '../../domain/history-query';
import type { TelemetryAggregate, TelemetryReading } from '@geopulse/contracts';
import type { Clock, DeviceStateStore, LocatedDevice } from '../../application/apply-readings';
import type { DeviceState } from '../../domain/latest-state';
import { LocateDevices } from '../../application/locate-devices';
import { parseNearbyQuery, parseWithinQuery } from '../../domain/nearby-query';

@ApiTags('devices')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@Controller('v1/devices')
export class DevicesController {
  constructor(
    @Inject(DEVICE_STATE_STORE) private readonly store: DeviceStateStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HISTORY_STORE) private readonly history: HistoryStore,
    @Inject(LocateDevices) private readonly locate: LocateDevices,
  ) {}

  @Get('nearby')
  @Requires('device:read')
  @ApiOperation({ summary: 'Devices whose latest position is within a radius, nearest first (distance in metres)' })
  @ApiQuery({ name: 'lat', example: 52.37 })
  @ApiQuery({ name: 'lon', example: 4.89 })
  @ApiQuery({ name: 'radius', description: 'metres', example: 500 })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'includeState', required: false, example: false, description: "inline each device's latest state" })
  @ApiQuery({ name: 'tags', required: false, example: 'fleet-a,site:ams', description: 'only devices whose registry tags include all of these (among the nearest 5,000)' })
  @ApiResponse({ status: 200, schema: { example: { items: [{ deviceId: 'van-7', distanceMeters: 42.1, lat: 52.3702, lon: 4.8901 }] } } })
  async nearby(@CurrentOperator() operator: Operator, @Query() params: Record<string, string | undefined>): Promise<{ items: LocatedDevice[] }> {
    const parsed = parseNearbyQuery(params);
    if (!parsed.ok) throw new ApiException(400, 'INVALID_QUERY', 'invalid nearby query', parsed.issues);
    return { items: await this.locate.nearby(operator.tenant, parsed.query) };
  }

  @Get('within')
  @Requires('device:read')
  @ApiOperation({ summary: 'Devices whose latest position is inside a bounding box (nearest to its centre first)' })
  @ApiQuery({ name: 'bbox', description: 'minLon,minLat,maxLon,maxLat', example: '4.85,52.35,4.95,52.40' })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'includeState', required: false, example: false })
  @ApiQuery({ name: 'tags', required: false, example: 'fleet-a', description: 'only devices whose registry tags include all of these' })
  async within(@CurrentOperator() operator: Operator, @Query() params: Record<string, string | undefined>): Promise<{ items: LocatedDevice[] }> {
    const parsed = parseWithinQuery(params);
    if (!parsed.ok) throw new ApiException(400, 'INVALID_QUERY', 'invalid within query', parsed.issues);
    return { items: await this.locate.within(operator.tenant, parsed.query) };
  }

  @Get(':id/history')
  @Requires('device:read')
  @ApiOperation({ summary: "A device's raw readings by event time, oldest first, paged" })
  @ApiQuery({ name: 'from', required: false, description: 'ISO-8601 or epoch ms (inclusive)' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO-8601 or epoch ms (inclusive); default now' })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  async readings(@CurrentOperator() operator: Operator, @Param('id') id: string, @Query() params: Record<string, string | undefined>): Promise<HistoryPage<TelemetryReading>> {
    const query = this.historyQuery(id, params);
    return this.page(() => this.history.readings(operator.tenant, id, query));
  }

  @Get(':id/aggregates')
  @Requires('device:read')
  @ApiOperation({ summary: "A device's window aggregates (newest revision) by window start, oldest first, paged" })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'cursor', required: false })
  async aggregates(@CurrentOperator() operator: Operator, @Param('id') id: string, @Query() params: Record<string, string | undefined>): Promise<HistoryPage<TelemetryAggregate>> {
    const query = this.historyQuery(id, params);
    return this.page(() => this.history.aggregates(operator.tenant, id, query));
  }

  private historyQuery(id: string, params: Record<string, string | undefined>): HistoryQuery {
    checkDeviceId(id);
    const parsed = parseHistoryQuery(params, this.clock());
    if (!parsed.ok) throw new ApiException(400, 'INVALID_QUERY', 'invalid history query', parsed.issues);
    return parsed.query;
  }

  private async page<T>(load: () => Promise<HistoryPage<T>>): Promise<HistoryPage<T>> {
    try {
      return await load();
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ApiException(400, 'INVALID_CURSOR', err.message, [{ path: 'cursor', message: err.message }]);
      throw err;
    }
  }

  @Get(':id/state')
  @Requires('device:read')
  @ApiOperation({ summary: "A device's latest state (newest reading by event time)" })
  @ApiResponse({ status: 404, description: 'No reading seen for this device in your tenant' })
  async state(@CurrentOperator() operator: Operator, @Param('id') id: string): Promise<DeviceState> {
    checkDeviceId(id);
    const state = await this.store.get(operator.tenant, id);
    if (!state) throw new ApiException(404, 'DEVICE_NOT_FOUND', `no state for device ${id}`);
    return state;
  }
}

function checkDeviceId(id: string): void {
  if (!ID_PATTERN.test(id)) throw new ApiException(400, 'INVALID_DEVICE_ID', 'device ids are 1-128 characters of letters, digits, . _ ~ -', [{ path: 'id', message: 'invalid' }]);
}

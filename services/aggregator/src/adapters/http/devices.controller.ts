import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ID_PATTERN } from '@geopulse/contracts';
import { CurrentOperator, OperatorGuard, type Operator } from '@geopulse/auth';
import { ApiException } from '@geopulse/service-runtime';
import { CLOCK, DEVICE_STATE_STORE } from '../../application/tokens';
import type { Clock, DeviceStateStore, LocatedDevice } from '../../application/apply-readings';
import type { DeviceState } from '../../domain/latest-state';
import { parseNearbyQuery, parseWithinQuery } from '../../domain/nearby-query';

@ApiTags('devices')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@Controller('v1/devices')
export class DevicesController {
  constructor(
    @Inject(DEVICE_STATE_STORE) private readonly store: DeviceStateStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('nearby')
  @ApiOperation({ summary: 'Devices whose latest position is within a radius, nearest first (distance in metres)' })
  @ApiQuery({ name: 'lat', example: 52.37 })
  @ApiQuery({ name: 'lon', example: 4.89 })
  @ApiQuery({ name: 'radius', description: 'metres', example: 500 })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'includeState', required: false, example: false, description: "inline each device's latest state" })
  @ApiResponse({ status: 200, schema: { example: { items: [{ deviceId: 'van-7', distanceMeters: 42.1, lat: 52.3702, lon: 4.8901 }] } } })
  async nearby(@CurrentOperator() operator: Operator, @Query() params: Record<string, string | undefined>): Promise<{ items: LocatedDevice[] }> {
    const parsed = parseNearbyQuery(params);
    if (!parsed.ok) throw new ApiException(400, 'INVALID_QUERY', 'invalid nearby query', parsed.issues);
    return { items: await this.store.nearby(operator.tenant, parsed.query, this.clock()) };
  }

  @Get('within')
  @ApiOperation({ summary: 'Devices whose latest position is inside a bounding box (nearest to its centre first)' })
  @ApiQuery({ name: 'bbox', description: 'minLon,minLat,maxLon,maxLat', example: '4.85,52.35,4.95,52.40' })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'includeState', required: false, example: false })
  async within(@CurrentOperator() operator: Operator, @Query() params: Record<string, string | undefined>): Promise<{ items: LocatedDevice[] }> {
    const parsed = parseWithinQuery(params);
    if (!parsed.ok) throw new ApiException(400, 'INVALID_QUERY', 'invalid within query', parsed.issues);
    return { items: await this.store.within(operator.tenant, parsed.query, this.clock()) };
  }

  @Get(':id/state')
  @ApiOperation({ summary: "A device's latest state (newest reading by event time)" })
  @ApiResponse({ status: 404, description: 'No reading seen for this device in your tenant' })
  async state(@CurrentOperator() operator: Operator, @Param('id') id: string): Promise<DeviceState> {
    if (!ID_PATTERN.test(id)) throw new ApiException(400, 'INVALID_DEVICE_ID', 'device ids are 1-128 characters of letters, digits, . _ ~ -', [{ path: 'id', message: 'invalid' }]);
    const state = await this.store.get(operator.tenant, id);
    if (!state) throw new ApiException(404, 'DEVICE_NOT_FOUND', `no state for device ${id}`);
    return state;
  }
}

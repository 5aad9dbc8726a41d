import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { TelemetryAggregate, TelemetryReading } from '@geopulse/contracts';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import { IdParam } from '@geopulse/service-runtime';
import type { LocatedDevice } from '../../application/apply-readings';
import type { HistoryPage } from '../../application/history';
import { QueryDevices } from '../../application/query-devices';
import type { DeviceState } from '../../domain/latest-state';
import { mapped } from './error-mapping';

@ApiTags('devices')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@Controller('v1/devices')
export class DevicesController {
  constructor(@Inject(QueryDevices) private readonly devices: QueryDevices) {}

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
    return { items: await mapped(() => this.devices.nearby(operator.tenant, params)) };
  }

  @Get('within')
  @Requires('device:read')
  @ApiOperation({ summary: 'Devices whose latest position is inside a bounding box (nearest to its centre first)' })
  @ApiQuery({ name: 'bbox', description: 'minLon,minLat,maxLon,maxLat', example: '4.85,52.35,4.95,52.40' })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'includeState', required: false, example: false })
  @ApiQuery({ name: 'tags', required: false, example: 'fleet-a', description: 'only devices whose registry tags include all of these' })
  async within(@CurrentOperator() operator: Operator, @Query() params: Record<string, string | undefined>): Promise<{ items: LocatedDevice[] }> {
    return { items: await mapped(() => this.devices.within(operator.tenant, params)) };
  }

  @Get(':id/history')
  @Requires('device:read')
  @ApiOperation({ summary: "A device's raw readings by event time, oldest first, paged" })
  @ApiQuery({ name: 'from', required: false, description: 'ISO-8601 or epoch ms (inclusive)' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO-8601 or epoch ms (inclusive); default now' })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  readings(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Query() params: Record<string, string | undefined>): Promise<HistoryPage<TelemetryReading>> {
    return mapped(() => this.devices.readings(operator.tenant, id, params));
  }

  @Get(':id/aggregates')
  @Requires('device:read')
  @ApiOperation({ summary: "A device's window aggregates (newest revision) by window start, oldest first, paged" })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'cursor', required: false })
  aggregates(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Query() params: Record<string, string | undefined>): Promise<HistoryPage<TelemetryAggregate>> {
    return mapped(() => this.devices.aggregates(operator.tenant, id, params));
  }

  @Get(':id/state')
  @Requires('device:read')
  @ApiOperation({ summary: "A device's latest state (newest reading by event time)" })
  @ApiResponse({ status: 404, description: 'No reading seen for this device in your tenant' })
  state(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string): Promise<DeviceState> {
    return mapped(() => this.devices.state(operator.tenant, id));
  }
}

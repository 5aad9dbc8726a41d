import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ID_PATTERN } from '@geopulse/contracts';
import { CurrentOperator, OperatorGuard, type Operator } from '@geopulse/auth';
import { ApiException } from '@geopulse/service-runtime';
import { GeofenceCatalog } from '../../application/geofence-catalog';
import type { MembershipStore } from '../../application/ports';
import { MEMBERSHIP_STORE } from '../../application/tokens';

export interface DeviceGeofences {
  deviceId: string;
  /** Event time of the last applied reading. */
  lastReadingAt: string;
  position: { lat: number; lon: number; accuracy?: number };
  items: Array<{ geofenceId: string; name: string; enteredAt: string; dwellAt?: string; dwelled: boolean }>;
}

@ApiTags('devices')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@Controller('v1/devices')
export class DevicesController {
  constructor(
    @Inject(MEMBERSHIP_STORE) private readonly store: MembershipStore,
    @Inject(GeofenceCatalog) private readonly catalog: GeofenceCatalog,
  ) {}

  @Get(':id/geofences')
  @ApiOperation({ summary: 'The geofences a device is inside now (open visits), with when it entered' })
  @ApiResponse({ status: 404, description: 'No position seen for this device in your tenant' })
  async geofences(@CurrentOperator() operator: Operator, @Param('id') id: string): Promise<DeviceGeofences> {
    if (!ID_PATTERN.test(id)) throw new ApiException(400, 'INVALID_DEVICE_ID', 'device ids are 1-128 characters of letters, digits, . _ ~ -', [{ path: 'id', message: 'invalid' }]);
    const state = (await this.store.load(operator.tenant, [id])).get(id);
    if (!state) throw new ApiException(404, 'DEVICE_NOT_FOUND', `no position seen for device ${id}`);
    return {
      deviceId: id,
      lastReadingAt: new Date(state.lastTs).toISOString(),
      position: state.position,
      items: Object.entries(state.visits)
        // A fence deleted a moment ago is closed by its owner; do not show it meanwhile.
        .filter(([fenceId]) => this.catalog.index.get(operator.tenant, fenceId))
        .map(([geofenceId, v]) => ({
          geofenceId,
          name: v.fenceName,
          enteredAt: new Date(v.enteredAt).toISOString(),
          ...(v.dwellAt !== undefined ? { dwellAt: new Date(v.dwellAt).toISOString() } : {}),
          dwelled: v.dwelled,
        })),
    };
  }
}

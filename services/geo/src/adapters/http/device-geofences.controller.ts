import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ID_PATTERN } from '@geopulse/contracts';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
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

/** `GET /v1/devices/{id}/geofences`: the device's open visits, from its state in Redis. */
@ApiBearerAuth('operator')
@ApiTags('devices')
@Controller('v1/devices/:id/geofences')
@UseGuards(OperatorGuard)
export class DeviceGeofencesController {
  constructor(
    @Inject(MEMBERSHIP_STORE) private readonly store: MembershipStore,
    @Inject(GeofenceCatalog) private readonly catalog: GeofenceCatalog,
  ) {}

  @Get()
  @Requires('geofence:read')
  @ApiOperation({ summary: 'The geofences a device is inside now (open visits), with when it entered' })
  @ApiResponse({ status: 404, description: 'No position seen for this device in your tenant' })
  async geofences(@CurrentOperator() operator: Operator, @Param('id') id: string): Promise<DeviceGeofences> {
    const state = ID_PATTERN.test(id) ? (await this.store.load(operator.tenant, [id])).get(id) : undefined;
    // An id that cannot exist is simply not found.
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

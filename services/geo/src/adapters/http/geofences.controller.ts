import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Geofence } from '@geopulse/contracts';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import { GeofenceCatalog } from '../../application/geofence-catalog';
import { GeofenceError } from '../../domain/geofence-error';
import { ManageGeofences } from '../../application/manage-geofences';
import { mapped } from './error-mapping';
import { IdParam } from '@geopulse/service-runtime';

const EXAMPLE = {
  id: 'depot-1',
  name: 'Depot',
  geometry: { type: 'Polygon', coordinates: [[[4.88, 52.36], [4.9, 52.36], [4.9, 52.38], [4.88, 52.36]]] },
  dwellSeconds: 600,
  tags: { site: 'ams' },
};

/** `lat` and `lon` query parameters as a position, or 400 naming the bad one. */
export function parseLatLon(params: Record<string, string | undefined>): { lat: number; lon: number } {
  const issues: Array<{ path: string; message: string }> = [];
  const read = (name: 'lat' | 'lon', limit: number) => {
    const raw = params[name];
    const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(value) || Math.abs(value) > limit) issues.push({ path: name, message: `a number from -${limit} to ${limit}` });
    return value;
  };
  const position = { lat: read('lat', 90), lon: read('lon', 180) };
  if (issues.length > 0) throw new GeofenceError('INVALID_QUERY', 'invalid position', issues);
  return position;
}

@ApiTags('geofences')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@Controller('v1/geofences')
export class GeofencesController {
  constructor(
    @Inject(ManageGeofences) private readonly manage: ManageGeofences,
    @Inject(GeofenceCatalog) private readonly catalog: GeofenceCatalog,
  ) {}

  @Post()
  @Requires('geofence:write')
  @ApiOperation({ summary: 'Create a geofence (Polygon / MultiPolygon with holes, or Circle); every replica applies it within a second' })
  @ApiBody({ schema: { example: EXAMPLE } })
  @ApiResponse({ status: 201, description: 'Created, with its version' })
  @ApiResponse({ status: 400, description: 'Invalid; every problem with its JSON pointer', schema: { example: { code: 'INVALID_GEOFENCE', message: '1 problem(s) in the geofence', errors: [{ path: '/geometry/coordinates/0', message: 'ring is not closed: the last position [4.9, 52.38] must equal the first [4.88, 52.36]' }] } } })
  @ApiResponse({ status: 409, description: 'A fence with this id exists' })
  create(@CurrentOperator() operator: Operator, @Body() body: unknown): Promise<Geofence> {
    return mapped(() => this.manage.create(operator.tenant, body, operator.sub));
  }

  @Post('import')
  @Requires('geofence:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Bulk import a GeoJSON FeatureCollection (all or nothing); a Point with properties.radiusMeters is a circle' })
  @ApiBody({ schema: { example: { type: 'FeatureCollection', features: [{ type: 'Feature', id: 'lez', properties: { name: 'Low-emission zone', dwellSeconds: 60 }, geometry: EXAMPLE.geometry }] } } })
  @ApiResponse({ status: 200, schema: { example: { imported: 1, ids: ['lez'] } } })
  import(@CurrentOperator() operator: Operator, @Body() body: unknown): Promise<{ imported: number; ids: string[] }> {
    return mapped(() => this.manage.import(operator.tenant, body, operator.sub));
  }

  @Get()
  @Requires('geofence:read')
  @ApiOperation({ summary: 'Every geofence of your tenant' })
  async list(@CurrentOperator() operator: Operator): Promise<{ items: Geofence[] }> {
    return { items: await mapped(() => this.manage.list(operator.tenant)) };
  }

  @Get('containing')
  @Requires('geofence:read')
  @ApiOperation({ summary: 'Geofences containing a position (boundary included), from this replica’s index' })
  @ApiQuery({ name: 'lat', example: 52.37 })
  @ApiQuery({ name: 'lon', example: 4.89 })
  containing(@CurrentOperator() operator: Operator, @Query() params: Record<string, string | undefined>): Promise<{ items: Geofence[] }> {
    return mapped(async () => ({ items: this.catalog.index.containing(operator.tenant, parseLatLon(params)) }));
  }

  @Get(':id')
  @Requires('geofence:read')
  @ApiOperation({ summary: 'Read a geofence' })
  @ApiResponse({ status: 404, description: 'No such geofence in your tenant' })
  get(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string): Promise<Geofence> {
    return mapped(() => this.manage.get(operator.tenant, id));
  }

  @Put(':id')
  @Requires('geofence:write')
  @ApiOperation({ summary: 'Create or replace a geofence; devices inside are re-evaluated with their next reading' })
  @ApiBody({ schema: { example: EXAMPLE } })
  async replace(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<Geofence> {
    const { fence, created } = await mapped(() => this.manage.replace(operator.tenant, id, body, operator.sub));
    res.status(created ? 201 : 200);
    return fence;
  }

  @Delete(':id')
  @Requires('geofence:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a geofence; devices inside get EXIT with reason fence-deleted' })
  async remove(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string): Promise<void> {
    await mapped(() => this.manage.delete(operator.tenant, id));
  }
}

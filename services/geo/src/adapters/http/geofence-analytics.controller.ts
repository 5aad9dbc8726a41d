import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import { IdParam } from '@geopulse/service-runtime';
import { ForecastGeofences, type DeviceForecast, type FleetForecast } from '../../application/forecast-geofences';
import { ReportZoneDays, type ZoneReport } from '../../application/report-zone-days';
import { zoneReportCsv } from '../../domain/zone-report';
import { GeofenceError } from '../../domain/geofence-error';
import { mapped } from './error-mapping';

const FORECAST_EXAMPLE: DeviceForecast = {
  deviceId: 'van-7',
  horizonMinutes: 5,
  from: { at: '2026-11-22T10:00:40.000Z', position: { lat: 0, lon: 0.004 } },
  motion: { state: 'MOVING', fixes: 5, speedMps: 11.12, headingDegrees: 90 },
  events: [
    { type: 'ENTER', geofenceId: 'ulez', geofenceName: 'Low-emission zone', at: '2026-11-22T10:01:40.000Z', etaSeconds: 60, distanceMeters: 667.2, position: { lat: 0, lon: 0.01 } },
    { type: 'EXIT', geofenceId: 'ulez', geofenceName: 'Low-emission zone', at: '2026-11-22T10:03:20.000Z', etaSeconds: 160, distanceMeters: 1779.1, position: { lat: 0, lon: 0.02 } },
  ],
};

const REPORT_EXAMPLE: ZoneReport = {
  geofenceId: 'ulez',
  geofenceName: 'Low-emission zone',
  from: '2026-11-02T00:00:00.000Z',
  to: '2026-11-05T00:00:00.000Z',
  tz: 'Europe/London',
  items: [
    { deviceId: 'van-a', days: ['2026-11-02', '2026-11-03'], visits: 2, secondsInside: 16200 },
    { deviceId: 'van-b', days: ['2026-11-02', '2026-11-04'], visits: 2, secondsInside: 21600 },
  ],
};

/** Forecast and days-in-zone: read-only analytics over fences, tracks and the transition log. */
@ApiTags('geofences')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@Controller('v1/geofences')
export class GeofenceAnalyticsController {
  constructor(
    @Inject(ForecastGeofences) private readonly forecastGeofences: ForecastGeofences,
    @Inject(ReportZoneDays) private readonly reportZoneDays: ReportZoneDays,
  ) {}

  @Post('forecast')
  @Requires('geofence:read')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Forecast ENTER / EXIT / IDLE within a horizon from each device’s recent track',
    description:
      'Speed and heading come from the device’s last fixes (up to 5 within GEO_FORECAST_TRACK_WINDOW_SECONDS); the device is assumed to keep that velocity along a great circle from its newest fix; times count from that fix. ' +
      'Below GEO_FORECAST_IDLE_SPEED_MPS it is STATIONARY and IDLE in each fence it is in; with one fix its motion is UNKNOWN and nothing is forecast. ' +
      '`{"deviceId"}` answers one forecast (404 for a device never seen); `{"deviceIds": [...]}` answers `items` and `notFound`.',
  })
  @ApiBody({
    schema: { example: { deviceId: 'van-7', horizonMinutes: 5 } },
    examples: { one: { value: { deviceId: 'van-7', horizonMinutes: 5 } }, fleet: { value: { deviceIds: ['van-7', 'van-8'], horizonMinutes: 30 } } },
  })
  @ApiResponse({ status: 200, description: 'One device (deviceId) or `{horizonMinutes, items, notFound}` (deviceIds)', schema: { example: FORECAST_EXAMPLE } })
  @ApiResponse({ status: 400, description: 'Invalid request', schema: { example: { code: 'INVALID_QUERY', message: '1 problem(s) in the forecast request', errors: [{ path: '/horizonMinutes', message: 'a number of minutes above 0 and at most 720' }] } } })
  @ApiResponse({ status: 404, description: 'No position seen for this device (deviceId form)' })
  forecast(@CurrentOperator() operator: Operator, @Body() body: unknown): Promise<DeviceForecast | FleetForecast> {
    return mapped(() => this.forecastGeofences.execute(operator.tenant, body));
  }

  @Get(':id/report')
  @Requires('geofence:read')
  @ApiOperation({
    summary: 'Days in zone: per device, the distinct local days with presence inside the fence, time inside and visits',
    description:
      'From geo’s transition log. A visit open at `from`, or still open at `to` (or now), is clipped to the range; a visit across local midnight counts both days. ' +
      '`from` / `to` are dates (local midnight in `tz`) or ISO 8601 times with Z or an offset; `to` is exclusive (default: the end of today), `from` defaults to 7 local days before it; the range is at most GEO_REPORT_MAX_DAYS. ' +
      'CSV with `Accept: text/csv` or `format=csv`.',
  })
  @ApiQuery({ name: 'from', required: false, example: '2026-11-02', description: 'default: 7 local days before `to`' })
  @ApiQuery({ name: 'to', required: false, example: '2026-11-05', description: 'exclusive; default: the end of today in `tz`' })
  @ApiQuery({ name: 'tz', required: false, example: 'Europe/London', description: 'IANA time zone of the days (default UTC)' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({ status: 200, description: 'JSON, or CSV: `deviceId,daysInZone,visits,secondsInside,days` (days separated by spaces)', schema: { example: REPORT_EXAMPLE } })
  @ApiResponse({ status: 400, description: 'Bad dates, time zone or range', schema: { example: { code: 'INVALID_QUERY', message: '1 problem(s) in the report query', errors: [{ path: 'tz', message: 'unknown time zone "Mars/Olympus": an IANA name such as Europe/London or UTC' }] } } })
  @ApiResponse({ status: 404, description: 'No such geofence in your tenant' })
  @ApiResponse({ status: 422, description: 'More transitions in the range than GEO_REPORT_MAX_TRANSITIONS (REPORT_TOO_LARGE)' })
  async report(
    @CurrentOperator() operator: Operator,
    @Param('id', IdParam) id: string,
    @Query() params: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ZoneReport | string> {
    const { format, ...query } = params;
    const csv = format === 'csv' || (format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ''));
    if (format !== undefined && format !== 'csv' && format !== 'json') {
      return mapped(() => Promise.reject(invalidFormat()));
    }
    const report = await mapped(() => this.reportZoneDays.execute(operator.tenant, id, { from: text(query.from), to: text(query.to), tz: text(query.tz) }));
    if (!csv) return report;
    res.type('text/csv').setHeader('content-disposition', `attachment; filename="${id}-days-in-zone.csv"`);
    return zoneReportCsv(report.items);
  }
}

/** A repeated or nested query parameter as text, so that it is refused as not a date rather than misread. */
const text = (v: unknown): string | undefined => (v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));

function invalidFormat(): Error {
  return new GeofenceError('INVALID_QUERY', 'invalid format', [{ path: 'format', message: 'json or csv' }]);
}

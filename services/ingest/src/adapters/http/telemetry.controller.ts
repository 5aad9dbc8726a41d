import { Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Requires } from '@geopulse/auth';
import { READING_JSON_SCHEMA } from '@geopulse/contracts';
import { metric } from '@geopulse/observability';
import { AcceptReadings } from '../../application/accept-readings';
import { IngestError } from '../../domain/ingest-error';
import { InFlightLimit } from '../../domain/in-flight-limit';
import { errorExample } from './openapi-examples';
import { toHttpError } from './error-mapping';
import { rejectedReadings } from '../ingest-metrics';
import { TelemetryAuthGuard, type TelemetryRequest } from './telemetry-auth.guard';
import { TELEMETRY_IN_FLIGHT } from '../../application/tokens';

export const acceptedReadings = metric.counter('geopulse_ingest_readings_accepted_total', 'Readings acknowledged by Kafka (or already written) and answered accepted', ['transport']);
export const duplicateReadings = metric.counter('geopulse_ingest_readings_duplicate_total', 'Accepted readings not written again: their id was written within the dedup window', ['transport']);
const inFlight = metric.gauge('geopulse_ingest_http_in_flight', 'Telemetry requests being processed by this replica');

const EXAMPLE_READING = {
  deviceId: 'thermostat-1',
  id: '0d9e4f3a-1c1b-4bb7-9a0e-5b1d2c3f4a5b',
  ts: '2026-11-22T10:00:00.000Z',
  position: { lat: 52.37, lon: 4.89, accuracy: 5 },
  metrics: { temperature: 48.5, occupancy: true, mode: 'heat' },
};


@ApiTags('telemetry')
@ApiBearerAuth('operator')
@Controller('v1/telemetry')
export class TelemetryController {
  constructor(
    @Inject(AcceptReadings) private readonly acceptReadings: AcceptReadings,
    @Inject(TELEMETRY_IN_FLIGHT) private readonly limit: InFlightLimit,
  ) {}

  @Post()
  @HttpCode(202)
  @UseGuards(TelemetryAuthGuard)
  @Requires('telemetry:write')
  @ApiOperation({
    summary: 'Send readings',
    description:
      'One reading, {"readings": [...]} (up to 1,000 / 1 MiB) or NDJSON (application/x-ndjson). Authenticate with a device key ' +
      '(`Bearer gpk_...`: deviceId may be omitted and must otherwise be the key\'s device; no role applies) or an operator JWT (deviceId in every reading). ' +
      '202 only after Kafka durably acknowledged every reading; all-or-nothing validation; a reading id already written within the dedup ' +
      'window is answered as accepted and not written again.',
  })
  @ApiConsumes('application/json', 'application/x-ndjson')
  @ApiBody({
    schema: { oneOf: [READING_JSON_SCHEMA, { type: 'object', properties: { readings: { type: 'array', items: READING_JSON_SCHEMA } } }] } as never,
    examples: {
      single: { summary: 'One reading', value: EXAMPLE_READING },
      batch: { summary: 'A batch', value: { readings: [EXAMPLE_READING, { ...EXAMPLE_READING, id: 'r-2', ts: 1795341601000, position: undefined }] } },
      ndjson: { summary: 'NDJSON (Content-Type: application/x-ndjson)', value: `${JSON.stringify(EXAMPLE_READING)}\n${JSON.stringify({ ...EXAMPLE_READING, id: 'r-2' })}\n` },
    },
  })
  @ApiResponse({ status: 202, description: 'Accepted: durably in Kafka. `duplicates` (only when > 0) counts readings whose id was already written within the dedup window and was not written again.', schema: { example: { accepted: 2, ids: ['0d9e4f3a-1c1b-4bb7-9a0e-5b1d2c3f4a5b', 'r-2'] } } })
  @ApiResponse({ status: 400, description: 'Invalid input; every problem listed with index and path; nothing accepted', ...errorExample('INVALID_READING', '1 problem(s) in the request; nothing was accepted', [{ index: 1, path: '/position/lat', message: 'must be between -90 and 90, got 91' }]) })
  @ApiResponse({ status: 401, description: 'No, an unknown, a revoked or an expired key or token', ...errorExample('REVOKED_DEVICE_KEY', 'this device key was revoked') })
  @ApiResponse({ status: 403, description: 'Device disabled or deleted, or a device key naming another device', ...errorExample('DEVICE_MISMATCH', 'a device key may only write its own device; nothing was accepted', [{ index: 0, path: '/deviceId', message: 'this device key may only write device thermostat-1' }]) })
  @ApiResponse({ status: 413, description: 'Body or batch too large', ...errorExample('BATCH_TOO_LARGE', 'a request may carry at most 1000 readings, got 1200') })
  @ApiResponse({ status: 415, description: 'Unsupported Content-Type', ...errorExample('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json or application/x-ndjson, got text/csv') })
  @ApiResponse({ status: 429, description: 'A device is over its rate (token bucket shared by all replicas); see Retry-After', ...errorExample('RATE_LIMITED', 'device thermostat-1 is over its rate; retry in 2s; nothing was accepted') })
  @ApiResponse({ status: 503, description: 'Kafka did not acknowledge, or this replica is at its in-flight limit; nothing accepted; see Retry-After', ...errorExample('KAFKA_UNAVAILABLE', 'telemetry could not be stored (...); nothing was accepted, retry later') })
  async post(@Req() req: Request & TelemetryRequest): Promise<{ accepted: number; ids: string[]; duplicates?: number }> {
    if (!this.limit.tryEnter()) {
      rejectedReadings.inc({ reason: 'OVERLOADED', transport: 'http' });
      throw toHttpError(new IngestError('OVERLOADED', `this replica is at its limit of ${this.limit.max} requests in flight; retry shortly`, [], 1));
    }
    inFlight.inc();
    try {
      const principal = req.principal!;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await this.acceptReadings.execute({
        tenantId: principal.tenantId,
        contentType: req.headers['content-type'],
        body,
        ...(principal.kind === 'device' ? { deviceId: principal.deviceId } : {}),
      });
      acceptedReadings.inc({ transport: 'http' }, result.accepted);
      if (result.duplicates === 0) return { accepted: result.accepted, ids: result.ids }; // the contract's answer
      duplicateReadings.inc({ transport: 'http' }, result.duplicates);
      return result;
    } catch (err) {
      if (err instanceof IngestError) rejectedReadings.inc({ reason: err.code, transport: 'http' });
      throw toHttpError(err);
    } finally {
      this.limit.leave();
      inFlight.dec();
    }
  }
}

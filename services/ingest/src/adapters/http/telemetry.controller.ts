import { Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { READING_JSON_SCHEMA } from '@geopulse/contracts';
import { CurrentOperator, OperatorGuard, type Operator } from '@geopulse/auth';
import { ApiException } from '@geopulse/service-runtime';
import { metric } from '@geopulse/observability';
import { AcceptReadings } from '../../application/accept-readings';
import { IngestError, type IngestErrorCode } from '../../domain/ingest-error';

const accepted = metric.counter('geopulse_ingest_readings_accepted_total', 'Readings acknowledged by Kafka and answered 202');
const rejected = metric.counter('geopulse_ingest_requests_rejected_total', 'Telemetry requests rejected, by reason', ['reason']);

function statusOf(code: IngestErrorCode): number {
  switch (code) {
    case 'MALFORMED_JSON':
    case 'EMPTY_BODY':
    case 'INVALID_READING':
      return 400;
    case 'BATCH_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'KAFKA_UNAVAILABLE':
      return 503;
  }
}

export function toHttpError(err: IngestError): ApiException {
  return new ApiException(
    statusOf(err.code),
    err.code,
    err.message,
    err.issues.length > 0 ? err.issues : undefined,
    err.code === 'KAFKA_UNAVAILABLE' ? { 'Retry-After': '5' } : {},
  );
}

@ApiTags('telemetry')
@ApiBearerAuth('operator')
@Controller('v1/telemetry')
export class TelemetryController {
  constructor(@Inject(AcceptReadings) private readonly acceptReadings: AcceptReadings) {}

  @Post()
  @HttpCode(202)
  @UseGuards(OperatorGuard)
  @ApiOperation({
    summary: 'Send readings',
    description:
      'One reading, {"readings": [...]} (up to 1,000 / 1 MiB) or NDJSON. 202 only after Kafka durably acknowledged every reading; all-or-nothing validation.',
  })
  @ApiConsumes('application/json', 'application/x-ndjson')
  @ApiBody({ schema: { oneOf: [READING_JSON_SCHEMA, { type: 'object', properties: { readings: { type: 'array', items: READING_JSON_SCHEMA } } }] } as never })
  @ApiResponse({ status: 202, description: 'Accepted', schema: { example: { accepted: 1, ids: ['0d9e4f3a-1c1b-4bb7-9a0e-5b1d2c3f4a5b'] } } })
  @ApiResponse({ status: 400, description: 'Invalid input; every problem listed with index and path; nothing accepted' })
  @ApiResponse({ status: 413, description: 'Body or batch too large' })
  @ApiResponse({ status: 415, description: 'Unsupported Content-Type' })
  @ApiResponse({ status: 503, description: 'Kafka did not acknowledge; nothing accepted; retry' })
  async post(@Req() req: Request, @CurrentOperator() operator: Operator): Promise<{ accepted: number; ids: string[] }> {
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await this.acceptReadings.execute({ tenantId: operator.tenant, contentType: req.headers['content-type'], body });
      accepted.inc(result.accepted);
      return result;
    } catch (err) {
      if (err instanceof IngestError) {
        rejected.inc({ reason: err.code });
        throw toHttpError(err);
      }
      throw err;
    }
  }
}

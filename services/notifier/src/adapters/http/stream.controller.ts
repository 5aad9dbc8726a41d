import { Controller, Get, Headers, Inject, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import { ApiException } from '@geopulse/service-runtime';
import { StreamCapacityError, StreamHub } from '../../application/stream-hub';
import type { StreamSink } from '../../application/stream-session';
import { sseMessage } from '../../domain/stream/sse-format';
import { STREAM_TYPES } from '../../domain/stream/stream-event';
import { parseStreamFilter } from '../../domain/stream/stream-filter';

const LAST_EVENT_ID = /^[A-Za-z0-9._~-]{1,200}$/;

/** The response as the session's sink: writes, drain, graceful end, hard drop. */
function responseSink(res: Response): StreamSink {
  return {
    write: (chunk) => res.write(chunk),
    onDrain: (listener) => res.on('drain', listener),
    end: () => res.end(),
    destroy: () => res.destroy(),
  };
}

/** `GET /v1/stream`: the tenant's live events as Server-Sent Events. */
@ApiTags('stream')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@ApiResponse({ status: 401, description: 'No or an invalid operator JWT' })
@Controller('v1/stream')
export class StreamController {
  constructor(@Inject(StreamHub) private readonly hub: StreamHub) {}

  @Get()
  @Requires('device:read')
  @ApiOperation({
    summary: 'Live events (Server-Sent Events)',
    description: [
      'The tenant\'s positions, device states, alerts and geofence transitions as they happen, as `text/event-stream`.',
      'Events: `hello` (first; its id is a resume cursor), `position`, `state`, `alert`, `geofence`, `heartbeat` (every NOTIFIER_STREAM_HEARTBEAT_SECONDS),',
      '`reset` (the Last-Event-ID could not be honoured: reload state, then follow) and `close` (the server ends the stream; `reason`: `slow-consumer`, `shutdown`).',
      'Positions and states are coalesced per device to at most one per NOTIFIER_STREAM_COALESCE_MS (the newest wins); alerts and geofence events never are.',
      'Every id is a cursor: reconnecting with `Last-Event-ID` replays what matched the filter since, within the replica\'s window (NOTIFIER_STREAM_REPLAY_EVENTS per tenant, NOTIFIER_STREAM_REPLAY_SECONDS).',
      'A client whose unread events exceed NOTIFIER_STREAM_CLIENT_BUFFER_BYTES is dropped (`close`, reason `slow-consumer`).',
      'Browsers: EventSource cannot send the Authorization header; read the stream with fetch (see the live map).',
    ].join(' '),
  })
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'types', required: false, description: `comma-separated, any of ${STREAM_TYPES.join(', ')} (default all)`, example: 'position,alert' })
  @ApiQuery({ name: 'deviceIds', required: false, description: 'comma-separated device ids (at most 100)' })
  @ApiQuery({ name: 'tags', required: false, description: 'comma-separated registry tags a device must all carry' })
  @ApiQuery({ name: 'bbox', required: false, description: 'west,south,east,north in degrees; only events with a position inside', example: '4.7,52.3,5.0,52.45' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this event id' })
  @ApiResponse({ status: 200, description: 'the stream', content: { 'text/event-stream': { example: 'id: k3f9a2-42\nevent: position\ndata: {"deviceId":"van-1","ts":"2026-11-30T10:00:00.000Z","position":{"lat":52.37,"lon":4.89}}\n\n' } } })
  @ApiResponse({ status: 400, description: 'A bad filter or Last-Event-ID' })
  @ApiResponse({ status: 503, description: 'This replica serves its maximum of clients' })
  async stream(
    @CurrentOperator() operator: Operator,
    @Req() req: Request,
    @Res() res: Response,
    @Query('types') types?: string,
    @Query('deviceIds') deviceIds?: string,
    @Query('tags') tags?: string,
    @Query('bbox') bbox?: string,
    @Headers('last-event-id') lastEventId?: string,
  ): Promise<void> {
    for (const [name, value] of Object.entries({ types, deviceIds, tags, bbox })) {
      if (value !== undefined && typeof value !== 'string') throw new ApiException(400, 'INVALID_QUERY', `${name} must be given once`, [{ path: name, message: 'must be given once' }]);
    }
    const parsed = parseStreamFilter({ types, deviceIds, tags, bbox });
    if (!parsed.ok) throw new ApiException(400, 'INVALID_QUERY', parsed.issues.map((i) => `${i.path} ${i.message}`).join('; '), parsed.issues);
    if (lastEventId !== undefined && !LAST_EVENT_ID.test(lastEventId)) {
      throw new ApiException(400, 'INVALID_LAST_EVENT_ID', 'Last-Event-ID must be an id this stream sent', [{ path: 'Last-Event-ID', message: 'must be an id this stream sent' }]);
    }
    if (!this.hub.hasCapacity()) {
      throw new ApiException(503, 'STREAM_CAPACITY', `this replica serves its maximum of ${this.hub.clientCount} stream clients; retry on another`, undefined, { 'retry-after': '5' });
    }
    res.status(200);
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache, no-transform');
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    try {
      const session = await this.hub.open(operator.tenant, parsed.filter, responseSink(res), lastEventId);
      if (res.destroyed) session.close('client-gone');
      else res.on('close', () => session.close('client-gone'));
    } catch (err) {
      // Headers are out (a registry lookup failed, or the replica filled up meanwhile): say it as the stream's last event.
      const reason = err instanceof StreamCapacityError ? 'capacity' : 'error';
      res.end(sseMessage('close', { reason, message: (err as Error).message }));
    }
  }
}

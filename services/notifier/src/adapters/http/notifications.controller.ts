import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import type { DeliveryLog } from '../../application/ports';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../domain/delivery';
import { NotifierError } from '../../domain/notifier-error';
import { mapped } from './error-mapping';
import { OptionalIdParam } from '@geopulse/service-runtime';
import { DELIVERY_LOG } from '../../application/tokens';

/** The delivery log of the caller's tenant. */
@ApiTags('notifications')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@ApiResponse({ status: 401, description: 'No or an invalid operator JWT' })
@Controller('v1/notifications')
export class NotificationsController {
  constructor(@Inject(DELIVERY_LOG) private readonly log: DeliveryLog) {}

  @Get()
  @Requires('notification:read')
  @ApiOperation({ summary: 'Delivery log', description: 'One entry per (event, subscription): status, attempts, last error. Ordered by subscription, then event id.' })
  @ApiQuery({ name: 'subscriptionId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: DELIVERY_STATUSES })
  @ApiQuery({ name: 'limit', required: false, example: 50 })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({
    status: 200,
    schema: {
      example: {
        items: [{ id: 'ops-email#8a6c...:START', subscriptionId: 'ops-email', eventId: '8a6c...:START', eventType: 'alert.start', deviceId: 'thermostat-1', channel: 'email', status: 'DELIVERED', attempts: 2, lastError: 'SMTP ECONNREFUSED: connect ECONNREFUSED', createdAt: '2026-11-22T10:00:00.000Z', updatedAt: '2026-11-22T10:00:04.000Z', deliveredAt: '2026-11-22T10:00:04.000Z' }],
      },
    },
  })
  @ApiResponse({ status: 400, description: 'Unknown status or bad limit' })
  list(
    @CurrentOperator() operator: Operator,
    @Query('subscriptionId', OptionalIdParam) subscriptionId?: string,
    @Query('status') status?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    return mapped(async () => {
      if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) {
        throw new NotifierError('INVALID_QUERY', `status must be one of ${DELIVERY_STATUSES.join(', ')}`, [{ path: 'status', message: `must be one of ${DELIVERY_STATUSES.join(', ')}` }]);
      }
      const n = limit === undefined ? 50 : Number(limit);
      if (!Number.isInteger(n) || n < 1 || n > 100) throw new NotifierError('INVALID_QUERY', 'limit must be 1-100', [{ path: 'limit', message: 'must be 1-100' }]);
      return this.log.list(operator.tenant, { ...(subscriptionId ? { subscriptionId } : {}), ...(status ? { status: status as DeliveryStatus } : {}), limit: n, ...(cursor ? { cursor } : {}) });
    });
  }
}

import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorGuard, Requires, type Operator } from '@geopulse/auth';
import { ManageSubscriptions } from '../../application/manage-subscriptions';
import { publicView, SUBSCRIPTION_INPUT_SCHEMA } from '../../domain/subscription';
import { mapped } from './error-mapping';
import { IdParam } from '@geopulse/service-runtime';

const EXAMPLE = {
  id: 'ops-email', name: 'Ops on critical alerts', enabled: true,
  filter: { types: ['alert.start', 'alert.stop', 'geofence.enter'], minSeverity: 'WARNING', ruleIds: [], geofenceIds: [], deviceIds: [] },
  channel: { type: 'email', to: ['ops@example.com'] },
  throttle: { perDeviceSeconds: 300 },
};
const WEBHOOK_EXAMPLE = {
  name: 'Incident system', filter: { types: ['alert.start', 'alert.stop'], minSeverity: 'CRITICAL' },
  channel: { type: 'webhook', url: 'https://hooks.example.com/geopulse', secret: 'at-least-16-characters', mode: 'structured' },
};
const err = (code: string, message: string, errors?: unknown[]) => ({ schema: { example: { code, message, ...(errors ? { errors } : {}) } } });
const NOT_FOUND = { status: 404, description: 'No such subscription in the caller\'s tenant', ...err('SUBSCRIPTION_NOT_FOUND', 'no subscription ops-email') };
const INVALID = { status: 400, description: 'Invalid fields (every one listed), or a webhook URL at a refused address', ...err('WEBHOOK_URL_REFUSED', 'webhook URL refused: 169.254.169.254 is a cloud metadata address; webhooks may not target it', [{ path: '/channel/url', message: '169.254.169.254 is a cloud metadata address; webhooks may not target it' }]) };

/**
 * Subscriptions of the caller's tenant. Webhook signature: `X-Geopulse-Signature: v1=<hex>`
 * is HMAC-SHA256(secret, `<X-Geopulse-Timestamp>.<raw body>`).
 */
@ApiTags('subscriptions')
@ApiBearerAuth('operator')
@UseGuards(OperatorGuard)
@ApiResponse({ status: 401, description: 'No or an invalid operator JWT' })
@Controller('v1/subscriptions')
export class SubscriptionsController {
  constructor(@Inject(ManageSubscriptions) private readonly subscriptions: ManageSubscriptions) {}

  @Post()
  @Requires('subscription:write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a subscription', description: 'Email or CloudEvents webhook. Webhook hosts are resolved and every address checked against the address policy.' })
  @ApiBody({ schema: SUBSCRIPTION_INPUT_SCHEMA, examples: { email: { value: EXAMPLE }, webhook: { value: WEBHOOK_EXAMPLE } } })
  @ApiResponse({ status: 201, schema: { example: { ...EXAMPLE, version: 1, createdAt: '2026-11-22T10:00:00.000Z', updatedAt: '2026-11-22T10:00:00.000Z', createdBy: 'alice@example.com', updatedBy: 'alice@example.com' } } })
  @ApiResponse(INVALID)
  @ApiResponse({ status: 409, description: 'The id is taken', ...err('SUBSCRIPTION_EXISTS', 'subscription ops-email already exists') })
  create(@CurrentOperator() operator: Operator, @Body() body: unknown) {
    return mapped(async () => publicView(await this.subscriptions.create(operator.tenant, body, operator.sub)));
  }

  @Get()
  @Requires('subscription:read')
  @ApiOperation({ summary: 'List subscriptions' })
  @ApiQuery({ name: 'limit', required: false, example: 50 })
  @ApiQuery({ name: 'cursor', required: false })
  list(@CurrentOperator() operator: Operator, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return mapped(async () => {
      const page = await this.subscriptions.list(operator.tenant, limit === undefined ? undefined : Number(limit), cursor);
      return { items: page.items.map(publicView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    });
  }

  @Get(':id')
  @Requires('subscription:read')
  @ApiOperation({ summary: 'Get a subscription' })
  @ApiResponse(NOT_FOUND)
  get(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string) {
    return mapped(async () => publicView(await this.subscriptions.get(operator.tenant, id)));
  }

  @Put(':id')
  @Requires('subscription:write')
  @ApiOperation({ summary: 'Replace a subscription' })
  @ApiBody({ schema: SUBSCRIPTION_INPUT_SCHEMA })
  @ApiResponse(INVALID)
  @ApiResponse(NOT_FOUND)
  replace(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string, @Body() body: unknown) {
    return mapped(async () => publicView(await this.subscriptions.replace(operator.tenant, id, body, operator.sub)));
  }

  @Delete(':id')
  @Requires('subscription:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription', description: 'Queued deliveries for it end FAILED (subscription was deleted).' })
  @ApiResponse(NOT_FOUND)
  async remove(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string): Promise<void> {
    await mapped(() => this.subscriptions.remove(operator.tenant, id));
  }

  @Post(':id/test')
  @Requires('subscription:test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a sample notification now', description: 'One attempt of a sample alert START through the channel; not queued, not retried, not logged.' })
  @ApiResponse({ status: 200, schema: { example: { delivered: false, error: 'HTTP 500', eventId: 'test-5c1f...' } } })
  @ApiResponse(NOT_FOUND)
  test(@CurrentOperator() operator: Operator, @Param('id', IdParam) id: string) {
    return mapped(() => this.subscriptions.test(operator.tenant, id));
  }
}

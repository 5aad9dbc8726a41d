import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

export const MAP_CONFIG = Symbol('MAP_CONFIG');

/** What the live map needs to know before login: where the other services' APIs and the traces are. */
export interface PublicMapConfig {
  aggregatorUrl: string;
  rulesUrl: string;
  geoUrl: string;
  tileUrl?: string;
  /** `{{traceId}}` is replaced by an alert's trace id; '' when trace links are off. */
  traceUrlTemplate: string;
}

@ApiTags('live map')
@Controller('map-config.json')
export class MapConfigController {
  constructor(@Inject(MAP_CONFIG) private readonly config: PublicMapConfig) {}

  @Get()
  @ApiOperation({ summary: 'Live map configuration', description: 'Public (no token): the base URLs the live map at / calls with the operator\'s token, the optional tile URL and the trace link template.' })
  @ApiResponse({ status: 200, schema: { example: { aggregatorUrl: 'http://localhost:3002', rulesUrl: 'http://localhost:3003', geoUrl: 'http://localhost:3004', traceUrlTemplate: 'http://localhost:16686/trace/{{traceId}}' } } })
  get(): PublicMapConfig {
    return this.config;
  }
}

/**
 * The device read APIs as use cases: each query checked (an AggregatorError naming the
 * parameter), then answered from the live state (Redis) or the history (DynamoDB).
 */
import type { TelemetryAggregate, TelemetryReading } from '@geopulse/contracts';
import { AggregatorError } from '../domain/aggregator-error';
import { parseHistoryQuery, type HistoryQuery } from '../domain/history-query';
import type { DeviceState } from '../domain/latest-state';
import { parseNearbyQuery, parseWithinQuery } from '../domain/nearby-query';
import type { Clock, DeviceStateStore, LocatedDevice } from './apply-readings';
import type { HistoryPage, HistoryStore } from './history';
import type { LocateDevices } from './locate-devices';

type Params = Record<string, string | undefined>;

export class QueryDevices {
  constructor(
    private readonly states: DeviceStateStore,
    private readonly history: HistoryStore,
    private readonly locate: LocateDevices,
    private readonly clock: Clock,
  ) {}

  nearby(tenantId: string, params: Params): Promise<LocatedDevice[]> {
    const parsed = parseNearbyQuery(params);
    if (!parsed.ok) throw new AggregatorError('INVALID_QUERY', 'invalid nearby query', parsed.issues);
    return this.locate.nearby(tenantId, parsed.query);
  }

  within(tenantId: string, params: Params): Promise<LocatedDevice[]> {
    const parsed = parseWithinQuery(params);
    if (!parsed.ok) throw new AggregatorError('INVALID_QUERY', 'invalid within query', parsed.issues);
    return this.locate.within(tenantId, parsed.query);
  }

  readings(tenantId: string, deviceId: string, params: Params): Promise<HistoryPage<TelemetryReading>> {
    return this.history.readings(tenantId, deviceId, this.historyQuery(params));
  }

  aggregates(tenantId: string, deviceId: string, params: Params): Promise<HistoryPage<TelemetryAggregate>> {
    return this.history.aggregates(tenantId, deviceId, this.historyQuery(params));
  }

  async state(tenantId: string, deviceId: string): Promise<DeviceState> {
    const state = await this.states.get(tenantId, deviceId);
    if (!state) throw new AggregatorError('DEVICE_NOT_FOUND', `no state for device ${deviceId}`);
    return state;
  }

  private historyQuery(params: Params): HistoryQuery {
    const parsed = parseHistoryQuery(params, this.clock());
    if (!parsed.ok) throw new AggregatorError('INVALID_QUERY', 'invalid history query', parsed.issues);
    return parsed.query;
  }
}

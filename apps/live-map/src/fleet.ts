/** The map's model of the tenant's fleet, fed by stream events; no DOM, no Leaflet. */

export interface LatLon {
  lat: number;
  lon: number;
}

export interface AlertView {
  ruleId: string;
  ruleName?: string;
  severity?: string;
  status: string;
  at: string;
  traceId?: string;
}

export interface DeviceView {
  deviceId: string;
  position?: LatLon;
  ts?: string;
  metrics: Record<string, unknown>;
  /** Oldest first, at most TRACK_POINTS. */
  track: LatLon[];
  /** Firing alerts by rule. */
  openAlerts: Map<string, AlertView>;
}

export interface FeedItem {
  key: string;
  kind: 'alert' | 'geofence';
  deviceId: string;
  /** START, STOP, INSUFFICIENT_DATA, ENTER, EXIT or DWELL. */
  what: string;
  label: string;
  at: string;
  severity?: string;
  traceId?: string;
}

export const TRACK_POINTS = 200;
export const FEED_ITEMS = 200;

type Data = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function latLon(v: unknown): LatLon | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { lat, lon } = v as Data;
  return typeof lat === 'number' && typeof lon === 'number' ? { lat, lon } : undefined;
}

/** The trace link of an alert, or undefined when links are off or the alert names no trace. */
export function traceLink(template: string, traceId: string | undefined): string | undefined {
  if (!template || !traceId || !/^[0-9a-f]{32}$/.test(traceId)) return undefined;
  return template.replace(/\{\{traceId\}\}/g, traceId);
}

export class Fleet {
  readonly devices = new Map<string, DeviceView>();
  /** Newest first. */
  readonly feed: FeedItem[] = [];
  private readonly seen = new Set<string>();

  device(deviceId: string): DeviceView {
    let device = this.devices.get(deviceId);
    if (!device) {
      device = { deviceId, metrics: {}, track: [], openAlerts: new Map() };
      this.devices.set(deviceId, device);
    }
    return device;
  }

  /** Applies one stream event; returns the device it concerns and, for alerts and fences, the new feed item. */
  apply(event: string, data: Data): { deviceId: string; item?: FeedItem } | undefined {
    const deviceId = str(data.deviceId);
    if (!deviceId) return undefined;
    const device = this.device(deviceId);
    switch (event) {
      case 'position':
      case 'state': {
        const position = latLon(data.position);
        const ts = str(data.ts);
        // Replays and coalescing never move a device back in time.
        if (ts && device.ts && ts < device.ts) return { deviceId };
        if (ts) device.ts = ts;
        if (position) this.move(device, position);
        if (event === 'state' && typeof data.metrics === 'object' && data.metrics !== null) device.metrics = { ...device.metrics, ...(data.metrics as Data) };
        return { deviceId };
      }
      case 'alert':
        return { deviceId, item: this.alert(device, data) };
      case 'geofence':
        return { deviceId, item: this.fence(device, data) };
      default:
        return undefined;
    }
  }

  /** Firing alerts as the rules API lists them (the device panel loads them on open). */
  setOpenAlerts(deviceId: string, alerts: AlertView[]): void {
    const device = this.device(deviceId);
    device.openAlerts = new Map(alerts.map((a) => [a.ruleId, a]));
  }

  /** A track loaded from history (oldest first) under what the stream brought since. */
  setTrack(deviceId: string, points: LatLon[]): void {
    const device = this.device(deviceId);
    device.track = [...points, ...device.track].slice(-TRACK_POINTS);
  }

  private move(device: DeviceView, position: LatLon): void {
    const last = device.track.at(-1);
    if (!last || last.lat !== position.lat || last.lon !== position.lon) device.track.push(position);
    if (device.track.length > TRACK_POINTS) device.track.splice(0, device.track.length - TRACK_POINTS);
    device.position = position;
  }

  private alert(device: DeviceView, data: Data): FeedItem | undefined {
    const ruleId = str(data.ruleId) ?? '?';
    const status = str(data.status) ?? '?';
    const at = str(data.at) ?? new Date().toISOString();
    const view: AlertView = { ruleId, status, at, ...opt('ruleName', str(data.ruleName)), ...opt('severity', str(data.severity)), ...opt('traceId', str(data.traceId)) };
    if (status === 'START') device.openAlerts.set(ruleId, view);
    else if (status === 'STOP') device.openAlerts.delete(ruleId);
    return this.push({
      key: str(data.eventId) ?? `${device.deviceId}:${ruleId}:${status}:${at}`,
      kind: 'alert',
      deviceId: device.deviceId,
      what: status,
      label: view.ruleName ?? ruleId,
      at,
      ...opt('severity', view.severity),
      ...opt('traceId', view.traceId),
    });
  }

  private fence(device: DeviceView, data: Data): FeedItem | undefined {
    const transition = str(data.transition) ?? '?';
    const geofenceId = str(data.geofenceId) ?? '?';
    const at = str(data.at) ?? new Date().toISOString();
    return this.push({
      key: str(data.eventId) ?? `${device.deviceId}:${geofenceId}:${transition}:${at}`,
      kind: 'geofence',
      deviceId: device.deviceId,
      what: transition,
      label: str(data.geofenceName) ?? geofenceId,
      at,
      ...opt('traceId', str(data.traceId)),
    });
  }

  /** Adds an item once (a resumed stream may repeat one); undefined for a repeat. */
  private push(item: FeedItem): FeedItem | undefined {
    if (this.seen.has(item.key)) return undefined;
    this.seen.add(item.key);
    this.feed.unshift(item);
    if (this.feed.length > FEED_ITEMS) this.seen.delete(this.feed.pop()!.key);
    return item;
  }
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

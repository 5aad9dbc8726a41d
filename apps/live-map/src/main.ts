import type * as Leaflet from 'leaflet';
import { Fleet, traceLink, type AlertView, type FeedItem, type LatLon } from './fleet.js';
import { followStream, type StreamStatus } from './live-stream.js';

/** Leaflet's browser build (vendor/leaflet.js) defines the global `L`. */
declare const L: typeof Leaflet;

interface MapConfig {
  aggregatorUrl: string;
  rulesUrl: string;
  geoUrl: string;
  tileUrl?: string;
  traceUrlTemplate: string;
}

interface Geofence {
  id: string;
  name: string;
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] } | { type: 'Circle'; center: [number, number]; radiusMeters: number };
}

const TOKEN_KEY = 'geopulse.token';
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const fleet = new Fleet();
const markers = new Map<string, Leaflet.CircleMarker>();
let config: MapConfig;
let token = '';
let stopStream: (() => void) | undefined;
let selected: string | undefined;
/** The view follows the fleet (fences and every new device) until the operator moves the map. */
let autoFit = true;

const map = L.map('map', { preferCanvas: false, zoomControl: true }).setView([52.3731, 4.8926], 13);
const fenceLayer = L.layerGroup().addTo(map);
const gridLayer = L.layerGroup().addTo(map);
const trackLayer = L.layerGroup().addTo(map);
const deviceLayer = L.layerGroup().addTo(map);

/** A coordinate grid, so the map reads without base tiles (many clusters cannot reach a tile server). */
function drawGrid(): void {
  gridLayer.clearLayers();
  const b = map.getBounds();
  const span = Math.max(b.getNorth() - b.getSouth(), b.getEast() - b.getWest());
  const step = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20].find((s) => span / s <= 12) ?? 30;
  const style = { color: '#9aa7b4', weight: 0.6, opacity: 0.7, interactive: false };
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  for (let lat = Math.ceil(b.getSouth() / step) * step; lat <= b.getNorth(); lat += step) {
    L.polyline([[lat, b.getWest()], [lat, b.getEast()]], style).addTo(gridLayer);
    L.marker([lat, b.getWest()], { icon: L.divIcon({ className: 'grid-label', html: lat.toFixed(digits), iconSize: [60, 12], iconAnchor: [-2, 12] }), interactive: false }).addTo(gridLayer);
  }
  for (let lon = Math.ceil(b.getWest() / step) * step; lon <= b.getEast(); lon += step) {
    L.polyline([[b.getSouth(), lon], [b.getNorth(), lon]], style).addTo(gridLayer);
    L.marker([b.getSouth(), lon], { icon: L.divIcon({ className: 'grid-label', html: lon.toFixed(digits), iconSize: [60, 12], iconAnchor: [-2, 14] }), interactive: false }).addTo(gridLayer);
  }
}
map.on('moveend', drawGrid);

async function api<T>(base: string, path: string): Promise<T> {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

function setStatus(status: StreamStatus | 'signed-out', detail?: string): void {
  const el = $('status');
  el.dataset.status = status;
  el.textContent = status;
  el.title = detail ?? '';
}

async function loadFences(): Promise<void> {
  const { items } = await api<{ items: Geofence[] }>(config.geoUrl, '/v1/geofences');
  fenceLayer.clearLayers();
  for (const fence of items) {
    const style = { color: '#1565c0', weight: 2, fillOpacity: 0.12, className: `fence fence-${fence.id.replace(/[^A-Za-z0-9_-]/g, '_')}` };
    const g = fence.geometry;
    const layer =
      g.type === 'Circle'
        ? L.circle([g.center[1], g.center[0]], { ...style, radius: g.radiusMeters })
        : L.geoJSON({ type: 'Feature', properties: {}, geometry: g } as GeoJSON.Feature, { style: () => style });
    layer.bindTooltip(fence.name, { permanent: true, direction: 'bottom', offset: [0, 14], className: 'fence-label' });
    layer.addTo(fenceLayer);
  }
  document.body.dataset.fences = String(items.length);
  if (autoFit) fitFleet();
}

function fitFleet(): void {
  const bounds = L.latLngBounds([]);
  for (const layer of fenceLayer.getLayers()) bounds.extend((layer as Leaflet.FeatureGroup).getBounds());
  for (const marker of markers.values()) bounds.extend(marker.getLatLng());
  // No animation: the view (and so which markers the SVG renderer draws) is settled at once, also on a loaded machine.
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [40, 40], maxZoom: 16, animate: false });
}
map.on('dragstart', () => (autoFit = false));

function colourOf(deviceId: string): string {
  const device = fleet.devices.get(deviceId);
  if (device && device.openAlerts.size > 0) return '#c62828';
  return deviceId === selected ? '#ef6c00' : '#2e7d32';
}

function drawDevice(deviceId: string): void {
  const device = fleet.devices.get(deviceId);
  if (!device?.position) return;
  const at: Leaflet.LatLngExpression = [device.position.lat, device.position.lon];
  let marker = markers.get(deviceId);
  if (!marker) {
    marker = L.circleMarker(at, { radius: 8, weight: 2, color: '#fff', fillOpacity: 0.95 }).addTo(deviceLayer);
    marker.bindTooltip(deviceId, { permanent: true, direction: 'right', offset: [8, 0], className: 'device-label' });
    marker.on('click', () => select(deviceId));
    markers.set(deviceId, marker);
    const el = marker.getElement();
    if (el) el.setAttribute('data-device', deviceId);
    if (autoFit) fitFleet();
  }
  marker.setLatLng(at);
  marker.setStyle({ fillColor: colourOf(deviceId), radius: deviceId === selected ? 11 : 8 });
  const el = marker.getElement();
  if (el) {
    el.setAttribute('data-lat', String(device.position.lat));
    el.setAttribute('data-lon', String(device.position.lon));
    el.setAttribute('data-alerting', String(device.openAlerts.size > 0));
  }
  if (deviceId === selected) drawTrack();
}

function drawTrack(): void {
  trackLayer.clearLayers();
  const device = selected ? fleet.devices.get(selected) : undefined;
  if (!device || device.track.length < 2) return;
  L.polyline(device.track.map((p: LatLon) => [p.lat, p.lon] as [number, number]), { color: '#ef6c00', weight: 3, opacity: 0.8 }).addTo(trackLayer);
}

function text(tag: string, content: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}

function alertEntry(alert: AlertView): HTMLElement {
  const li = text('li', `${alert.severity ?? ''} ${alert.ruleName ?? alert.ruleId} since ${alert.at} `);
  const link = traceLink(config.traceUrlTemplate, alert.traceId);
  if (link) {
    const a = text('a', 'trace') as HTMLAnchorElement;
    a.href = link;
    a.target = '_blank';
    a.rel = 'noopener';
    li.append(a);
  }
  return li;
}

function renderPanel(): void {
  const panel = $('device-panel');
  const device = selected ? fleet.devices.get(selected) : undefined;
  if (!device) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  panel.dataset.device = device.deviceId;
  $('device-title').textContent = device.deviceId;
  const state = $('device-state');
  state.replaceChildren();
  const rows: Array<[string, string]> = [
    ['last seen', device.ts ?? '-'],
    ['position', device.position ? `${device.position.lat.toFixed(5)}, ${device.position.lon.toFixed(5)}` : '-'],
    ...Object.entries(device.metrics).map(([k, v]): [string, string] => [k, String(v)]),
  ];
  for (const [k, v] of rows) state.append(text('dt', k), text('dd', v));
  const alerts = $('device-alerts');
  alerts.replaceChildren(...[...device.openAlerts.values()].map(alertEntry));
  if (device.openAlerts.size === 0) alerts.append(text('li', 'none'));
  $('device-track').textContent = `track: ${device.track.length} points`;
}

async function select(deviceId: string): Promise<void> {
  const previous = selected;
  selected = deviceId;
  if (previous) drawDevice(previous);
  drawDevice(deviceId);
  renderPanel();
  const device = fleet.devices.get(deviceId);
  if (device?.position && !map.getBounds().contains([device.position.lat, device.position.lon])) {
    autoFit = false;
    map.panTo([device.position.lat, device.position.lon]);
  }
  // The stream shows what happened since the page opened; the APIs fill in the rest.
  const [state, history, alerts] = await Promise.allSettled([
    api<{ ts: string; position?: LatLon; metrics?: Record<string, unknown> }>(config.aggregatorUrl, `/v1/devices/${encodeURIComponent(deviceId)}/state`),
    api<{ items: Array<{ ts: string; position?: LatLon }> }>(config.aggregatorUrl, `/v1/devices/${encodeURIComponent(deviceId)}/history?from=${new Date(Date.now() - 3600_000).toISOString()}&limit=200`),
    api<{ items: Array<{ ruleId: string; ruleName?: string; severity?: string; status: string; startedAt?: string; at?: string; traceId?: string }> }>(config.rulesUrl, `/v1/alerts?deviceId=${encodeURIComponent(deviceId)}&status=FIRING`),
  ]);
  if (selected !== deviceId) return;
  if (state.status === 'fulfilled') fleet.apply('state', { deviceId, ...state.value });
  if (history.status === 'fulfilled' && fleet.devices.get(deviceId)!.track.length < 2) {
    fleet.setTrack(deviceId, history.value.items.filter((r) => r.position).map((r) => r.position!));
  }
  if (alerts.status === 'fulfilled') {
    fleet.setOpenAlerts(deviceId, alerts.value.items.map((a) => ({ ruleId: a.ruleId, status: 'START', at: a.startedAt ?? a.at ?? '', ...(a.ruleName ? { ruleName: a.ruleName } : {}), ...(a.severity ? { severity: a.severity } : {}), ...(a.traceId ? { traceId: a.traceId } : {}) })));
  }
  drawDevice(deviceId);
  renderPanel();
}

function addFeedItem(item: FeedItem): void {
  const li = document.createElement('li');
  li.className = item.kind === 'alert' ? `alert alert-${item.what}` : 'geofence';
  li.dataset.device = item.deviceId;
  li.dataset.kind = item.kind;
  li.dataset.what = item.what;
  li.dataset.receivedAt = String(Date.now());
  li.append(text('span', item.what, 'what'), text('span', `${item.label} · ${item.deviceId}`), document.createElement('br'), text('span', `${item.severity ? `${item.severity} · ` : ''}${item.at}`, 'meta'));
  const link = traceLink(config.traceUrlTemplate, item.traceId);
  if (link) {
    const a = text('a', ' trace', 'trace') as HTMLAnchorElement;
    a.href = link;
    a.target = '_blank';
    a.rel = 'noopener';
    a.addEventListener('click', (e) => e.stopPropagation());
    li.append(a);
  }
  li.addEventListener('click', () => void select(item.deviceId));
  $('feed').prepend(li);
  while ($('feed').children.length > 200) $('feed').lastElementChild?.remove();
}

function onEvent(event: string, data: Record<string, unknown>): void {
  if (event === 'reset') {
    // Events were missed (another replica, or out of the window): fences may have changed too.
    void loadFences();
    return;
  }
  const applied = fleet.apply(event, data);
  if (!applied) return;
  if (applied.item) addFeedItem(applied.item);
  drawDevice(applied.deviceId);
  if (applied.deviceId === selected) renderPanel();
}

function tenantOf(jwt: string): string {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { tenant?: string; sub?: string };
    return `${payload.sub ?? '?'} @ ${payload.tenant ?? '?'}`;
  } catch {
    return '';
  }
}

async function signIn(value: string): Promise<void> {
  token = value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('login').hidden = true;
  $('logout').hidden = false;
  $('tenant').textContent = tenantOf(token);
  stopStream?.();
  stopStream = followStream({
    url: `${location.origin}/v1/stream`,
    token,
    onEvent,
    onStatus: (status, detail) => {
      setStatus(status, detail);
      if (status === 'unauthorized') signOut();
    },
  });
  await loadFences().catch((err: Error) => setStatus('reconnecting', `fences: ${err.message}`));
}

function signOut(): void {
  stopStream?.();
  stopStream = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  $('login').hidden = false;
  $('logout').hidden = true;
  $('tenant').textContent = '';
  if ($('status').dataset.status !== 'unauthorized') setStatus('signed-out');
}

async function start(): Promise<void> {
  config = (await (await fetch('map-config.json')).json()) as MapConfig;
  if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: 'base map: configured tile server' }).addTo(map);
  drawGrid();
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn(($('token') as HTMLInputElement).value);
  });
  $('logout').addEventListener('click', signOut);
  // A token in the fragment (#token=...) signs in directly, without reaching any server log.
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) history.replaceState(null, '', location.pathname);
  const saved = fromHash ?? sessionStorage.getItem(TOKEN_KEY);
  if (saved) await signIn(saved);
}

void start();

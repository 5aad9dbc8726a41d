import { ID_PATTERN } from '@geopulse/contracts';
import { STREAM_TYPES, type LiveEvent, type StreamType } from './stream-event';

/** What one client asked for; an empty list means "any". */
export interface StreamFilter {
  types: ReadonlySet<StreamType>;
  deviceIds: ReadonlySet<string>;
  /** Registry tags a device must all carry (e.g. `fleet:vans`). */
  tags: readonly string[];
  /** [west, south, east, north] in degrees; events without a position pass only when no bbox is set. */
  bbox?: readonly [number, number, number, number];
}

export interface FilterIssue {
  path: string;
  message: string;
}

export type FilterParse = { ok: true; filter: StreamFilter } | { ok: false; issues: FilterIssue[] };

const MAX_LIST = 100;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._~:/=-]{0,127}$/;

function list(raw: string | undefined): string[] {
  return raw === undefined ? [] : raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses the query parameters of `GET /v1/stream`; every problem is reported with its parameter. */
export function parseStreamFilter(query: { types?: string; deviceIds?: string; tags?: string; bbox?: string }): FilterParse {
  const issues: FilterIssue[] = [];
  const types = list(query.types);
  for (const t of types) {
    if (!(STREAM_TYPES as readonly string[]).includes(t)) issues.push({ path: 'types', message: `${JSON.stringify(t.slice(0, 40))} is not one of ${STREAM_TYPES.join(', ')}` });
  }
  const deviceIds = list(query.deviceIds);
  if (deviceIds.length > MAX_LIST) issues.push({ path: 'deviceIds', message: `at most ${MAX_LIST} device ids` });
  if (deviceIds.some((id) => !ID_PATTERN.test(id))) issues.push({ path: 'deviceIds', message: 'device ids are 1-128 characters of letters, digits, . _ ~ -' });
  const tags = list(query.tags);
  if (tags.length > MAX_LIST) issues.push({ path: 'tags', message: `at most ${MAX_LIST} tags` });
  if (tags.some((tag) => !TAG.test(tag))) issues.push({ path: 'tags', message: 'tags are 1-128 characters of letters, digits, . _ ~ : / = -' });
  let bbox: StreamFilter['bbox'];
  if (query.bbox !== undefined) {
    const parts = query.bbox.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
    const [w, s, e, n] = parts;
    if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v))) {
      issues.push({ path: 'bbox', message: 'must be west,south,east,north in degrees' });
    } else if (w < -180 || e > 180 || s < -90 || n > 90 || w > e || s > n) {
      issues.push({ path: 'bbox', message: 'must satisfy -180 <= west <= east <= 180 and -90 <= south <= north <= 90' });
    } else {
      bbox = [w, s, e, n];
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, filter: { types: new Set(types as StreamType[]), deviceIds: new Set(deviceIds), tags, ...(bbox ? { bbox } : {}) } };
}

/** Whether the filter wants registry tags of a device to decide (so the caller looks them up only then). */
export const needsTags = (filter: StreamFilter): boolean => filter.tags.length > 0;

/** Whether a client with this filter gets the event; `deviceTags` are the device's registry tags. */
export function matches(filter: StreamFilter, event: LiveEvent, deviceTags: readonly string[] = []): boolean {
  if (filter.types.size > 0 && !filter.types.has(event.type)) return false;
  if (filter.deviceIds.size > 0 && !filter.deviceIds.has(event.deviceId)) return false;
  if (filter.bbox) {
    if (!event.position) return false;
    const [w, s, e, n] = filter.bbox;
    const { lat, lon } = event.position;
    if (lon < w || lon > e || lat < s || lat > n) return false;
  }
  return filter.tags.every((tag) => deviceTags.includes(tag));
}

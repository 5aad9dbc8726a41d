/**
 * A GeoJSON FeatureCollection as geofence inputs: `id` from the feature's id or
 * `properties.id`; `name`, `dwellSeconds`, `forecastMinutes`, `tags`, `target` from `properties`; a Point with
 * `properties.radiusMeters` becomes a Circle. Paths of later problems point into the feature.
 */
import { isRecord } from '@geopulse/contracts';

export interface FeatureInput {
  input: Record<string, unknown>;
  /** Maps a path inside the geofence input to the path inside the feature. */
  pathOf: (inputPath: string) => string;
}

export type FeatureCollectionCheck = { ok: true; inputs: FeatureInput[] } | { ok: false; message: string; issues: Array<{ index?: number; path: string; message: string }> };


export function featureCollectionToInputs(raw: unknown, maxFeatures: number): FeatureCollectionCheck {
  if (!isRecord(raw) || raw.type !== 'FeatureCollection' || !Array.isArray(raw.features)) {
    return { ok: false, message: 'expected a GeoJSON FeatureCollection', issues: [{ path: '', message: 'a {"type":"FeatureCollection","features":[...]} object' }] };
  }
  if (raw.features.length === 0 || raw.features.length > maxFeatures) {
    return { ok: false, message: `a collection holds 1 to ${maxFeatures} features`, issues: [{ path: '/features', message: `${raw.features.length} features (1 to ${maxFeatures})` }] };
  }
  const inputs: FeatureInput[] = [];
  const issues: Array<{ index: number; path: string; message: string }> = [];
  raw.features.forEach((feature: unknown, index: number) => {
    if (!isRecord(feature) || feature.type !== 'Feature' || !isRecord(feature.geometry)) {
      issues.push({ index, path: '', message: 'a GeoJSON Feature with a geometry' });
      return;
    }
    const props = isRecord(feature.properties) ? feature.properties : {};
    const id = feature.id ?? props.id;
    const input: Record<string, unknown> = { name: props.name ?? (typeof id === 'string' ? id : undefined) };
    if (id !== undefined) input.id = typeof id === 'number' ? String(id) : id;
    for (const key of ['dwellSeconds', 'forecastMinutes', 'tags', 'target'] as const) if (props[key] !== undefined) input[key] = props[key];
    const geometry = feature.geometry;
    const circle = geometry.type === 'Point' && props.radiusMeters !== undefined;
    input.geometry = circle ? { type: 'Circle', center: geometry.coordinates, radiusMeters: props.radiusMeters } : geometry;
    inputs.push({
      input,
      pathOf: (p) => {
        if (p === '/id') return feature.id !== undefined ? '/id' : '/properties/id';
        if (p.startsWith('/geometry/radiusMeters')) return '/properties/radiusMeters';
        if (p.startsWith('/geometry/center')) return p.replace('/geometry/center', '/geometry/coordinates');
        if (p.startsWith('/geometry')) return p;
        return `/properties${p}`;
      },
    });
  });
  if (issues.length > 0) return { ok: false, message: `${issues.length} problem(s) in the collection; nothing was imported`, issues };
  return { ok: true, inputs };
}

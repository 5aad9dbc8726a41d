import RBush from 'rbush';
import type { Geofence } from '@geopulse/contracts';
import { FenceShape, type Observation } from './fence-shape';
import { expandBox, type Point } from './geo-math';

/**
 * An R-tree item. A class with its fields assigned in one place gives every item the same
 * hidden class with unboxed number fields: searches run several times faster than over
 * object-spread items (measured in bench/geo).
 */
class Entry {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;

  constructor(
    readonly fence: Geofence,
    readonly shape: FenceShape,
  ) {
    this.minX = shape.box.minX;
    this.minY = shape.box.minY;
    this.maxX = shape.box.maxX;
    this.maxY = shape.box.maxY;
  }
}

export interface FenceObservation {
  fence: Geofence;
  observation: Observation;
}

interface TenantIndex {
  tree: RBush<Entry>;
  byId: Map<string, Entry>;
  /** Fences whose box reaches past ±180° (circles near the antimeridian). */
  wrapping: number;
}

interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

const wraps = (e: Entry): boolean => e.minX < -180 || e.maxX > 180;

/**
 * Candidates for a query box. A circle near the antimeridian has a box reaching past ±180°
 * (a circle at 179.99° reaches 180.03°), where a point at -179.99° is 180.01° one turn east:
 * while a tenant has such fences, the box is also looked for one turn east and west.
 */
function search(tenant: TenantIndex, box: Box): Entry[] {
  const found = tenant.tree.search(box);
  if (tenant.wrapping === 0) return found;
  const all = new Set(found);
  for (const turn of [-360, 360]) for (const e of tenant.tree.search({ ...box, minX: box.minX + turn, maxX: box.maxX + turn })) all.add(e);
  return [...all];
}

/**
 * Every tenant's fences in an R-tree of bounding boxes (rbush), with exact checks on the few
 * candidates. Updated one fence at a time (remove the old box, insert the new one), so a
 * change costs O(log n) and never rebuilds the tree; versions keep a late, older copy of a
 * fence from replacing a newer one.
 */
export class GeofenceIndex {
  private readonly tenants = new Map<string, TenantIndex>();
  private count = 0;

  /** Applies a fence unless the index holds the same or a newer version; true when applied. */
  upsert(fence: Geofence): boolean {
    const tenant = this.tenant(fence.tenantId);
    const existing = tenant.byId.get(fence.id);
    if (existing && existing.fence.version >= fence.version) return false;
    const entry = new Entry(fence, new FenceShape(fence.geometry));
    if (existing) {
      tenant.tree.remove(existing);
      if (wraps(existing)) tenant.wrapping--;
    } else this.count++;
    tenant.tree.insert(entry);
    if (wraps(entry)) tenant.wrapping++;
    tenant.byId.set(fence.id, entry);
    return true;
  }

  /** Loads many fences at once (bulk R-tree build), e.g. at start. */
  load(fences: readonly Geofence[]): void {
    const byTenant = new Map<string, Entry[]>();
    for (const fence of fences) {
      const tenant = this.tenant(fence.tenantId);
      const existing = tenant.byId.get(fence.id);
      if (existing) {
        if (existing.fence.version < fence.version) this.upsert(fence);
        continue;
      }
      const entry = new Entry(fence, new FenceShape(fence.geometry));
      tenant.byId.set(fence.id, entry);
      if (wraps(entry)) tenant.wrapping++;
      this.count++;
      const list = byTenant.get(fence.tenantId) ?? [];
      list.push(entry);
      byTenant.set(fence.tenantId, list);
    }
    for (const [tenantId, entries] of byTenant) this.tenant(tenantId).tree.load(entries);
  }

  remove(tenantId: string, fenceId: string): Geofence | undefined {
    const tenant = this.tenants.get(tenantId);
    const entry = tenant?.byId.get(fenceId);
    if (!tenant || !entry) return undefined;
    tenant.tree.remove(entry);
    tenant.byId.delete(fenceId);
    if (wraps(entry)) tenant.wrapping--;
    this.count--;
    return entry.fence;
  }

  get(tenantId: string, fenceId: string): Geofence | undefined {
    return this.tenants.get(tenantId)?.byId.get(fenceId)?.fence;
  }

  shapeOf(tenantId: string, fenceId: string): FenceShape | undefined {
    return this.tenants.get(tenantId)?.byId.get(fenceId)?.shape;
  }

  list(tenantId: string): Geofence[] {
    return [...(this.tenants.get(tenantId)?.byId.values() ?? [])].map((e) => e.fence);
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  size(): number {
    return this.count;
  }

  /** Fences that contain the point (boundary included). */
  containing(tenantId: string, p: Point): Geofence[] {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return [];
    return search(tenant, { minX: p.lon, minY: p.lat, maxX: p.lon, maxY: p.lat })
      .filter((e) => e.shape.contains(p))
      .map((e) => e.fence);
  }

  /**
   * Every fence the point is inside of or near: `inside`, or `uncertain` when its boundary
   * is within `bandMeters`. Fences not listed are `outside`.
   */
  observe(tenantId: string, p: Point, bandMeters: number): FenceObservation[] {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return [];
    const query = expandBox({ minX: p.lon, minY: p.lat, maxX: p.lon, maxY: p.lat }, bandMeters);
    const out: FenceObservation[] = [];
    for (const entry of search(tenant, query)) {
      const observation = entry.shape.observe(p, bandMeters);
      if (observation !== 'outside') out.push({ fence: entry.fence, observation });
    }
    return out;
  }

  private tenant(tenantId: string): TenantIndex {
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      tenant = { tree: new RBush<Entry>(), byId: new Map(), wrapping: 0 };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }
}

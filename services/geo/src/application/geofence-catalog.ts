import type { Geofence } from '@geopulse/contracts';
import type { FenceShape } from '../domain/fence-shape';
import { GeofenceIndex } from '../domain/geofence-index';
import type { Clock, GeofenceRepository } from './ports';

export type FenceChange = { deleted: true } | { deleted: false; fence: Geofence; shape: FenceShape };
/** Told when a fence that may have visitors changes or goes; handles its own failures. */
export type FenceChangeListener = (tenantId: string, fenceId: string, change: FenceChange) => void;

const keyOf = (tenantId: string, id: string) => `${tenantId}:${id}`;

/**
 * This replica's copy of every tenant's fences. Three feeds keep it current:
 * - the table at start (`load`), before any reading is evaluated;
 * - the compacted topic, read in full by every replica (`applyChanged`, `applyTombstone`):
 *   the fast path, within a second;
 * - the table again every GEO_RECONCILE_SECONDS (`reconcile`): repairs a change whose
 *   publish failed after the table write (the dual write), or a tombstone compacted away.
 * The table is the truth: a tombstone removes a fence only if the table no longer has it,
 * so replaying the topic from the beginning never removes a fence that was re-created.
 */
export class GeofenceCatalog {
  readonly index = new GeofenceIndex();
  private readonly appliedAt = new Map<string, number>();
  private readonly removedAt = new Map<string, number>();
  private readonly listeners: FenceChangeListener[] = [];
  private loadedAt?: number;

  constructor(
    private readonly repository: GeofenceRepository,
    private readonly clock: Clock,
  ) {}

  onChange(listener: FenceChangeListener): void {
    this.listeners.push(listener);
  }

  loaded(): boolean {
    return this.loadedAt !== undefined;
  }

  async load(): Promise<number> {
    const started = this.clock();
    const fences = await this.repository.scanAll();
    this.index.load(fences);
    for (const f of fences) this.appliedAt.set(keyOf(f.tenantId, f.id), started);
    this.loadedAt = started;
    return fences.length;
  }

  /** A fence from the topic or the API; ignored unless newer than what the index holds. */
  applyChanged(fence: Geofence): boolean {
    const existed = this.index.get(fence.tenantId, fence.id) !== undefined;
    const applied = this.index.upsert(fence);
    if (applied) {
      this.appliedAt.set(keyOf(fence.tenantId, fence.id), this.clock());
      this.removedAt.delete(keyOf(fence.tenantId, fence.id));
      const shape = this.index.shapeOf(fence.tenantId, fence.id)!;
      if (existed) for (const listener of this.listeners) listener(fence.tenantId, fence.id, { deleted: false, fence, shape });
    }
    return applied;
  }

  /** A tombstone (or an API delete): removes the fence unless the table has it again. */
  async applyTombstone(tenantId: string, id: string): Promise<boolean> {
    if (!this.index.get(tenantId, id)) return false;
    if (await this.repository.get(tenantId, id)) return false;
    return this.remove(tenantId, id);
  }

  /** Makes the index equal to the table, without undoing changes applied while it was being read. */
  async reconcile(): Promise<{ upserted: number; removed: number }> {
    const started = this.clock();
    const fences = await this.repository.scanAll();
    let upserted = 0;
    let removed = 0;
    const seen = new Set<string>();
    for (const fence of fences) {
      const key = keyOf(fence.tenantId, fence.id);
      seen.add(key);
      // Deleted after the scan began: the scan may have read it before the delete.
      if ((this.removedAt.get(key) ?? -Infinity) >= started) continue;
      if (this.applyChanged(fence)) upserted++;
    }
    for (const tenantId of this.index.tenantIds()) {
      for (const fence of this.index.list(tenantId)) {
        const key = keyOf(tenantId, fence.id);
        // Applied after the scan began: the scan may have missed it.
        if (seen.has(key) || (this.appliedAt.get(key) ?? Infinity) >= started) continue;
        if (this.remove(tenantId, fence.id)) removed++;
      }
    }
    for (const [key, at] of this.removedAt) if (at < started - 3_600_000) this.removedAt.delete(key);
    return { upserted, removed };
  }

  private remove(tenantId: string, id: string): boolean {
    const fence = this.index.remove(tenantId, id);
    if (!fence) return false;
    this.appliedAt.delete(keyOf(tenantId, id));
    this.removedAt.set(keyOf(tenantId, id), this.clock());
    for (const listener of this.listeners) listener(tenantId, fence.id, { deleted: true });
    return true;
  }
}

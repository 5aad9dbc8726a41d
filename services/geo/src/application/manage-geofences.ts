import { tenantLimitMessage, type Geofence, type GeofenceInput } from '@geopulse/contracts';
import { validateGeofence, type GeofenceLimits } from '../domain/geofence';
import { featureCollectionToInputs } from '../domain/feature-collection';
import { GeofenceError } from '../domain/geofence-error';
import type { GeofenceCatalog } from './geofence-catalog';
import type { Clock, GeofenceChangePublisher, GeofenceRepository } from './ports';

export interface ManageGeofencesOptions {
  limits: GeofenceLimits;
  maxImportFeatures: number;
  /** Fences one tenant may have (GEO_MAX_FENCES_PER_TENANT); default no limit. */
  maxPerTenant?: number;
  newId: () => string;
  /** Called when the table write succeeded but the topic did not take the change (reconcile repairs it). */
  onPublishFailure: (err: Error) => void;
}

/**
 * Geofence CRUD: the table first (the truth, conditional on the version read), then the
 * compacted topic (every replica applies it within a second), and this replica's index at
 * once so that a read after a write answers with it. If the publish fails the change is
 * still stored; every replica picks it up at its next reconcile.
 */
export class ManageGeofences {
  constructor(
    private readonly repository: GeofenceRepository,
    private readonly publisher: GeofenceChangePublisher,
    private readonly catalog: GeofenceCatalog,
    private readonly clock: Clock,
    private readonly options: ManageGeofencesOptions,
  ) {}

  /** `actor` is the `sub` of the operator token, recorded as createdBy/updatedBy. */
  async create(tenantId: string, raw: unknown, actor: string): Promise<Geofence> {
    const input = this.validate(raw);
    if (await this.repository.get(tenantId, input.id)) throw new GeofenceError('GEOFENCE_EXISTS', `geofence ${input.id} exists; PUT /v1/geofences/${input.id} replaces it`);
    await this.checkRoomFor(tenantId, 1);
    return this.write(tenantId, input, undefined, actor);
  }

  /** Creates or replaces the fence at `id`. */
  async replace(tenantId: string, id: string, raw: unknown, actor: string): Promise<{ fence: Geofence; created: boolean }> {
    const input = this.validate(raw, id);
    const previous = await this.repository.get(tenantId, id);
    if (!previous) await this.checkRoomFor(tenantId, 1);
    return { fence: await this.write(tenantId, input, previous, actor), created: !previous };
  }

  async get(tenantId: string, id: string): Promise<Geofence> {
    const fence = await this.repository.get(tenantId, id);
    if (!fence) throw new GeofenceError('GEOFENCE_NOT_FOUND', `no geofence ${id}`);
    return fence;
  }

  list(tenantId: string): Promise<Geofence[]> {
    return this.repository.list(tenantId);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.repository.delete(tenantId, id))) throw new GeofenceError('GEOFENCE_NOT_FOUND', `no geofence ${id}`);
    await this.publisher.deleted(tenantId, id).catch((err: Error) => this.options.onPublishFailure(err));
    await this.catalog.applyTombstone(tenantId, id);
  }

  /**
   * A GeoJSON FeatureCollection, all or nothing: every feature is validated first and every
   * problem reported with the feature's index; then each fence is created or replaced.
   */
  async import(tenantId: string, raw: unknown, actor: string): Promise<{ imported: number; ids: string[] }> {
    const parsed = featureCollectionToInputs(raw, this.options.maxImportFeatures);
    if (!parsed.ok) throw new GeofenceError('INVALID_GEOFENCE', parsed.message, parsed.issues);
    const issues: Array<{ index: number; path: string; message: string }> = [];
    const inputs: Array<GeofenceInput & { id: string }> = [];
    const seen = new Set<string>();
    parsed.inputs.forEach((candidate, index) => {
      const check = validateGeofence(candidate.input, { newId: this.options.newId, limits: this.options.limits });
      if (!check.ok) {
        issues.push(...check.issues.map((i) => ({ index, path: candidate.pathOf(i.path), message: i.message })));
        return;
      }
      if (seen.has(check.input.id)) issues.push({ index, path: '/id', message: `duplicate id ${check.input.id} in the collection` });
      seen.add(check.input.id);
      inputs.push(check.input);
    });
    if (issues.length > 0) throw new GeofenceError('INVALID_GEOFENCE', `${issues.length} problem(s) in the collection; nothing was imported`, issues);
    const existing = new Set((await this.repository.list(tenantId)).map((f) => f.id));
    await this.checkRoomFor(tenantId, inputs.filter((input) => !existing.has(input.id)).length, existing.size);
    const fences: Geofence[] = [];
    for (let i = 0; i < inputs.length; i += 25) {
      const chunk = inputs.slice(i, i + 25);
      const previous = await Promise.all(chunk.map((input) => this.repository.get(tenantId, input.id)));
      fences.push(...(await Promise.all(chunk.map((input, j) => this.store(tenantId, input, previous[j], actor)))));
    }
    await this.publish(fences);
    return { imported: fences.length, ids: fences.map((f) => f.id) };
  }

  /** A 409 naming the limit when `adding` new fences would take the tenant past it (counted before the write: concurrent creates may pass it by as many as run at once). */
  private async checkRoomFor(tenantId: string, adding: number, current?: number): Promise<void> {
    const max = this.options.maxPerTenant;
    if (max === undefined || adding === 0) return;
    const count = current ?? (await this.repository.list(tenantId)).length;
    if (count + adding > max) throw new GeofenceError('TENANT_LIMIT_REACHED', tenantLimitMessage('geofences', max, 'GEO_MAX_FENCES_PER_TENANT'));
  }

  private validate(raw: unknown, id?: string): GeofenceInput & { id: string } {
    const check = validateGeofence(raw, { id, newId: this.options.newId, limits: this.options.limits });
    if (!check.ok) throw new GeofenceError('INVALID_GEOFENCE', `${check.issues.length} problem(s) in the geofence`, check.issues);
    return check.input;
  }

  private async write(tenantId: string, input: GeofenceInput & { id: string }, previous: Geofence | undefined, actor: string): Promise<Geofence> {
    const fence = await this.store(tenantId, input, previous, actor);
    await this.publish([fence]);
    return fence;
  }

  private async store(tenantId: string, input: GeofenceInput & { id: string }, previous: Geofence | undefined, actor: string): Promise<Geofence> {
    const now = this.clock();
    const fence: Geofence = {
      ...input,
      tenantId,
      // Monotonic across delete and re-create too, so replicas can always keep the newest.
      version: Math.max((previous?.version ?? 0) + 1, now),
      createdAt: previous?.createdAt ?? new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
      // A replaced fence keeps its creator; one re-created after a delete is new.
      createdBy: previous ? previous.createdBy : actor,
      updatedBy: actor,
    };
    await this.repository.put(fence, previous ? previous.version : null);
    return fence;
  }

  private async publish(fences: Geofence[]): Promise<void> {
    await this.publisher.changed(fences).catch((err: Error) => this.options.onPublishFailure(err));
    for (const fence of fences) this.catalog.applyChanged(fence);
  }
}

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '@geopulse/dynamo';
import { metric, type ComponentLogger } from '@geopulse/observability';
import { Gate, retryStartUp } from '@geopulse/service-runtime';
import type { ReconsiderVisitors } from '../application/reconsider-visitors';
import type { FireDwells } from '../application/fire-dwells';
import type { GeofenceCatalog } from '../application/geofence-catalog';
import type { SerialQueue } from '../application/serial-queue';
import type { GeoSettings } from '../config';
import { geofenceTable } from './dynamo/geofence.repository';
import { transitionLogTable } from './dynamo/transition-log.repository';
import type { FenceReplay } from './kafka/geofence-changes.consumer';

const indexSize = metric.gauge('geopulse_geo_index_fences', 'Geofences in this replica’s spatial index');
const dwellScans = metric.counter('geopulse_geo_dwell_scans_total', 'Completed scans of this replica for due DWELL timers');
const reconciled = metric.counter('geopulse_geo_reconcile_changes_total', 'Fence changes the periodic table reconcile applied (missed by the topic)', ['kind']);

/** The start-up steps the geo consumers wait for (the transport's `startAfter`). */
export class GeoStartUp {
  /** Every fence of the table is in the index: the fence topic consumer may start. */
  readonly loaded = new Gate();
  /** The fence topic is applied to its end: the telemetry consumer may start. */
  readonly replayed = new Gate();
}

/**
 * Start order matters: the table is ensured and every fence loaded before any reading is
 * evaluated (an empty index would close every visit); then the broadcast fence consumer
 * replays the topic to its current end; only then the telemetry consumer, the DWELL timer
 * scan of owned partitions and the periodic reconcile start.
 * Runs in the background with bounded backoff, so the service starts and reports not-ready.
 */
export class GeoRuntime {
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private started?: Promise<void>;
  private scanning = false;

  constructor(
    private readonly deps: {
      dynamo: DynamoDBClient;
      tablePrefix: string;
      settings: GeoSettings;
      catalog: GeofenceCatalog;
      startUp: GeoStartUp;
      replay: FenceReplay;
      /** Telemetry partitions this replica owns now (their DWELL timers are its job). */
      ownedPartitions: () => number[];
      fireDwells: FireDwells;
      reconsiderVisitors: ReconsiderVisitors;
      queue: SerialQueue;
      log: ComponentLogger;
    },
  ) {
    const { catalog, queue, ownedPartitions, reconsiderVisitors, log } = deps;
    catalog.onChange((tenantId, fenceId, change) =>
      void queue
        .run(() => reconsiderVisitors.execute(tenantId, fenceId, change, ownedPartitions()))
        .then((exits) => {
          if (exits.length > 0) log.info('closed visits of a changed or deleted fence', { tenantId, geofenceId: fenceId, exits: exits.length });
        })
        // The next reading (or DWELL timer) of each device answers instead.
        .catch((err: Error) => log.warn('could not re-judge the visitors of a changed fence now', { tenantId, geofenceId: fenceId, error: err.message })),
    );
  }

  ready(): { ok: boolean; error?: string } {
    if (!this.deps.catalog.loaded()) return { ok: false, error: 'geofences not loaded yet' };
    if (!this.deps.startUp.replayed.isOpened) return { ok: false, error: 'geofence topic not replayed yet' };
    return { ok: true };
  }

  /** Nest lifecycle: after the platform provisioned topics and connected the producer. */
  onApplicationBootstrap(): void {
    this.started ??= this.run();
  }

  private async run(): Promise<void> {
    const { dynamo, tablePrefix, settings, catalog, log, startUp } = this.deps;
    const stopped = (): boolean => this.stopped;
    const loaded = await retryStartUp(log, 'could not load geofences', async () => {
      await ensureTable(dynamo, geofenceTable(tablePrefix));
      await ensureTable(dynamo, transitionLogTable(tablePrefix));
      log.info('geofences loaded', { fences: await catalog.load() });
    }, stopped);
    if (!loaded) return;
    indexSize.set(catalog.index.size());
    startUp.loaded.open();
    const replayed = await retryStartUp(log, 'could not read the geofence topic end', async () => {
      if (!(await this.deps.replay.caughtUp(60_000))) log.warn('geofence topic not replayed within 60 s; evaluating readings anyway');
    }, stopped);
    if (!replayed) return;
    startUp.replayed.open();
    this.timers.push(setInterval(() => void this.scanDwells(), settings.dwellScanMs));
    this.timers.push(setInterval(() => void this.reconcile(), settings.reconcileMs));
    this.timers.push(setInterval(() => indexSize.set(catalog.index.size()), 1000));
  }

  private async scanDwells(): Promise<void> {
    if (this.scanning || this.stopped) return;
    this.scanning = true;
    try {
      const { queue, fireDwells, ownedPartitions } = this.deps;
      const fired = await queue.run(() => fireDwells.execute(ownedPartitions()));
      if (fired.length > 0) this.deps.log.debug('dwell timers fired', { transitions: fired.length });
      dwellScans.inc();
    } catch (err) {
      this.deps.log.warn('dwell timer scan failed; retrying at the next tick', { error: (err as Error).message });
    } finally {
      this.scanning = false;
    }
  }

  private async reconcile(): Promise<void> {
    try {
      const { upserted, removed } = await this.deps.catalog.reconcile();
      if (upserted > 0) reconciled.inc({ kind: 'upserted' }, upserted);
      if (removed > 0) reconciled.inc({ kind: 'removed' }, removed);
      if (upserted + removed > 0) this.deps.log.warn('reconcile applied changes the topic had not delivered', { upserted, removed });
    } catch (err) {
      this.deps.log.warn('reconcile failed; retrying at the next tick', { error: (err as Error).message });
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.started;
  }
}

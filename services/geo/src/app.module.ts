import { randomUUID } from 'node:crypto';
import type { DynamicModule } from '@nestjs/common';
import { topicName } from '@geopulse/contracts';
import { createDynamoClients, pingDynamo } from '@geopulse/dynamo';
import { broadcastGroupId, EventProducer } from '@geopulse/kafka';
import type { JsonLogger } from '@geopulse/observability';
import type { RedisClient } from '@geopulse/redis';
import { KafkaConsumers, PlatformModule, REDIS } from '@geopulse/service-runtime';
import { DEFAULT_GEOFENCE_LIMITS } from './domain/geofence';
import { EvaluatePositions } from './application/evaluate-positions';
import { ReconsiderVisitors } from './application/reconsider-visitors';
import { FireDwells } from './application/fire-dwells';
import { GeofenceCatalog } from './application/geofence-catalog';
import { ManageGeofences } from './application/manage-geofences';
import type { Clock, MembershipStore, TransitionLog, TransitionPublisher } from './application/ports';
import { ForecastGeofences } from './application/forecast-geofences';
import { RecordingTransitionPublisher } from './application/recording-publisher';
import { ReportZoneDays } from './application/report-zone-days';
import { DEFAULT_FORECAST_SETTINGS } from './domain/forecast';
import { SerialQueue } from './application/serial-queue';
import { CLOCK, MEMBERSHIP_STORE, TRANSITION_LOG, TRANSITION_PUBLISHER } from './application/tokens';
import { DynamoGeofenceRepository } from './adapters/dynamo/geofence.repository';
import { DynamoTransitionLog } from './adapters/dynamo/transition-log.repository';
import { GeofenceAnalyticsController } from './adapters/http/geofence-analytics.controller';
import { GeoRuntime, GeoStartUp } from './adapters/geo-runtime';
import { DeviceGeofencesController } from './adapters/http/device-geofences.controller';
import { GeofencesController } from './adapters/http/geofences.controller';
import { FENCES_CONSUMER, FenceReplay, GeofenceChangesConsumer } from './adapters/kafka/geofence-changes.consumer';
import { KafkaGeofenceChangePublisher } from './adapters/kafka/geofence-changes.publisher';
import { GEO_GROUP_ID, ReadingsConsumer, TELEMETRY_CONSUMER } from './adapters/kafka/readings.consumer';
import { KafkaTransitionPublisher } from './adapters/kafka/transitions.publisher';
import { KafkaApproachPublisher } from './adapters/kafka/approaches.publisher';
import { RedisMembershipStore } from './adapters/redis/membership.store';
import type { GeoConfig } from './config';


export function geoModule(config: GeoConfig, logger: JsonLogger): DynamicModule {
  const dynamo = createDynamoClients(config.dynamo);
  const repository = new DynamoGeofenceRepository(dynamo.doc, config.dynamo.tablePrefix);
  const clock: Clock = () => Date.now();
  const catalog = new GeofenceCatalog(repository, clock);
  const log = logger.child('geo');
  const startUp = new GeoStartUp();
  const forecastSettings = { ...DEFAULT_FORECAST_SETTINGS, idleSpeedMps: config.geo.forecast.idleSpeedMps, trackWindowMs: config.geo.forecast.trackWindowMs };
  const transitionLog = new DynamoTransitionLog(dynamo.doc, config.dynamo.tablePrefix, config.geo.report.retentionMs);
  const telemetryTopic = topicName('telemetry', config.kafka.topicPrefix);
  return PlatformModule.register({
    service: 'geo',
    logger,
    kafka: config.kafka,
    auth: config.auth,
    redisUrl: config.redisUrl,
    controllers: [GeofenceAnalyticsController, GeofencesController, DeviceGeofencesController, GeofenceChangesConsumer, ReadingsConsumer],
    consumers: {
      useFactory: () => ({
        [FENCES_CONSUMER]: { groupId: broadcastGroupId('geopulse-geo-fences'), fromBeginning: true, startAfter: () => startUp.loaded.opened },
        [TELEMETRY_CONSUMER]: { groupId: GEO_GROUP_ID, startAfter: () => startUp.replayed.opened },
      }),
    },
    providers: [
      { provide: CLOCK, useValue: clock },
      { provide: SerialQueue, useValue: new SerialQueue() },
      FenceReplay,
      { provide: GeofenceCatalog, useValue: catalog },
      { provide: MEMBERSHIP_STORE, inject: [REDIS], useFactory: (redis: RedisClient) => new RedisMembershipStore(redis, telemetryTopic) },
      { provide: TRANSITION_LOG, useValue: transitionLog },
      { provide: TRANSITION_PUBLISHER, inject: [EventProducer], useFactory: (producer: EventProducer) => new RecordingTransitionPublisher(transitionLog, new KafkaTransitionPublisher(producer)) },
      {
        provide: ForecastGeofences,
        inject: [MEMBERSHIP_STORE],
        useFactory: (store: MembershipStore) =>
          new ForecastGeofences(catalog, store, config.geo.forecast, forecastSettings),
      },
      {
        provide: ReportZoneDays,
        inject: [TRANSITION_LOG, MEMBERSHIP_STORE],
        useFactory: (log: TransitionLog, store: MembershipStore) => new ReportZoneDays(catalog, log, store, config.geo.report, clock),
      },
      {
        provide: ManageGeofences,
        inject: [EventProducer],
        useFactory: (producer: EventProducer) =>
          new ManageGeofences(repository, new KafkaGeofenceChangePublisher(producer), catalog, clock, {
            limits: { ...DEFAULT_GEOFENCE_LIMITS, maxVertices: config.geo.maxVertices, maxForecastMinutes: config.geo.forecast.maxHorizonMinutes },
            maxImportFeatures: config.geo.maxImportFeatures,
            maxPerTenant: config.geo.maxFencesPerTenant,
            newId: () => randomUUID(),
            onPublishFailure: (err) => log.warn('geofence stored but not published; replicas apply it at their next reconcile', { error: err.message }),
          }),
      },
      {
        provide: EvaluatePositions,
        inject: [MEMBERSHIP_STORE, TRANSITION_PUBLISHER, EventProducer],
        useFactory: (store: MembershipStore, publisher: TransitionPublisher, producer: EventProducer) =>
          new EvaluatePositions(catalog, store, publisher, config.geo.minHysteresisMeters, clock, { publisher: new KafkaApproachPublisher(producer), settings: forecastSettings }),
      },
      {
        provide: GeoRuntime,
        inject: [KafkaConsumers, FenceReplay, MEMBERSHIP_STORE, TRANSITION_PUBLISHER, SerialQueue],
        useFactory: (consumers: KafkaConsumers, replay: FenceReplay, store: MembershipStore, publisher: TransitionPublisher, queue: SerialQueue) =>
          new GeoRuntime({
            dynamo: dynamo.client,
            tablePrefix: config.dynamo.tablePrefix,
            settings: config.geo,
            catalog,
            startUp,
            replay,
            ownedPartitions: () => [...(consumers.assignment(TELEMETRY_CONSUMER).get(telemetryTopic) ?? [])],
            fireDwells: new FireDwells(catalog, store, publisher, clock),
            reconsiderVisitors: new ReconsiderVisitors(store, publisher, clock, config.geo.minHysteresisMeters),
            queue,
            log,
          }),
      },
    ],
    readiness: {
      inject: [GeoRuntime],
      useFactory: (runtime: GeoRuntime) => [
        { name: 'dynamodb', check: () => pingDynamo(dynamo.client) },
        { name: 'geo', check: async () => runtime.ready() },
      ],
    },
  });
}

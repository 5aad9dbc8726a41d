import type { MetricValue, Position } from '@geopulse/contracts';
import { CENTRAL_AMSTERDAM, type BoundingBox } from './geo-math';
import { Random } from './random';
import { spawnThermostat, stepThermostat, thermostatReading, type ThermostatState } from './thermostat';
import { spawnVehicle, stepVehicle, vehicleReading, type VehicleState } from './vehicle';

export interface FeedOptions {
  vehicles: number;
  thermostats: number;
  seed: number;
  /** Model time of the first tick, epoch ms. */
  startMs: number;
  box?: BoundingBox;
}

/** A reading as the simulator posts it (ingest assigns the id). */
export interface SimulatedReading {
  deviceId: string;
  ts: string;
  position: Position;
  metrics: Record<string, MetricValue>;
}

/** The model is integrated in steps of at most this (ms), however far apart ticks are. */
const MAX_STEP_MS = 1000;
/** After a long pause (suspended laptop, long backoff) the model catches up at most this much. */
const MAX_CATCH_UP_MS = 5 * 60_000;

/**
 * The sample fleet: `vehicle-1..N` driving around the box and `thermostat-1..M` at fixed
 * addresses. No I/O and no clock: time comes in with each tick, randomness from the seed, so
 * the same seed and tick times give the same readings.
 */
export class DeviceFeed {
  readonly box: BoundingBox;
  private readonly random: Random;
  private lastMs: number;
  private vehicleStates: VehicleState[];
  private thermostatStates: ThermostatState[];

  constructor(options: FeedOptions) {
    this.box = options.box ?? CENTRAL_AMSTERDAM;
    this.random = new Random(options.seed);
    this.lastMs = options.startMs;
    this.vehicleStates = Array.from({ length: options.vehicles }, (_, i) => spawnVehicle(`vehicle-${i + 1}`, this.box, this.random));
    this.thermostatStates = Array.from({ length: options.thermostats }, (_, i) =>
      spawnThermostat(`thermostat-${i + 1}`, this.box, this.random),
    );
  }

  get vehicles(): readonly VehicleState[] {
    return this.vehicleStates;
  }

  get thermostats(): readonly ThermostatState[] {
    return this.thermostatStates;
  }

  get size(): number {
    return this.vehicleStates.length + this.thermostatStates.length;
  }

  /** Advances the model to `nowMs` and returns one reading per device, stamped `nowMs`. */
  tick(nowMs: number): SimulatedReading[] {
    this.advanceTo(nowMs);
    const ts = new Date(nowMs).toISOString();
    return [
      ...this.vehicleStates.map((v) => ({ deviceId: v.deviceId, ts, ...vehicleReading(v, this.box, this.random) })),
      ...this.thermostatStates.map((t) => ({ deviceId: t.deviceId, ts, ...thermostatReading(t, this.random) })),
    ];
  }

  private advanceTo(nowMs: number): void {
    let remaining = Math.min(Math.max(0, nowMs - this.lastMs), MAX_CATCH_UP_MS);
    this.lastMs = Math.max(this.lastMs, nowMs);
    while (remaining > 0) {
      const dt = Math.min(remaining, MAX_STEP_MS) / 1000;
      this.vehicleStates = this.vehicleStates.map((v) => stepVehicle(v, dt, this.box, this.random));
      this.thermostatStates = this.thermostatStates.map((t) => stepThermostat(t, dt, this.random));
      remaining -= MAX_STEP_MS;
    }
  }
}

import type { MetricValue, Position } from '@geopulse/contracts';
import { randomPointIn, type BoundingBox, type LatLon } from './geo-math';
import type { Random } from './random';

/**
 * An office thermostat at a fixed address. Temperatures are in °F, as in the contract's
 * example rule (`temperature < 50 && occupancy == true`): the room follows its setpoint (68 in
 * `heat` mode while occupied, 60 in `eco` once empty for a while) with slow drift and sensor
 * noise; now and then the heating fails for a few minutes and the room cools towards the
 * November outside temperature, often below 50, until it recovers.
 */
export type ThermostatMode = 'heat' | 'eco';

export interface ThermostatState {
  deviceId: string;
  lat: number;
  lon: number;
  /** True room temperature, °F (readings add sensor noise). */
  temperature: number;
  occupancy: boolean;
  mode: ThermostatMode;
  /** Seconds the room has been empty (drives the switch to eco). */
  emptyFor: number;
  /** Seconds left of a heating failure; 0 when the heating works. */
  failureFor: number;
}

export const SETPOINT: Record<ThermostatMode, number> = { heat: 68, eco: 60 };
export const OUTSIDE_TEMPERATURE = 41;
/** The room closes 1 - 1/e of the gap to its target in this many seconds. */
const ROOM_TIME_CONSTANT_S = 180;
const DRIFT_PER_SQRT_S = 0.05;
const SENSOR_NOISE = 0.2;
const ECO_AFTER_EMPTY_S = 120;

const MEAN_SECONDS = {
  occupied: 600,
  empty: 300,
  betweenFailures: 1500,
};

export function spawnThermostat(deviceId: string, box: BoundingBox, random: Random): ThermostatState {
  const at: LatLon = randomPointIn(box, () => random.next(), 50);
  const occupancy = random.chance(0.6);
  const mode: ThermostatMode = occupancy ? 'heat' : 'eco';
  return {
    deviceId,
    lat: at.lat,
    lon: at.lon,
    temperature: SETPOINT[mode] + random.normal(0, 1),
    occupancy,
    mode,
    emptyFor: occupancy ? 0 : ECO_AFTER_EMPTY_S,
    failureFor: 0,
  };
}

/** Advances one thermostat by dt seconds. */
export function stepThermostat(t: ThermostatState, dt: number, random: Random): ThermostatState {
  const occupancy = random.happensWithin(dt, t.occupancy ? MEAN_SECONDS.occupied : MEAN_SECONDS.empty) ? !t.occupancy : t.occupancy;
  const emptyFor = occupancy ? 0 : t.emptyFor + dt;
  const mode: ThermostatMode = occupancy ? 'heat' : emptyFor >= ECO_AFTER_EMPTY_S ? 'eco' : t.mode;

  let failureFor = Math.max(0, t.failureFor - dt);
  if (failureFor === 0 && t.failureFor === 0 && random.happensWithin(dt, MEAN_SECONDS.betweenFailures)) {
    failureFor = random.between(180, 600);
  }
  const target = failureFor > 0 ? OUTSIDE_TEMPERATURE : SETPOINT[mode];
  // Exact decay towards the target over dt (stable for any dt), plus a random-walk drift.
  const temperature =
    target + (t.temperature - target) * Math.exp(-dt / ROOM_TIME_CONSTANT_S) + random.normal(0, DRIFT_PER_SQRT_S * Math.sqrt(dt));
  return { ...t, temperature, occupancy, mode, emptyFor, failureFor };
}

export function thermostatReading(t: ThermostatState, random: Random): { position: Position; metrics: Record<string, MetricValue> } {
  return {
    position: { lat: Number(t.lat.toFixed(6)), lon: Number(t.lon.toFixed(6)), accuracy: 5 },
    metrics: {
      temperature: Number((t.temperature + random.normal(0, SENSOR_NOISE)).toFixed(1)),
      occupancy: t.occupancy,
      mode: t.mode,
    },
  };
}

import type { MetricValue, Position } from '@geopulse/contracts';
import { bearing, center, clampTo, contains, moveBy, normalizeHeading, offsetBy, randomPointIn, type BoundingBox } from './geo-math';
import type { Random } from './random';

/**
 * A delivery vehicle in city traffic: cruises at a per-vehicle speed up to the 50 km/h limit,
 * turns at corners, waits at lights, parks now and then with the engine off, burns fuel with
 * distance (and a little idling) and refuels when low. It never leaves the bounding box: at the
 * edge it turns back towards the centre.
 */
export type VehicleActivity =
  | 'driving'
  /** Standing at a light, engine on. */
  | 'waiting'
  /** Braking to park (or to refuel when the tank is low). */
  | 'pulling-over'
  /** Engine off. */
  | 'parked';

export interface VehicleState {
  deviceId: string;
  lat: number;
  lon: number;
  /** Compass degrees, [0, 360). */
  heading: number;
  /** m/s */
  speed: number;
  /** The speed this driver settles at on a free road, m/s. */
  cruiseSpeed: number;
  /** Percent of the tank. */
  fuel: number;
  activity: VehicleActivity;
  /** Seconds left waiting or parked. */
  secondsLeft: number;
}

/** 50 km/h, the urban limit: cruise speeds stay at or below it. */
export const CITY_SPEED_LIMIT = 50 / 3.6;
/** Nothing in the model goes faster than this (m/s): a driver a little over the limit. */
export const MAX_SPEED = 60 / 3.6;
const ACCELERATION = 2.0; // m/s²
const DECELERATION = 3.5; // m/s²
const EDGE_MARGIN_M = 30;
const TANK_LITERS = 55;
const LITERS_PER_METER = 8 / 100_000; // 8 l / 100 km in town
const IDLE_LITERS_PER_SECOND = 0.8 / 3600;
const REFUEL_BELOW = 8;

const MEAN_SECONDS_BETWEEN = {
  corner: 25,
  light: 60,
  park: 420,
  newCruiseSpeed: 90,
};

export const engineOn = (v: VehicleState): boolean => v.activity !== 'parked';

export function spawnVehicle(deviceId: string, box: BoundingBox, random: Random): VehicleState {
  const at = randomPointIn(box, () => random.next(), 100);
  const cruiseSpeed = random.between(6, CITY_SPEED_LIMIT);
  return {
    deviceId,
    ...at,
    heading: normalizeHeading(random.integer(0, 3) * 90 + random.normal(0, 8)),
    speed: random.between(0, cruiseSpeed),
    cruiseSpeed,
    fuel: random.between(25, 95),
    activity: 'driving',
    secondsLeft: 0,
  };
}

function approach(speed: number, target: number, dt: number): number {
  if (target > speed) return Math.min(target, speed + ACCELERATION * dt);
  return Math.max(target, speed - DECELERATION * dt);
}

/** What the driver does next: finishes a wait, or decides to stop, park or refuel. */
function nextActivity(v: VehicleState, dt: number, random: Random): Pick<VehicleState, 'activity' | 'secondsLeft'> {
  const secondsLeft = Math.max(0, v.secondsLeft - dt);
  switch (v.activity) {
    case 'parked':
    case 'waiting':
      return secondsLeft > 0 ? { activity: v.activity, secondsLeft } : { activity: 'driving', secondsLeft: 0 };
    case 'pulling-over':
      return { activity: 'pulling-over', secondsLeft: 0 };
    case 'driving':
      if (v.fuel < REFUEL_BELOW || random.happensWithin(dt, MEAN_SECONDS_BETWEEN.park)) return { activity: 'pulling-over', secondsLeft: 0 };
      if (random.happensWithin(dt, MEAN_SECONDS_BETWEEN.light)) return { activity: 'waiting', secondsLeft: random.between(8, 45) };
      return { activity: 'driving', secondsLeft: 0 };
  }
}

/** Advances one vehicle by dt seconds (keep dt at or below a second for smooth turns at the edge). */
export function stepVehicle(v: VehicleState, dt: number, box: BoundingBox, random: Random): VehicleState {
  const { activity, secondsLeft } = nextActivity(v, dt, random);
  if (activity === 'parked') return { ...v, speed: 0, activity, secondsLeft };
  if (v.activity === 'parked') {
    // Engine starts: off in another direction, at another pace.
    return {
      ...v,
      heading: normalizeHeading(v.heading + random.integer(-1, 2) * 90),
      cruiseSpeed: random.between(6, CITY_SPEED_LIMIT),
      activity,
      secondsLeft,
    };
  }

  let { heading, cruiseSpeed } = v;
  if (random.happensWithin(dt, MEAN_SECONDS_BETWEEN.newCruiseSpeed)) cruiseSpeed = random.between(6, CITY_SPEED_LIMIT);
  const target = activity === 'driving' ? Math.min(MAX_SPEED, Math.max(0, cruiseSpeed + random.normal(0, 0.8))) : 0;
  const speed = approach(v.speed, target, dt);

  if (speed > 1) {
    if (random.happensWithin(dt, MEAN_SECONDS_BETWEEN.corner)) heading += random.chance(0.5) ? 90 : -90;
    heading += random.normal(0, 4 * Math.sqrt(dt));
  }
  heading = normalizeHeading(heading);

  const meters = ((v.speed + speed) / 2) * dt;
  let next = moveBy(v, heading, meters);
  if (!contains(shrink(box, EDGE_MARGIN_M), next)) {
    // A street back into town: head for the centre, give or take, and stay inside the box.
    heading = normalizeHeading(bearing(next, center(box)) + random.normal(0, 25));
    next = clampTo(box, next);
  }
  const fuel = Math.max(0, v.fuel - ((meters * LITERS_PER_METER + dt * IDLE_LITERS_PER_SECOND) / TANK_LITERS) * 100);

  if (activity === 'pulling-over' && speed === 0) {
    // Stopped: at the pump when the tank was low (filled while it stands there), else parked for a while.
    const refuel = fuel < REFUEL_BELOW;
    return {
      ...v,
      ...next,
      heading,
      speed: 0,
      cruiseSpeed,
      fuel: refuel ? 100 : fuel,
      activity: 'parked',
      secondsLeft: refuel ? random.between(120, 300) : random.between(30, 240),
    };
  }
  return { ...v, ...next, heading, speed, cruiseSpeed, fuel, activity, secondsLeft };
}

function shrink(box: BoundingBox, meters: number): BoundingBox {
  const lower = moveBy(moveBy({ lat: box.minLat, lon: box.minLon }, 0, meters), 90, meters);
  const upper = moveBy(moveBy({ lat: box.maxLat, lon: box.maxLon }, 180, meters), 270, meters);
  return { minLat: lower.lat, minLon: lower.lon, maxLat: upper.lat, maxLon: upper.lon };
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * What the vehicle's GPS and CAN bus report: the true position plus GPS noise of about the
 * reported accuracy (worse now and then, as between tall buildings), kept inside the box.
 */
export function vehicleReading(v: VehicleState, box: BoundingBox, random: Random): { position: Position; metrics: Record<string, MetricValue> } {
  const accuracy = random.chance(0.05) ? random.between(15, 35) : random.between(3, 12);
  const noisy = clampTo(box, offsetBy(v, random.normal(0, accuracy / 2), random.normal(0, accuracy / 2)));
  return {
    position: {
      lat: round(noisy.lat, 6),
      lon: round(noisy.lon, 6),
      accuracy: round(accuracy, 1),
      speed: round(v.speed, 1),
      heading: normalizeHeading(Math.round(v.heading)),
    },
    metrics: { fuel: round(v.fuel, 1), engineOn: engineOn(v) },
  };
}

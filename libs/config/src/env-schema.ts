/**
 * Typed, validated environment configuration. A service declares a spec of variables; the
 * loader parses all of them and reports every problem at once, one line per variable.
 */

export type EnvSource = Readonly<Record<string, string | undefined>>;

export interface EnvVar<T> {
  /** What the variable holds, shown in error messages. */
  readonly describe: string;
  parse(raw: string | undefined): T;
}

export class InvalidValue extends Error {}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Spec = Record<string, EnvVar<unknown>>;
export type ConfigOf<S extends Spec> = { [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

/** Parses every variable of `spec` from `source`; throws ConfigError listing each problem. */
export function loadEnv<S extends Spec>(spec: S, source: EnvSource): ConfigOf<S> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) {
    const raw = source[name];
    try {
      result[name] = variable.parse(raw === undefined || raw.trim() === '' ? undefined : raw.trim());
    } catch (err) {
      if (!(err instanceof InvalidValue)) throw err;
      const shown = raw === undefined || raw.trim() === '' ? 'is not set' : `is invalid (${err.message})`;
      problems.push(`${name} ${shown}: expected ${variable.describe}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as ConfigOf<S>;
}

function required<T>(describe: string, parse: (raw: string) => T, fallback?: T): EnvVar<T> {
  return {
    describe,
    parse(raw) {
      if (raw === undefined) {
        if (fallback !== undefined) return fallback;
        throw new InvalidValue('missing');
      }
      return parse(raw);
    },
  };
}

function optional<T>(describe: string, parse: (raw: string) => T): EnvVar<T | undefined> {
  return { describe, parse: (raw) => (raw === undefined ? undefined : parse(raw)) };
}

function parseNumber(raw: string, opts: { min?: number; max?: number; integer?: boolean }): number {
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new InvalidValue(`"${raw}" is not a number`);
  if (opts.integer && !Number.isInteger(value)) throw new InvalidValue(`"${raw}" is not a whole number`);
  if (opts.min !== undefined && value < opts.min) throw new InvalidValue(`${value} < ${opts.min}`);
  if (opts.max !== undefined && value > opts.max) throw new InvalidValue(`${value} > ${opts.max}`);
  return value;
}

function parseUrl(raw: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidValue('not a URL');
  }
  if (!protocols.includes(url.protocol.replace(/:$/, ''))) {
    throw new InvalidValue(`scheme ${url.protocol} is not one of ${protocols.join(', ')}`);
  }
  return raw;
}

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * Seconds of an ISO-8601 duration made of days, hours, minutes and seconds (`PT24H`, `P1DT12H`,
 * `PT90M`). Years, months and weeks are refused: their length in seconds is not fixed.
 */
export function parseDurationSeconds(raw: string): number {
  const match = DURATION.exec(raw);
  if (!match || raw === 'P' || raw.endsWith('T')) {
    throw new InvalidValue(`"${raw}" is not an ISO-8601 duration of days, hours, minutes and seconds such as PT24H`);
  }
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
}

/** Builders for the kinds of variable geopulse reads. */
export const env = {
  string: (describe: string, opts: { default?: string; pattern?: RegExp } = {}) =>
    required(describe, (raw) => {
      if (opts.pattern && !opts.pattern.test(raw)) throw new InvalidValue(`does not match ${opts.pattern}`);
      return raw;
    }, opts.default),
  optionalString: (describe: string, opts: { minLength?: number } = {}) =>
    optional(describe, (raw) => {
      if (opts.minLength !== undefined && raw.length < opts.minLength) {
        throw new InvalidValue(`shorter than ${opts.minLength} characters`);
      }
      return raw;
    }),
  int: (describe: string, opts: { default?: number; min?: number; max?: number } = {}) =>
    required(describe, (raw) => parseNumber(raw, { ...opts, integer: true }), opts.default),
  number: (describe: string, opts: { default?: number; min?: number; max?: number } = {}) =>
    required(describe, (raw) => parseNumber(raw, opts), opts.default),
  bool: (describe: string, fallback: boolean) =>
    required(describe, (raw) => {
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      throw new InvalidValue(`"${raw}" is not true/false`);
    }, fallback),
  oneOf: <T extends string>(values: readonly T[], fallback?: T) =>
    required(`one of ${values.join(', ')}`, (raw) => {
      if (!(values as readonly string[]).includes(raw)) throw new InvalidValue(`"${raw}"`);
      return raw as T;
    }, fallback),
  optionalOneOf: <T extends string>(values: readonly T[]) =>
    optional(`one of ${values.join(', ')}`, (raw) => {
      if (!(values as readonly string[]).includes(raw)) throw new InvalidValue(`"${raw}"`);
      return raw as T;
    }),
  /** An ISO-8601 duration (`PT24H`), in seconds. */
  durationSeconds: (describe: string, opts: { default: string; min?: number; max?: number }) =>
    required(describe, (raw) => {
      const seconds = parseDurationSeconds(raw);
      if (opts.min !== undefined && seconds < opts.min) throw new InvalidValue(`${raw} is shorter than ${opts.min} s`);
      if (opts.max !== undefined && seconds > opts.max) throw new InvalidValue(`${raw} is longer than ${opts.max} s`);
      return seconds;
    }, parseDurationSeconds(opts.default)),
  url: (describe: string, protocols: readonly string[], fallback?: string) =>
    required(describe, (raw) => parseUrl(raw, protocols), fallback),
  optionalUrl: (describe: string, protocols: readonly string[]) => optional(describe, (raw) => parseUrl(raw, protocols)),
  hostPortList: (describe: string) =>
    required(describe, (raw) => {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = items.filter((item) => !HOST_PORT.test(item));
      if (items.length === 0 || bad.length > 0) throw new InvalidValue(`bad entries: ${bad.join(', ') || '(empty)'}`);
      return items;
    }),
};

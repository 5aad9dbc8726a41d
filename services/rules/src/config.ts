import type { BacktestSettings } from './application/backtest-rules';
import { dynamoSettings, env, loadEnv, loadOrExit, platformConfig, sharedTraceUrlTemplate, type DynamoSettings, type EnvSource, type PlatformConfig } from '@geopulse/config';

const rulesEnv = {
  RULES_MINUTE_MS: env.int('length of a rule minute in ms (windows, hasNotChanged); shorten only in tests', { default: 60_000, min: 10, max: 60_000 }),
  RULES_TIMER_TICK_MS: env.int('how often timers re-evaluate time-dependent rules of a device', { default: 5_000, min: 50, max: 60_000 }),
  RULES_TIMER_HORIZON_MINUTES: env.int('rule minutes after its last reading that a silent device keeps its timers', { default: 1440, min: 1 }),
  RULES_RECONCILE_MS: env.int('how often each replica reconciles its rule set with the rules table', { default: 30_000, min: 500 }),
  RULES_MAX_EXPRESSION_LENGTH: env.int('longest rule expression in characters', { default: 1_000, min: 10, max: 100_000 }),
  RULES_MAX_EXPRESSION_DEPTH: env.int('deepest bracket nesting of a rule expression', { default: 16, min: 1, max: 256 }),
  RULES_DEVICE_CACHE_TTL_MS: env.int('how long device registry entries (tags, attributes) are cached', { default: 60_000, min: 0 }),
  RULES_STATE_CACHE_MB: env.int('megabytes of device state (as stored) each replica keeps in memory, validated against Redis by revision; 0 = none', { default: 32, min: 0, max: 16_384 }),
  RULES_MAX_PER_TENANT: env.int('rules one tenant may have (a create past it answers 409 TENANT_LIMIT_REACHED)', { default: 1_000, min: 1 }),
  RULES_BACKTEST_MAX_RANGE_HOURS: env.int('longest time range of one backtest (a longer one answers 422 BACKTEST_TOO_LARGE)', { default: 744, min: 1 }),
  RULES_BACKTEST_MAX_DEVICES: env.int('most devices of one backtest', { default: 1_000, min: 1 }),
  RULES_BACKTEST_MAX_READINGS: env.int('most stored readings one backtest replays, over all its devices', { default: 1_000_000, min: 1 }),
  RULES_BACKTEST_MAX_EVALUATIONS: env.int('most evaluations (readings and simulated timer ticks) of one device in a backtest', { default: 2_000_000, min: 1 }),
  RULES_BACKTEST_MAX_EPISODES: env.int('episodes a backtest result lists (counts per device stay complete)', { default: 200, min: 1, max: 1_000 }),
  RULES_BACKTEST_SYNC_MAX_DEVICES: env.int('backtests over more devices run as a job (202)', { default: 20, min: 0 }),
  RULES_BACKTEST_SYNC_MAX_RANGE_HOURS: env.int('backtests over a longer range run as a job (202)', { default: 24, min: 0 }),
  RULES_BACKTEST_HEARTBEAT_MS: env.int('how often the replica running a backtest job says so; 5 missed beats and another replica takes it over', { default: 2_000, min: 50 }),
  RULES_EXPLAIN_LOOKBACK_MINUTES: env.int("rule minutes of stored history replayed before an alert's start (besides its window and for) to explain it", { default: 60, min: 0 }),
  RULES_TRACE_URL_TEMPLATE: env.optionalTraceUrlTemplate('trace link of each alert in the alerts API (default: GEOPULSE_TRACE_URL_TEMPLATE, else none)'),
};

export interface RulesSettings {
  minuteMs: number;
  timerTickMs: number;
  timerHorizonMs: number;
  reconcileMs: number;
  expressionLimits: { maxLength: number; maxDepth: number };
  deviceCacheTtlMs: number;
  /** Bytes of device state (JSON as stored) held in memory by this replica (decision 0402); 0 reads every state from Redis. */
  stateCacheBytes: number;
  maxPerTenant: number;
  backtest: BacktestSettings;
  explainLookbackMinutes: number;
  /** Alerts answered by the API carry `traceUrl` when set (non-empty). */
  traceUrlTemplate?: string;
}

export type RulesConfig = PlatformConfig & { redisUrl: string; dynamo: DynamoSettings; rules: RulesSettings };

export function parseRulesConfig(source: EnvSource): RulesConfig {
  return platformConfig<{ dynamo: DynamoSettings; rules: RulesSettings }>(source, { defaultPort: 3003, redis: true }, {
    dynamo: () => dynamoSettings(source),
    rules: () => {
      const c = loadEnv(rulesEnv, source);
      return {
        minuteMs: c.RULES_MINUTE_MS,
        timerTickMs: c.RULES_TIMER_TICK_MS,
        timerHorizonMs: c.RULES_TIMER_HORIZON_MINUTES * c.RULES_MINUTE_MS,
        reconcileMs: c.RULES_RECONCILE_MS,
        expressionLimits: { maxLength: c.RULES_MAX_EXPRESSION_LENGTH, maxDepth: c.RULES_MAX_EXPRESSION_DEPTH },
        deviceCacheTtlMs: c.RULES_DEVICE_CACHE_TTL_MS,
        stateCacheBytes: c.RULES_STATE_CACHE_MB * 1024 * 1024,
        maxPerTenant: c.RULES_MAX_PER_TENANT,
        backtest: {
          minuteMs: c.RULES_MINUTE_MS,
          timerTickMs: c.RULES_TIMER_TICK_MS,
          timerHorizonMs: c.RULES_TIMER_HORIZON_MINUTES * c.RULES_MINUTE_MS,
          maxEvaluations: c.RULES_BACKTEST_MAX_EVALUATIONS,
          maxRangeMs: c.RULES_BACKTEST_MAX_RANGE_HOURS * 3_600_000,
          maxDevices: c.RULES_BACKTEST_MAX_DEVICES,
          maxReadings: c.RULES_BACKTEST_MAX_READINGS,
          maxEpisodes: c.RULES_BACKTEST_MAX_EPISODES,
          syncMaxDevices: c.RULES_BACKTEST_SYNC_MAX_DEVICES,
          syncMaxRangeMs: c.RULES_BACKTEST_SYNC_MAX_RANGE_HOURS * 3_600_000,
          heartbeatMs: c.RULES_BACKTEST_HEARTBEAT_MS,
          staleMs: c.RULES_BACKTEST_HEARTBEAT_MS * 5,
          maxAttempts: 3,
        },
        explainLookbackMinutes: c.RULES_EXPLAIN_LOOKBACK_MINUTES,
        traceUrlTemplate: c.RULES_TRACE_URL_TEMPLATE ?? sharedTraceUrlTemplate(source),
      };
    },
  }) as RulesConfig;
}

export const loadRulesConfig = (): RulesConfig => loadOrExit('rules', () => parseRulesConfig(process.env));

/**
 * Backtests: a rule (as it would be written) replayed over devices' stored readings
 * (domain/backtest.ts). Small requests answer at once; large ones (many devices, a long range,
 * or `async: true`) run as a job whose state lives in DynamoDB: the replica running it
 * heartbeats, and a job whose replica stopped is taken over by whichever replica is asked for
 * it next (a replay is deterministic, so it simply starts again), up to `maxAttempts`.
 */
import { ID_PATTERN, isRecord, type RuleTarget } from '@geopulse/contracts';
import { BacktestBound, Replay, type DeviceReplay, type Episode, type ReplaySettings } from '../domain/backtest';
import type { HistoryReading } from '../domain/device-history';
import type { DeviceInfo, ExpressionEngine } from '../domain/evaluation';
import type { ExpressionLimits } from '../domain/expression';
import { checkRuleInput, compileRule, type CompiledRule } from '../domain/rule';
import { RuleError } from '../domain/rule-error';
import { targets } from '../domain/targeting';
import type { BacktestJob, BacktestJobStore, BacktestRequestRecord, BacktestResult, Clock, DeviceCatalog, DeviceDirectory, ReadingHistory } from './ports';

export interface BacktestSettings extends ReplaySettings {
  maxRangeMs: number;
  maxDevices: number;
  /** Readings over all devices of one backtest. */
  maxReadings: number;
  /** Episodes a result keeps (counts stay complete). */
  maxEpisodes: number;
  /** Above these a backtest runs as a job. */
  syncMaxDevices: number;
  syncMaxRangeMs: number;
  heartbeatMs: number;
  /** A RUNNING job whose heartbeat is older than this lost its replica. */
  staleMs: number;
  maxAttempts: number;
}

export type BacktestAnswer = { kind: 'result'; result: BacktestResult } | { kind: 'job'; job: BacktestJobView };

export type BacktestJobView = Omit<BacktestJob, 'request' | 'owner' | 'heartbeatAt' | 'tenantId'> & { heartbeatAt: string; rule: Record<string, unknown> };

/** Latest time a JavaScript Date holds. */
const MAX_DATE_MS = 8.64e15;

/** ISO-8601 or epoch ms (a time a Date can hold); RuleError INVALID_QUERY naming `path` otherwise. */
export function parseInstant(value: unknown, path: string): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' && value.length <= 64 ? (/^\d+$/.test(value) ? Number(value) : Date.parse(value)) : Number.NaN;
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) throw new RuleError('INVALID_QUERY', `${path.slice(1)} must be an ISO-8601 time or epoch milliseconds`, [{ path, message: 'must be an ISO-8601 time or epoch milliseconds' }]);
  return ms;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const tooLarge = (path: string, bound: string, message: string): RuleError => new RuleError('BACKTEST_TOO_LARGE', message, [{ path, message, code: bound }]);

export class BacktestRules {
  private readonly running = new Set<string>();

  constructor(
    private readonly engine: ExpressionEngine,
    private readonly limits: ExpressionLimits,
    private readonly history: ReadingHistory,
    private readonly directory: DeviceDirectory,
    private readonly catalog: DeviceCatalog,
    private readonly jobs: BacktestJobStore,
    private readonly settings: BacktestSettings,
    private readonly clock: Clock,
    private readonly replicaId: string,
    private readonly newId: () => string,
    private readonly onJobError: (jobId: string, err: Error) => void = () => undefined,
  ) {}

  private compile(tenantId: string, raw: unknown): CompiledRule {
    const check = checkRuleInput(raw, this.engine, this.limits);
    if (!check.ok) throw new RuleError('INVALID_RULE', 'the rule is invalid', check.issues.map((i) => ({ ...i, path: `/rule${i.path}` })));
    if (check.compiled.analysis.calls.some((c) => c.name === 'inGeofence')) {
      throw new RuleError('INVALID_RULE', 'inGeofence() cannot be backtested: the stored history holds readings, not geofence transitions', [{ path: '/rule/expression', message: 'uses inGeofence()' }]);
    }
    const now = iso(this.clock());
    const input = check.input;
    return compileRule(this.engine, { ...input, id: input.id ?? 'backtest', tenantId, target: input.target ?? {}, version: 0, createdAt: now, updatedAt: now }, this.limits, check.compiled);
  }

  /** Validates the request and its bounds (4xx naming the bound), then answers or starts a job. */
  async start(tenantId: string, raw: unknown): Promise<BacktestAnswer> {
    if (!isRecord(raw)) throw new RuleError('INVALID_QUERY', 'the body must be an object');
    const compiled = this.compile(tenantId, raw.rule);
    const from = parseInstant(raw.from, '/from');
    const to = parseInstant(raw.to, '/to');
    if (to <= from) throw new RuleError('INVALID_QUERY', 'to must be after from', [{ path: '/to', message: 'must be after from' }]);
    const s = this.settings;
    if (to - from > s.maxRangeMs) throw tooLarge('/to', 'RULES_BACKTEST_MAX_RANGE_HOURS', `the range is longer than ${s.maxRangeMs / 3_600_000} hours (RULES_BACKTEST_MAX_RANGE_HOURS)`);
    const deviceIds = await this.devices(tenantId, raw, compiled);
    if (deviceIds.length === 0) throw new RuleError('INVALID_QUERY', 'no device matches', [{ path: '/deviceIds', message: 'no device matches' }]);
    const request: BacktestRequestRecord = { rule: raw.rule as Record<string, unknown>, deviceIds, from, to };
    if (raw.async !== true && deviceIds.length <= s.syncMaxDevices && to - from <= s.syncMaxRangeMs) {
      return { kind: 'result', result: await this.run(tenantId, compiled, request) };
    }
    const now = this.clock();
    const job: BacktestJob = {
      tenantId, jobId: this.newId(), status: 'RUNNING', request, progress: { devicesDone: 0, devicesTotal: deviceIds.length, readings: 0 },
      owner: this.replicaId, heartbeatAt: now, attempts: 1, createdAt: iso(now), updatedAt: iso(now),
    };
    await this.jobs.create(job);
    this.launch(job, compiled);
    return { kind: 'job', job: view(job) };
  }

  /** A job's state; a RUNNING job whose replica stopped heartbeating is taken over here (or failed after maxAttempts). */
  async job(tenantId: string, jobId: string): Promise<BacktestJobView> {
    const job = await this.jobs.get(tenantId, jobId);
    if (!job) throw new RuleError('BACKTEST_NOT_FOUND', `no backtest ${jobId}`);
    const now = this.clock();
    if (job.status !== 'RUNNING' || now - job.heartbeatAt <= this.settings.staleMs || this.running.has(jobId)) return view(job);
    if (!(await this.jobs.takeOver(tenantId, jobId, job.heartbeatAt, this.replicaId, now))) return view((await this.jobs.get(tenantId, jobId)) ?? job);
    const taken: BacktestJob = { ...job, owner: this.replicaId, heartbeatAt: now, attempts: job.attempts + 1, progress: { ...job.progress, devicesDone: 0, readings: 0 } };
    if (taken.attempts > this.settings.maxAttempts) {
      const error = { code: 'JOB_LOST', message: `the replicas running this backtest stopped ${job.attempts} times; start it again` };
      await this.jobs.update(tenantId, jobId, this.replicaId, { status: 'FAILED', error });
      return view({ ...taken, status: 'FAILED', error });
    }
    this.launch(taken, this.compile(tenantId, job.request.rule));
    return view(taken);
  }

  private launch(job: BacktestJob, compiled: CompiledRule): void {
    const { tenantId, jobId } = job;
    this.running.add(jobId);
    let owned = true;
    const beat = setInterval(() => {
      void this.jobs.update(tenantId, jobId, this.replicaId, { heartbeatAt: this.clock() }).then((ok) => (owned = owned && ok), () => undefined);
    }, this.settings.heartbeatMs);
    beat.unref();
    const progress = async (devicesDone: number, readings: number): Promise<void> => {
      owned = owned && (await this.jobs.update(tenantId, jobId, this.replicaId, { progress: { devicesDone, devicesTotal: job.request.deviceIds.length, readings }, heartbeatAt: this.clock() }));
      if (!owned) throw new Error('another replica took the job over');
    };
    void this.run(tenantId, compiled, job.request, progress)
      .then(
        (result) => this.jobs.update(tenantId, jobId, this.replicaId, { status: 'DONE', result, heartbeatAt: this.clock() }),
        (err: Error) => {
          if (!owned) return false;
          const error = err instanceof RuleError ? { code: err.code, message: err.message, ...(err.issues[0]?.code ? { bound: err.issues[0].code } : {}) } : { code: 'BACKTEST_FAILED', message: err.message };
          if (!(err instanceof RuleError)) this.onJobError(jobId, err);
          return this.jobs.update(tenantId, jobId, this.replicaId, { status: 'FAILED', error, heartbeatAt: this.clock() });
        },
      )
      .catch((err: Error) => this.onJobError(jobId, err))
      .finally(() => {
        clearInterval(beat);
        this.running.delete(jobId);
      });
  }

  private async devices(tenantId: string, raw: Record<string, unknown>, compiled: CompiledRule): Promise<string[]> {
    const max = this.settings.maxDevices;
    const listed = raw.deviceIds;
    if (listed !== undefined) {
      if (!Array.isArray(listed) || !listed.every((d) => typeof d === 'string' && ID_PATTERN.test(d))) {
        throw new RuleError('INVALID_QUERY', 'deviceIds must be an array of device ids', [{ path: '/deviceIds', message: 'must be an array of device ids' }]);
      }
      if (listed.length > max) throw tooLarge('/deviceIds', 'RULES_BACKTEST_MAX_DEVICES', `more than ${max} devices (RULES_BACKTEST_MAX_DEVICES)`);
      return [...new Set(listed as string[])];
    }
    if (raw.target !== undefined && !isRecord(raw.target)) throw new RuleError('INVALID_QUERY', 'target must be an object', [{ path: '/target', message: 'must be an object with deviceIds and/or tags' }]);
    const target = (raw.target ?? compiled.rule.target) as RuleTarget;
    const ids = target.deviceIds ?? [];
    const tags = target.tags ?? [];
    if (!Array.isArray(ids) || !ids.every((d) => typeof d === 'string' && ID_PATTERN.test(d)) || !Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 64)) {
      throw new RuleError('INVALID_QUERY', 'target.deviceIds must be device ids and target.tags tags of 1-64 characters', [{ path: '/target', message: 'must be {"deviceIds": [ids], "tags": [tags]}' }]);
    }
    if ((target.tags ?? []).length === 0 && (target.deviceIds ?? []).length > 0) {
      if ((target.deviceIds ?? []).length > max) throw tooLarge('/target/deviceIds', 'RULES_BACKTEST_MAX_DEVICES', `more than ${max} devices (RULES_BACKTEST_MAX_DEVICES)`);
      return [...new Set(target.deviceIds)];
    }
    const listedDevices = await this.catalog.list(tenantId, max + 1);
    const matching = listedDevices.devices.filter((d) => targets(target, d)).map((d) => d.id);
    if (matching.length > max || listedDevices.truncated) throw tooLarge('/target', 'RULES_BACKTEST_MAX_DEVICES', `the target matches more than ${max} registered devices (RULES_BACKTEST_MAX_DEVICES); narrow it`);
    return matching;
  }

  private async run(tenantId: string, compiled: CompiledRule, request: BacktestRequestRecord, progress?: (devicesDone: number, readings: number) => Promise<void>): Promise<BacktestResult> {
    const s = this.settings;
    const warmupMs = compiled.analysis.windowMinutes * s.minuteMs;
    const readFrom = request.from - warmupMs;
    const result: BacktestResult = { from: iso(request.from), to: iso(request.to), devices: [], episodes: [], episodesTruncated: false, totals: { devices: 0, readings: 0, evaluations: 0, episodes: 0 } };
    let read = 0;
    for (const deviceId of request.deviceIds) {
      const device: DeviceInfo = compiled.analysis.usesDevice ? await this.directory.get(tenantId, deviceId) : { id: deviceId, tags: [], attributes: {} };
      const { readings, truncated } = await this.history.readings(tenantId, deviceId, readFrom, request.to, s.maxReadings - read);
      read += readings.length;
      if (truncated) throw tooLarge('/to', 'RULES_BACKTEST_MAX_READINGS', `more than ${s.maxReadings} stored readings in the range (RULES_BACKTEST_MAX_READINGS); narrow the range or the devices`);
      let replay: DeviceReplay;
      try {
        replay = await replayYielding(new Replay({ compiled, device, from: request.from, to: request.to }, s), readings);
      } catch (err) {
        if (err instanceof BacktestBound) throw tooLarge('/to', 'RULES_BACKTEST_MAX_EVALUATIONS', `${err.message} (RULES_BACKTEST_MAX_EVALUATIONS)`);
        throw err;
      }
      result.devices.push({ deviceId, readings: replay.readings, evaluations: replay.evaluations, episodes: replay.episodes.length, insufficientData: replay.insufficientData.length });
      result.totals.devices += 1;
      result.totals.readings += replay.readings;
      result.totals.evaluations += replay.evaluations;
      result.totals.episodes += replay.episodes.length;
      keep(result, replay.episodes, s.maxEpisodes);
      await progress?.(result.totals.devices, read);
    }
    result.episodes.sort((a, b) => a.start.localeCompare(b.start) || a.deviceId.localeCompare(b.deviceId));
    return result;
  }
}

/** Readings fed between which the event loop gets a turn: live evaluation in this replica keeps going during a long replay. */
const CHUNK = 2_000;

async function replayYielding(replay: Replay, readings: readonly HistoryReading[]): Promise<DeviceReplay> {
  for (let i = 0; i < readings.length; i += 1) {
    if (i > 0 && i % CHUNK === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    replay.add(readings[i]);
  }
  return replay.finish();
}

function keep(result: BacktestResult, episodes: readonly Episode[], max: number): void {
  for (const e of episodes) {
    if (result.episodes.length < max) result.episodes.push(e);
    else result.episodesTruncated = true;
  }
}

function view(job: BacktestJob): BacktestJobView {
  const { request, owner: _o, heartbeatAt, tenantId: _t, ...rest } = job;
  return { ...rest, heartbeatAt: iso(heartbeatAt), rule: request.rule };
}

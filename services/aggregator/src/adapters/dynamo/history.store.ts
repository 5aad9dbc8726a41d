import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableName, type TelemetryAggregate, type TelemetryReading } from '@geopulse/contracts';
import type { DynamoSettings } from '@geopulse/config';
import { batchPut, ensureTable } from '@geopulse/dynamo';
import { archivedWindowKey, type WindowArchive, type WindowRef } from '../../application/aggregate-windows';
import { invalidCursor, type HistoryPage, type HistoryStore } from '../../application/history';
import type { HistoryQuery } from '../../domain/history-query';
import type { WindowState } from '../../domain/window-accumulator';

/** DynamoDB allows 25 puts per BatchWriteItem and 100 keys per BatchGetItem. */
const BATCH = 25;
const GET_BATCH = 100;
const PARALLEL = 8;
const MAX_ATTEMPTS = 8;

type Item = Record<string, unknown>;

/** At most `limit` tasks at a time across all callers; the rest wait in arrival order. */
class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

const partitionKey = (tenantId: string, deviceId: string) => `${tenantId}#${deviceId}`;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * History in two tables, partition key `pk` = `<tenant>#<device>`, sort key `sk`:
 * readings by `<event time ISO>#<reading id>` (a redelivered reading overwrites itself),
 * aggregates by window start (a later revision overwrites the earlier one), each with the
 * window's full state (`window`, JSON) so a late reading can revise it after it left the live
 * store (decision 0204). Items expire (`expiresAt`, DynamoDB TTL) a configurable time after
 * their event time.
 */
export class DynamoHistoryStore implements HistoryStore, WindowArchive {
  private readonly readingsTable: string;
  private readonly aggregatesTable: string;
  private ready?: Promise<void>;
  /** Raw readings' writes share this bound, so the archive cannot crowd out the live path's aggregate writes. */
  private readonly readingWrites: ConcurrencyLimit;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly doc: DynamoDBDocumentClient,
    settings: DynamoSettings,
    private readonly ttlSeconds: number,
    /** Items per DynamoDB Query request; an API page may span several. */
    private readonly queryPageItems = 1000,
    /** BatchWriteItem requests for raw readings in flight at once, over all partitions. */
    readingWriteConcurrency = 2,
  ) {
    this.readingWrites = new ConcurrencyLimit(readingWriteConcurrency);
    this.readingsTable = tableName('readings', settings.tablePrefix);
    this.aggregatesTable = tableName('aggregates', settings.tablePrefix);
  }

  /** Creates the tables when missing; writes wait for it. */
  ensureTables(): Promise<void> {
    this.ready ??= Promise.all(
      [this.readingsTable, this.aggregatesTable].map((name) => ensureTable(this.client, { name, partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' })),
    ).then(
      () => undefined,
      (err: Error) => {
        this.ready = undefined;
        throw err;
      },
    );
    return this.ready;
  }

  async saveReadings(readings: readonly TelemetryReading[]): Promise<void> {
    const unique = new Map<string, Item>();
    for (const r of readings) {
      const item = { pk: partitionKey(r.tenantId, r.deviceId), sk: `${r.ts}#${r.id}`, ...r, expiresAt: this.expiry(Date.parse(r.ts)) };
      unique.set(`${item.pk}\u0000${item.sk}`, item);
    }
    await this.write(this.readingsTable, [...unique.values()], this.readingWrites);
  }

  async saveAggregates(windows: ReadonlyArray<{ aggregate: TelemetryAggregate; state: WindowState }>): Promise<void> {
    const newest = new Map<string, Item>();
    for (const { aggregate: a, state } of windows) {
      const item = { pk: partitionKey(a.tenantId, a.deviceId), sk: a.windowStart, ...a, window: JSON.stringify(state), expiresAt: this.expiry(Date.parse(a.windowEnd)) };
      const key = `${item.pk}\u0000${item.sk}`;
      const current = newest.get(key);
      if (!current || (current.revision as number) < a.revision) newest.set(key, item);
    }
    await this.write(this.aggregatesTable, [...newest.values()]);
  }

  async loadWindows(windows: readonly WindowRef[]): Promise<Map<string, WindowState>> {
    const out = new Map<string, WindowState>();
    if (windows.length === 0) return out;
    await this.ensureTables();
    for (let i = 0; i < windows.length; i += GET_BATCH) {
      const asked = new Map(windows.slice(i, i + GET_BATCH).map((w) => [`${partitionKey(w.tenantId, w.deviceId)}\u0000${iso(w.start)}`, w]));
      let keys: Item[] = [...asked.keys()].map((k) => ({ pk: k.split('\u0000')[0], sk: k.split('\u0000')[1] }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS) throw new Error(`DynamoDB left ${keys.length} key(s) of ${this.aggregatesTable} unprocessed after ${MAX_ATTEMPTS} attempts`);
        if (attempt > 0) await backoff(attempt);
        const result = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.aggregatesTable]: { Keys: keys, ProjectionExpression: 'pk, sk, #w', ExpressionAttributeNames: { '#w': 'window' }, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.aggregatesTable] ?? []) {
          const w = asked.get(`${item.pk as string}\u0000${item.sk as string}`);
          if (w && typeof item.window === 'string') out.set(archivedWindowKey(w), JSON.parse(item.window) as WindowState);
        }
        keys = (result.UnprocessedKeys?.[this.aggregatesTable]?.Keys ?? []) as Item[];
      }
    }
    return out;
  }

  readings(tenantId: string, deviceId: string, query: HistoryQuery): Promise<HistoryPage<TelemetryReading>> {
    return this.query<TelemetryReading>(this.readingsTable, partitionKey(tenantId, deviceId), iso(query.from), `${iso(query.to)}#\uffff`, query);
  }

  aggregates(tenantId: string, deviceId: string, query: HistoryQuery): Promise<HistoryPage<TelemetryAggregate>> {
    return this.query<TelemetryAggregate>(this.aggregatesTable, partitionKey(tenantId, deviceId), iso(query.from), iso(query.to), query);
  }

  private expiry(eventMs: number): number {
    return Math.floor(eventMs / 1000) + this.ttlSeconds;
  }

  /** Fills a page of `limit` items from as many DynamoDB pages as it takes. */
  private async query<T>(table: string, pk: string, fromSk: string, toSk: string, q: HistoryQuery): Promise<HistoryPage<T>> {
    let startKey = q.cursor ? decodeCursor(q.cursor, pk) : undefined;
    const items: T[] = [];
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': fromSk, ':to': toSk },
          Limit: Math.min(q.limit - items.length, this.queryPageItems),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const { pk: _pk, sk: _sk, expiresAt: _e, window: _w, ...item } of page.Items ?? []) items.push(item as T);
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < q.limit);
    return startKey ? { items, nextCursor: Buffer.from(JSON.stringify(startKey)).toString('base64url') } : { items };
  }

  private async write(table: string, items: readonly Item[], limit?: ConcurrencyLimit): Promise<void> {
    if (items.length === 0) return;
    await this.ensureTables();
    const chunks: Item[][] = [];
    for (let i = 0; i < items.length; i += BATCH) chunks.push(items.slice(i, i + BATCH));
    if (limit) {
      await Promise.all(chunks.map((chunk) => limit.run(() => this.writeChunk(table, chunk))));
      return;
    }
    for (let i = 0; i < chunks.length; i += PARALLEL) {
      await Promise.all(chunks.slice(i, i + PARALLEL).map((chunk) => this.writeChunk(table, chunk)));
    }
  }

  /** BatchWriteItem, retrying what DynamoDB leaves unprocessed (throttling) with backoff. */
  private writeChunk(table: string, chunk: readonly Item[]): Promise<void> {
    return batchPut(this.doc, table, chunk as unknown as ReadonlyArray<Record<string, unknown>>);
  }
}

/** Jittered exponential backoff before a retry of what DynamoDB left unprocessed. */
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2000) * (0.5 + Math.random() / 2)));

function decodeCursor(cursor: string, pk: string): Record<string, string> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('cursor is not one this API returned');
  }
  const k = key as Record<string, unknown>;
  if (typeof k !== 'object' || k === null || k.pk !== pk || typeof k.sk !== 'string' || Object.keys(k).length !== 2) {
    throw invalidCursor('cursor belongs to another query');
  }
  return { pk, sk: k.sk };
}

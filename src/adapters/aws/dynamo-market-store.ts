import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { viewLatest } from '../../domain/latest-aggregate.js';
import { DEFAULT_PRICE_DECIMALS, formatUnits, parseUnits } from '../../domain/price.js';
import { alertKey, LATEST_KEY, parseTickKeys, symbolKey, TREND_KEY, tickKey } from '../../domain/store-layout.js';
import { DEFAULT_LONG, DEFAULT_SHORT } from '../../domain/trend-tracker.js';
import type { Clock } from '../../ports/clock.port.js';
import { ConflictError } from '../../ports/errors.js';
import type { MarketStore } from '../../ports/market-store.port.js';
import type { Alert, CrossSign, LatestAggregate, StoredTick, TrendRecord } from '../../ports/model.js';
import { type RetryOptions, RetryPolicy } from './retry-policy.js';

type Item = Record<string, AttributeValue>;

/** DynamoDB limits: keys per BatchGetItem, actions per transaction. */
const GET_BATCH = 100;
const TRANSACTION_ITEMS = 100;
/** Concurrent requests one call makes (symbols' tick transactions, alert updates). */
const CONCURRENCY = 4;
/** Why a cancelled transaction may succeed if sent again (`None`: that action was fine). */
const RETRYABLE_CANCELLATIONS = new Set(['None', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'TransactionConflict']);
/** Largest timestamp a tick key holds (15 digits). */
const MAX_KEY_TIMESTAMP = 999_999_999_999_999;

/** Options of `DynamoMarketStore`. */
export interface DynamoMarketStoreOptions extends RetryOptions {
  readonly client: DynamoDBClient;
  /** The single table: key `pk` (S) + `sk` (S), stream NEW_AND_OLD_IMAGES, TTL on `expiresAt`. */
  readonly table: string;
  /** For the `expiresAt` of tick items. */
  readonly clock: Clock;
  /** Decimals of the price units (default 6): prices are stored as exact decimal numbers. */
  readonly priceDecimals?: number;
  /** Seconds until a tick item expires (default 7 days). */
  readonly tickTtlSeconds?: number;
  /** SMA periods of the readable `smaShort` / `smaLong` attributes of `LATEST` (default 5/20). */
  readonly short?: number;
  readonly long?: number;
}

/**
 * The `MarketStore` on one DynamoDB table (DESIGN.md §4). Items of a symbol share
 * `pk = SYMBOL#<symbol>`:
 *
 * - `TICK#<15-digit ts>`: `price` (N, the exact decimal), `volume`, `expiresAt` (TTL, epoch s);
 *   a symbol's written in timestamp order, in transactions of up to 100 committed one after
 *   another (retried with backoff while throttled), so a tick is never in the table before an
 *   earlier one of the same call. An unchanged rewrite changes nothing, so the stream carries
 *   no new record for it.
 * - `LATEST`: the aggregate (prices as exact decimals, the SMA window as a list), plus
 *   readable `vwap`, `smaShort`, `smaLong`; a conditional put on `version`.
 * - `TREND`: `last`, `lastTimestamp`, `version`, `pending` (the outbox, JSON), `claimedUntil`;
 *   a conditional put on `version`, in one transaction with the new alert records.
 * - `ALERT#<ts>#<signal>`: `alert` (JSON), `status` (`PENDING` → `SENT`), created with
 *   `if_not_exists`, so recording an alert twice leaves the first record as it is.
 *
 * Reads that follow the stream (TREND, recent ticks, LATEST) are strongly consistent.
 *
 * @example
 * const store = new DynamoMarketStore({ client: new DynamoDBClient({}), table: 'tickflow', clock: new SystemClock() });
 * const ticks = await store.recentTicks('AAPL', Date.now(), 25);
 */
export class DynamoMarketStore implements MarketStore {
  private readonly table: string;
  private readonly decimals: number;
  private readonly ttl: number;
  private readonly retry: RetryPolicy;
  private readonly periods: { short: number; long: number };

  constructor(private readonly options: DynamoMarketStoreOptions) {
    this.table = options.table;
    this.decimals = options.priceDecimals ?? DEFAULT_PRICE_DECIMALS;
    this.ttl = options.tickTtlSeconds ?? 7 * 86_400;
    this.retry = new RetryPolicy(options);
    this.periods = { short: options.short ?? DEFAULT_SHORT, long: options.long ?? DEFAULT_LONG };
  }

  async getLatest(symbols: readonly string[]): Promise<Map<string, LatestAggregate>> {
    const out = new Map<string, LatestAggregate>();
    const unique = [...new Set(symbols)];
    for (let i = 0; i < unique.length; i += GET_BATCH) {
      let keys: Item[] = unique.slice(i, i + GET_BATCH).map((s) => ({ pk: S(symbolKey(s)), sk: S(LATEST_KEY) }));
      for (let attempt = 1; keys.length > 0; attempt++) {
        const result = await this.options.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.table] ?? []) {
          const latest = this.decodeLatest(item);
          out.set(latest.symbol, latest);
        }
        keys = result.UnprocessedKeys?.[this.table]?.Keys ?? [];
        if (keys.length === 0) break;
        if (attempt >= this.retry.maxAttempts)
          throw new Error(`DynamoDB left ${keys.length} LATEST read(s) unprocessed after ${attempt} attempts`);
        await this.retry.pause(attempt);
      }
    }
    return out;
  }

  async putTicks(ticks: readonly StoredTick[]): Promise<void> {
    const expiresAt = Math.floor(this.options.clock.now() / 1000) + this.ttl;
    // Per symbol, by timestamp; one request may not name a key twice: the last write of a key wins, as it would in sequence.
    const bySymbol = new Map<string, Map<number, TransactWriteItem>>();
    for (const t of ticks) {
      const items = bySymbol.get(t.symbol) ?? new Map<number, TransactWriteItem>();
      bySymbol.set(t.symbol, items);
      items.set(t.timestamp, {
        Put: {
          TableName: this.table,
          Item: {
            pk: S(symbolKey(t.symbol)),
            sk: S(tickKey(t.timestamp)),
            price: N(formatUnits(t.units, this.decimals)),
            volume: N(String(t.volume)),
            expiresAt: N(String(expiresAt)),
          },
        },
      });
    }
    // A symbol's ticks go in timestamp order, a transaction of up to 100 at a time, each
    // committed whole before the next is sent: whenever a tick is in the table, so is every
    // earlier tick of the call. The trend function relies on it — it applies the ticks up to
    // the newest INSERT it is given, and a tick committed after a later one would be skipped.
    // (BatchWriteItem commits a throttled request's items in any order.)
    await eachLimited([...bySymbol.values()], CONCURRENCY, async (items) => {
      const inOrder = [...items].sort(([a], [b]) => a - b).map(([, item]) => item);
      for (let i = 0; i < inOrder.length; i += TRANSACTION_ITEMS) await this.transactTicks(inOrder.slice(i, i + TRANSACTION_ITEMS));
    });
  }

  async putLatest(latest: LatestAggregate): Promise<void> {
    const expected = latest.version - 1;
    const item = this.encodeLatest(latest);
    try {
      await this.options.client.send(new PutItemCommand({ TableName: this.table, Item: item, ...versionCondition(expected) }));
    } catch (error) {
      if (nameOf(error) !== 'ConditionalCheckFailedException') throw error;
      // Our own put, applied by an attempt whose answer was lost: done.
      if (wroteItself(error, item)) return;
      throw new ConflictError(`LATEST of ${latest.symbol} is not at version ${expected}: another writer got there first`);
    }
  }

  async recentTicks(symbol: string, atOrBefore: number, limit: number): Promise<StoredTick[]> {
    if (limit <= 0 || !(atOrBefore >= 0)) return [];
    const out: StoredTick[] = [];
    let start: Item | undefined;
    // One Query, newest first; more pages only if DynamoDB's 1 MB page cut it short.
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: {
            ':pk': S(symbolKey(symbol)),
            ':first': S('TICK#'),
            ':last': S(tickKey(Math.min(Math.floor(atOrBefore), MAX_KEY_TIMESTAMP))),
          },
          ScanIndexForward: false,
          Limit: limit - out.length,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) out.push(this.decodeTick(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined && out.length < limit);
    return out.reverse();
  }

  async getTrend(symbol: string): Promise<TrendRecord> {
    const { Item: item } = await this.options.client.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: S(symbolKey(symbol)), sk: S(TREND_KEY) }, ConsistentRead: true }),
    );
    if (item === undefined) return { symbol, last: 0, lastTimestamp: null, version: 0, pending: [], claimedUntil: 0 };
    const last = num(item, 'last');
    if (last !== -1 && last !== 0 && last !== 1) throw new Error(`TREND of ${symbol}: last must be -1, 0 or 1, got ${last}`);
    const pending = JSON.parse(str(item, 'pending')) as unknown;
    if (!Array.isArray(pending)) throw new Error(`TREND of ${symbol}: pending is not a list`);
    return {
      symbol,
      last: last as CrossSign,
      lastTimestamp: item.lastTimestamp === undefined ? null : num(item, 'lastTimestamp'),
      version: num(item, 'version'),
      pending: pending as Alert[],
      claimedUntil: num(item, 'claimedUntil'),
      ...(item.window === undefined ? {} : { window: this.windowOf(item.window, symbol) }),
    };
  }

  async saveTrend(next: TrendRecord, expectedVersion: number, newAlerts: readonly Alert[]): Promise<void> {
    const put = { TableName: this.table, Item: trendItem(next, this.decimals), ...versionCondition(expectedVersion) };
    const alerts = [...new Map(newAlerts.map((a) => [a.id, a])).values()].map((a) => this.alertUpdate(a));
    const atomic = alerts.length < TRANSACTION_ITEMS;
    if (!atomic) {
      // Too many for one transaction: record the alerts first (each write is idempotent), TREND last.
      const chunks: TransactWriteItem[][] = [];
      for (let i = 0; i < alerts.length; i += TRANSACTION_ITEMS) chunks.push(alerts.slice(i, i + TRANSACTION_ITEMS));
      await eachLimited(chunks, CONCURRENCY, (chunk) => this.options.client.send(new TransactWriteItemsCommand({ TransactItems: chunk })));
    }
    const together = atomic ? alerts : [];
    try {
      if (together.length === 0) await this.options.client.send(new PutItemCommand(put));
      else await this.options.client.send(new TransactWriteItemsCommand({ TransactItems: [...together, { Put: put }] }));
    } catch (error) {
      // Our own put, applied by an attempt whose answer was lost: done. (A transaction's
      // resend is idempotent by its ClientRequestToken; a plain put's is not.)
      if (nameOf(error) === 'ConditionalCheckFailedException' && wroteItself(error, put.Item)) return;
      // The TREND put is the only conditional action; in a transaction it comes last.
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if (
        nameOf(error) === 'ConditionalCheckFailedException' ||
        (nameOf(error) === 'TransactionCanceledException' && reasons?.[together.length]?.Code === 'ConditionalCheckFailed')
      ) {
        throw new ConflictError(`TREND of ${next.symbol} is not at version ${expectedVersion}: another invocation moved it`);
      }
      throw error;
    }
  }

  async markAlertsSent(alerts: readonly Alert[]): Promise<void> {
    const unique = [...new Map(alerts.map((a) => [a.id, a])).values()];
    await eachLimited(unique, CONCURRENCY, async (alert) => {
      try {
        await this.options.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { pk: S(symbolKey(alert.symbol)), sk: S(alertKey(alert.timestamp, alert.signal)) },
            UpdateExpression: 'SET #status = :sent',
            // Only a recorded alert is marked: never create a record from nothing.
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#status': 'status', '#pk': 'pk' },
            ExpressionAttributeValues: { ':sent': S('SENT') },
          }),
        );
      } catch (error) {
        if (nameOf(error) !== 'ConditionalCheckFailedException') throw error;
      }
    });
  }

  /** Writes up to 100 tick puts in one transaction, again while DynamoDB cancels it for throttling or a conflict. */
  private async transactTicks(puts: TransactWriteItem[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.client.send(new TransactWriteItemsCommand({ TransactItems: puts }));
        return;
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
        const transient =
          nameOf(error) === 'TransactionCanceledException'
            ? reasons !== undefined &&
              reasons.length > 0 &&
              reasons.every((r) => r.Code === undefined || RETRYABLE_CANCELLATIONS.has(r.Code))
            : RetryPolicy.isTransient(error);
        if (!transient) throw error;
        if (attempt >= this.retry.maxAttempts) {
          const codes = [...new Set((reasons ?? []).map((r) => r.Code).filter((c) => c !== undefined && c !== 'None'))];
          throw new Error(
            `DynamoDB did not take ${puts.length} tick write(s) of ${puts[0]?.Put?.Item?.pk?.S ?? 'a symbol'} after ${attempt} attempts (${codes.length > 0 ? codes.join(', ') : nameOf(error)})`,
          );
        }
        await this.retry.pause(attempt);
      }
    }
  }

  private alertUpdate(alert: Alert): TransactWriteItem {
    return {
      Update: {
        TableName: this.table,
        Key: { pk: S(symbolKey(alert.symbol)), sk: S(alertKey(alert.timestamp, alert.signal)) },
        // Each attribute only if absent: an alert recorded before (maybe SENT) stays as it is.
        UpdateExpression:
          'SET #id = if_not_exists(#id, :id), #alert = if_not_exists(#alert, :alert), #status = if_not_exists(#status, :pending), #signal = if_not_exists(#signal, :signal)',
        ExpressionAttributeNames: { '#id': 'id', '#alert': 'alert', '#status': 'status', '#signal': 'signal' },
        ExpressionAttributeValues: {
          ':id': S(alert.id),
          ':alert': S(JSON.stringify(alert)),
          ':pending': S('PENDING'),
          ':signal': S(alert.signal),
        },
      },
    };
  }

  private decodeTick(item: Item): StoredTick {
    const keys = parseTickKeys(str(item, 'pk'), str(item, 'sk'));
    if (keys === undefined) throw new Error(`not a tick item: ${str(item, 'pk')} ${str(item, 'sk')}`);
    return { symbol: keys.symbol, timestamp: keys.timestamp, units: this.units(item, 'price'), volume: num(item, 'volume') };
  }

  private encodeLatest(l: LatestAggregate): Item {
    const d = this.decimals;
    const price = (units: number) => N(signedDecimal(units, d));
    const item: Item = {
      pk: S(symbolKey(l.symbol)),
      sk: S(LATEST_KEY),
      symbol: S(l.symbol),
      version: N(String(l.version)),
      lastTimestamp: N(String(l.lastTimestamp)),
      price: price(l.lastUnits),
      change: price(l.changeUnits),
      day: S(l.day),
      dayOpen: price(l.dayOpenUnits),
      dayHigh: price(l.dayHighUnits),
      dayLow: price(l.dayLowUnits),
      dayVolume: N(String(l.dayVolume)),
      dayTurnoverUnits: N(plainDecimal(l.dayTurnoverUnits)),
      window: { L: l.window.map(price) },
      ticks: N(String(l.ticks)),
    };
    // Derived, for people and dashboards reading the table; never read back.
    const view = viewLatest(l, { ...this.periods, priceDecimals: d });
    if (view.vwap !== undefined) item.vwap = N(plainDecimal(view.vwap));
    if (view.smaShort !== undefined) item.smaShort = N(plainDecimal(view.smaShort));
    if (view.smaLong !== undefined) item.smaLong = N(plainDecimal(view.smaLong));
    return item;
  }

  private decodeLatest(item: Item): LatestAggregate {
    const window = item.window?.L;
    if (window === undefined) throw new Error(`LATEST of ${str(item, 'symbol')} has no window`);
    return {
      symbol: str(item, 'symbol'),
      version: num(item, 'version'),
      lastTimestamp: num(item, 'lastTimestamp'),
      lastUnits: this.units(item, 'price'),
      changeUnits: this.units(item, 'change'),
      day: str(item, 'day'),
      dayOpenUnits: this.units(item, 'dayOpen'),
      dayHighUnits: this.units(item, 'dayHigh'),
      dayLowUnits: this.units(item, 'dayLow'),
      dayVolume: num(item, 'dayVolume'),
      dayTurnoverUnits: num(item, 'dayTurnoverUnits'),
      window: window.map((v, i) => this.unitsOf(v.N, `window[${i}]`)),
      ticks: num(item, 'ticks'),
    };
  }

  private units(item: Item, name: string): number {
    return this.unitsOf(item[name]?.N, name);
  }

  /** A TREND item's kept window: prices at this store's decimals, as units. */
  private windowOf(value: AttributeValue, symbol: string): number[] {
    if (value.L === undefined) throw new Error(`TREND of ${symbol}: window is not a list`);
    return value.L.map((u, i) => {
      const units = this.unitsOf(u.N, `TREND of ${symbol}: window[${i}]`);
      if (!(units >= 1)) throw new Error(`TREND of ${symbol}: window[${i}] is not a price > 0: ${JSON.stringify(u.N)}`);
      return units;
    });
  }

  /** A stored decimal back to exact units: parsed as text, never through a float. */
  private unitsOf(text: string | undefined, name: string): number {
    const negative = text?.startsWith('-') ?? false;
    const units = text === undefined ? Number.NaN : parseUnits(negative ? text.slice(1) : text, this.decimals);
    if (Number.isNaN(units)) throw new Error(`${name} is not a decimal with at most ${this.decimals} places: ${JSON.stringify(text)}`);
    return negative ? -units : units;
  }
}

function S(value: string): AttributeValue {
  return { S: value };
}
function N(value: string): AttributeValue {
  return { N: value };
}

function str(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new Error(`item attribute ${name} is missing or not a string`);
  return value;
}

function num(item: Item, name: string): number {
  const value = Number(item[name]?.N);
  if (!Number.isFinite(value)) throw new Error(`item attribute ${name} is missing or not a number`);
  return value;
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/**
 * The condition of a versioned put: the stored version is `expected` (0: no item yet). A
 * failed check returns the stored item, so a put whose first attempt was applied but whose
 * answer was lost (the SDK then sends it again, and the check fails) is told apart from
 * another writer's (`wroteItself`).
 */
function versionCondition(expected: number): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Item;
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD';
} {
  if (expected === 0)
    return {
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    };
  return {
    ConditionExpression: '#version = :expected',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':expected': N(String(expected)) },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/**
 * True when a failed version check is the SDK's resend of a put whose first attempt was
 * applied but whose answer was lost: a later attempt, finding exactly `item` stored. (On a
 * first attempt the stored item is another writer's, even one equal to this: two trend
 * invocations on the same records make equal claims, and only one may win.)
 */
function wroteItself(error: unknown, item: Item): boolean {
  const { Item: stored, $metadata } = error as { Item?: Item; $metadata?: { attempts?: number } };
  return ($metadata?.attempts ?? 1) > 1 && stored !== undefined && sameValue({ M: stored }, { M: item });
}

/**
 * Equal DynamoDB values. Numbers compare as text: tickflow writes them as DynamoDB returns
 * them (no leading or trailing zeros, no exponent); a number it wrote otherwise would only
 * read as another writer's, the conflict it was before.
 */
function sameValue(a: AttributeValue, b: AttributeValue): boolean {
  if (a.S !== undefined || b.S !== undefined) return a.S === b.S;
  if (a.N !== undefined || b.N !== undefined) return a.N === b.N;
  if (a.BOOL !== undefined || b.BOOL !== undefined) return a.BOOL === b.BOOL;
  if (a.NULL !== undefined || b.NULL !== undefined) return a.NULL === b.NULL;
  if (a.L !== undefined || b.L !== undefined) {
    const [x, y] = [a.L ?? [], b.L ?? []];
    return a.L !== undefined && b.L !== undefined && x.length === y.length && x.every((v, i) => sameValue(v, y[i] as AttributeValue));
  }
  if (a.M !== undefined && b.M !== undefined) {
    const [x, y] = [a.M, b.M];
    const keys = Object.keys(x);
    return keys.length === Object.keys(y).length && keys.every((k) => y[k] !== undefined && sameValue(x[k] as AttributeValue, y[k]));
  }
  return false; // sets and binaries: tickflow writes none
}

/** The TREND item; its window as exact decimal prices, as every price in the table is kept (so another `priceDecimals` reads it as prices). */
function trendItem(t: TrendRecord, decimals: number): Item {
  const item: Item = {
    pk: S(symbolKey(t.symbol)),
    sk: S(TREND_KEY),
    symbol: S(t.symbol),
    last: N(String(t.last)),
    version: N(String(t.version)),
    pending: S(JSON.stringify(t.pending)),
    claimedUntil: N(String(t.claimedUntil)),
  };
  if (t.lastTimestamp !== null) item.lastTimestamp = N(String(t.lastTimestamp));
  if (t.window !== undefined) item.window = { L: t.window.map((u) => N(formatUnits(u, decimals))) };
  return item;
}

/** Units as a signed exact decimal (`formatUnits` takes no sign). */
function signedDecimal(units: number, decimals: number): string {
  return units < 0 ? `-${formatUnits(-units, decimals)}` : formatUnits(units, decimals);
}

/**
 * A double as a plain decimal (DynamoDB numbers take no exponent in every client): the
 * shortest round-trip digits of `String(x)`, with the exponent written out.
 */
function plainDecimal(x: number): string {
  const text = String(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, int, frac = '', exp] = m;
  const digits = `${int}${frac}`;
  const e = Number(exp);
  return e >= 0 ? `${sign}${digits.padEnd(e + 1, '0')}` : `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
}

/** Runs `fn` over the items, at most `limit` at a time; rejects with the first failure. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

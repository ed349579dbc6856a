import { formatUnits } from '../../domain/price.js';
import { alertKey, LATEST_KEY, symbolKey, TREND_KEY, tickKey } from '../../domain/store-layout.js';
import type { ChangeFeed } from '../../ports/change-feed.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { ConflictError } from '../../ports/errors.js';
import type { MarketStore } from '../../ports/market-store.port.js';
import type { Alert, AlertStatus, ChangeRecord, LatestAggregate, StoredTick, TrendRecord } from '../../ports/model.js';

/** An item image in DynamoDB's attribute-value form, as stream records carry it. */
export type AttributeImage = Record<string, { S: string } | { N: string }>;

/** Options of the in-memory store. */
export interface MemoryMarketStoreOptions {
  readonly clock: Clock;
  readonly priceDecimals?: number;
  /** Recent ticks kept per symbol (the in-memory stand-in for TTL); default: all. */
  readonly retainTicks?: number;
  /** Seconds until a tick item expires (the `expiresAt` TTL attribute); default 7 days. */
  readonly tickTtlSeconds?: number;
  /** Emit change records (default true); off when nothing reads the feed. */
  readonly emitChanges?: boolean;
  /** Alert records kept, oldest dropped first (the stand-in for their TTL); default: all. */
  readonly retainAlerts?: number;
}

interface SymbolTicks {
  timestamps: number[];
  units: number[];
  volumes: number[];
}

/**
 * The change feed of a `MemoryMarketStore`: every write's record, in write order.
 *
 * @example
 * const batch = await store.feed.take(100);
 */
export class MemoryChangeFeed implements ChangeFeed {
  private queue: (ChangeRecord | TickInsert)[] = [];
  private head = 0;
  private sequence = 0;
  private wake: (() => void) | undefined;

  push(eventName: ChangeRecord['eventName'], keys: ChangeRecord['keys'], newImage: AttributeImage, oldImage?: AttributeImage): void {
    const sequenceNumber = sequenceText(++this.sequence);
    this.queue.push(
      oldImage === undefined ? { eventName, sequenceNumber, keys, newImage } : { eventName, sequenceNumber, keys, newImage, oldImage },
    );
    if (this.wake !== undefined) this.notify();
  }

  /** The INSERT of a tick item, kept compact until someone takes it (most are, one by one). */
  pushTickInsert(symbol: string, timestamp: number, units: number, volume: number, expiresAt: string, decimals: number): void {
    this.queue.push(new TickInsert(++this.sequence, symbol, timestamp, units, volume, expiresAt, decimals));
    if (this.wake !== undefined) this.notify();
  }

  /**
   * Resolves when records are waiting (at once if some are), or when `notify` is called:
   * a consumer that runs beside the writers waits on this instead of polling.
   */
  changed(): Promise<void> {
    if (this.size > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.wake;
      this.wake = () => {
        previous?.();
        resolve();
      };
    });
  }

  /** Wakes whoever waits in `changed` (records arrived, or the writers are done). */
  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async take(max: number): Promise<ChangeRecord[]> {
    const end = Math.min(this.queue.length, this.head + max);
    const out = this.queue.slice(this.head, end);
    this.head = end;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** Records waiting. */
  get size(): number {
    return this.queue.length - this.head;
  }
}

function sequenceText(n: number): string {
  return String(n).padStart(21, '0');
}

/**
 * A tick INSERT as the feed holds it: compact, its keys, image and sequence number text made
 * only when read (the trend path reads just `tick`, which is the record itself).
 */
class TickInsert implements ChangeRecord {
  readonly eventName = 'INSERT';

  constructor(
    readonly sequence: number,
    readonly symbol: string,
    readonly timestamp: number,
    readonly units: number,
    readonly volume: number,
    readonly expiresAt: string,
    readonly decimals: number,
  ) {}

  get tick(): { readonly symbol: string; readonly timestamp: number } {
    return this;
  }

  get sequenceNumber(): string {
    return sequenceText(this.sequence);
  }

  get keys(): { pk: string; sk: string } {
    return { pk: symbolKey(this.symbol), sk: tickKey(this.timestamp) };
  }

  get newImage(): AttributeImage {
    const { pk, sk } = this.keys;
    return tickImage(pk, sk, this.units, this.volume, this.expiresAt, this.decimals);
  }
}

/** A tick item in attribute-value form. */
function tickImage(pk: string, sk: string, units: number, volume: number, expiresAt: string, decimals: number): AttributeImage {
  return {
    pk: { S: pk },
    sk: { S: sk },
    price: { N: formatUnits(units, decimals) },
    volume: { N: String(volume) },
    expiresAt: { N: expiresAt },
  };
}

/**
 * The single-table store of DESIGN.md §4 in memory, with DynamoDB's semantics where the
 * flow depends on them: versioned conditional writes, idempotent alert records, and a
 * change feed shaped like DynamoDB Streams (INSERT/MODIFY, keys, new and old images in
 * attribute-value form, in write order; an unchanged put writes no record).
 *
 * @example
 * const store = new MemoryMarketStore({ clock });
 * await store.putTicks([{ symbol: 'AAPL', timestamp: 1704205800000, units: 187430000, volume: 100 }]);
 * await store.feed.take(10); // [{ eventName: 'INSERT', keys: { pk: 'SYMBOL#AAPL', sk: 'TICK#001704205800000' }, … }]
 */
export class MemoryMarketStore implements MarketStore {
  readonly feed = new MemoryChangeFeed();
  private readonly ticks = new Map<string, SymbolTicks>();
  private readonly latest = new Map<string, LatestAggregate>();
  private readonly trends = new Map<string, TrendRecord>();
  private readonly alertRecords = new Map<string, { alert: Alert; status: AlertStatus }>();
  private readonly decimals: number;
  private readonly retain: number;
  private readonly ttl: number;
  private readonly emit: boolean;

  constructor(private readonly options: MemoryMarketStoreOptions) {
    this.decimals = options.priceDecimals ?? 6;
    this.retain = options.retainTicks ?? Number.POSITIVE_INFINITY;
    this.ttl = options.tickTtlSeconds ?? 7 * 86_400;
    this.emit = options.emitChanges ?? true;
  }

  async getLatest(symbols: readonly string[]): Promise<Map<string, LatestAggregate>> {
    const out = new Map<string, LatestAggregate>();
    for (const s of symbols) {
      const l = this.latest.get(s);
      if (l !== undefined) out.set(s, l);
    }
    return out;
  }

  async putTicks(ticks: readonly StoredTick[]): Promise<void> {
    const expiresAt = String(Math.floor(this.options.clock.now() / 1000) + this.ttl);
    for (const tick of ticks) {
      let series = this.ticks.get(tick.symbol);
      if (series === undefined) {
        series = { timestamps: [], units: [], volumes: [] };
        this.ticks.set(tick.symbol, series);
      }
      const at = upperBound(series.timestamps, tick.timestamp);
      const exists = at > 0 && series.timestamps[at - 1] === tick.timestamp;
      if (exists) {
        const i = at - 1;
        if (series.units[i] === tick.units && series.volumes[i] === tick.volume) continue; // unchanged: no record
        const old = this.tickImage(tick.symbol, tick.timestamp, series.units[i] as number, series.volumes[i] as number, expiresAt);
        series.units[i] = tick.units;
        series.volumes[i] = tick.volume;
        this.change('MODIFY', this.tickImage(tick.symbol, tick.timestamp, tick.units, tick.volume, expiresAt), old);
        continue;
      }
      if (at === series.timestamps.length) {
        series.timestamps.push(tick.timestamp);
        series.units.push(tick.units);
        series.volumes.push(tick.volume);
      } else {
        series.timestamps.splice(at, 0, tick.timestamp);
        series.units.splice(at, 0, tick.units);
        series.volumes.splice(at, 0, tick.volume);
      }
      if (this.emit) this.feed.pushTickInsert(tick.symbol, tick.timestamp, tick.units, tick.volume, expiresAt, this.decimals);
      if (series.timestamps.length > this.retain * 2) {
        // Like TTL, expiry is lazy: prune in steps, keeping at least `retain` ticks.
        const drop = series.timestamps.length - this.retain;
        series.timestamps = series.timestamps.slice(drop);
        series.units = series.units.slice(drop);
        series.volumes = series.volumes.slice(drop);
      }
    }
  }

  async putLatest(latest: LatestAggregate): Promise<void> {
    const current = this.latest.get(latest.symbol);
    const stored = current?.version ?? 0;
    if (stored !== latest.version - 1) {
      throw new ConflictError(`LATEST of ${latest.symbol} is at version ${stored}, expected ${latest.version - 1}`);
    }
    this.latest.set(latest.symbol, latest);
    this.change(
      current ? 'MODIFY' : 'INSERT',
      this.plainImage(latest.symbol, LATEST_KEY, latest.version),
      current && this.plainImage(latest.symbol, LATEST_KEY, current.version),
    );
  }

  async recentTicks(symbol: string, atOrBefore: number, limit: number): Promise<StoredTick[]> {
    const series = this.ticks.get(symbol);
    if (series === undefined || limit <= 0) return [];
    const end = upperBound(series.timestamps, atOrBefore);
    const start = Math.max(0, end - limit);
    const out: StoredTick[] = [];
    for (let i = start; i < end; i++) {
      out.push({
        symbol,
        timestamp: series.timestamps[i] as number,
        units: series.units[i] as number,
        volume: series.volumes[i] as number,
      });
    }
    return out;
  }

  async getTrend(symbol: string): Promise<TrendRecord> {
    return this.trends.get(symbol) ?? { symbol, last: 0, lastTimestamp: null, version: 0, pending: [], claimedUntil: 0 };
  }

  async saveTrend(next: TrendRecord, expectedVersion: number, newAlerts: readonly Alert[]): Promise<void> {
    const current = this.trends.get(next.symbol);
    const stored = current?.version ?? 0;
    if (stored !== expectedVersion) {
      throw new ConflictError(`TREND of ${next.symbol} is at version ${stored}, expected ${expectedVersion}`);
    }
    for (const alert of newAlerts) {
      if (this.alertRecords.has(alert.id)) continue;
      this.alertRecords.set(alert.id, { alert, status: 'PENDING' });

      this.change('INSERT', this.plainImage(alert.symbol, alertKey(alert.timestamp, alert.signal), 1));
    }
    this.expireAlerts();
    this.trends.set(next.symbol, next);
    this.change(
      current ? 'MODIFY' : 'INSERT',
      this.plainImage(next.symbol, TREND_KEY, next.version),
      current && this.plainImage(next.symbol, TREND_KEY, current.version),
    );
  }

  async markAlertsSent(alerts: readonly Alert[]): Promise<void> {
    for (const alert of alerts) {
      const record = this.alertRecords.get(alert.id);
      if (record !== undefined && record.status !== 'SENT') record.status = 'SENT';
    }
  }

  /**
   * Forgets all but the newest `keep` recent ticks of every symbol: the in-memory stand-in
   * for TTL, for a driver that knows the trend path has read what it needs (the window of
   * `long` applied ticks is all it reads again). No change records, like TTL deletes that
   * the trend filter drops anyway.
   *
   * @example
   * store.expireTicks(20); // after the trend path has caught up
   */
  expireTicks(keep: number): void {
    for (const series of this.ticks.values()) {
      const drop = series.timestamps.length - keep;
      if (drop <= 0) continue;
      series.timestamps = series.timestamps.slice(drop);
      series.units = series.units.slice(drop);
      series.volumes = series.volumes.slice(drop);
    }
  }

  /**
   * Drops the oldest alert records beyond `retainAlerts`, in steps: deleting from the front of
   * a Map one at a time leaves holes every later `keys()` walks over.
   */
  private expireAlerts(): void {
    const keep = this.options.retainAlerts ?? Number.POSITIVE_INFINITY;
    if (this.alertRecords.size <= keep * 1.5) return;
    const newest = [...this.alertRecords].slice(-keep);
    this.alertRecords.clear();
    for (const [id, record] of newest) this.alertRecords.set(id, record);
  }

  /** Alert records with their status, oldest first (for tests, dashboards and reports). */
  alertLog(): { alert: Alert; status: AlertStatus }[] {
    return [...this.alertRecords.values()];
  }

  /** Every symbol's LATEST (for tests and the dashboard). */
  allLatest(): LatestAggregate[] {
    return [...this.latest.values()];
  }

  /** Every symbol's TREND record. */
  allTrends(): TrendRecord[] {
    return [...this.trends.values()];
  }

  private change(eventName: ChangeRecord['eventName'], newImage: AttributeImage, oldImage?: AttributeImage): void {
    if (!this.emit) return;
    this.feed.push(eventName, { pk: (newImage.pk as { S: string }).S, sk: (newImage.sk as { S: string }).S }, newImage, oldImage);
  }

  private tickImage(symbol: string, timestamp: number, units: number, volume: number, expiresAt: string): AttributeImage {
    return tickImage(symbolKey(symbol), tickKey(timestamp), units, volume, expiresAt, this.decimals);
  }

  private plainImage(symbol: string, sk: string, version: number): AttributeImage {
    return { pk: { S: symbolKey(symbol) }, sk: { S: sk }, version: { N: String(version) } };
  }
}

/** Index of the first element greater than `value` in an ascending array. */
function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  // Appends dominate: check the end first.
  if (hi === 0 || (sorted[hi - 1] as number) <= value) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The values that cross the ports: ticks, alerts, aggregates, store records.
 * They live here (not in `src/domain`) because ports import nothing of ours, and the
 * domain and every adapter speak in these shapes.
 */

/**
 * A validated tick. `price` is the quantised decimal (`units / 10^d`); `units` is the
 * exact integer the arithmetic runs on (DESIGN.md §3).
 *
 * @example
 * const tick: Tick = { symbol: 'AAPL', timestamp: 1704189600000, price: 187.43, units: 187430000, volume: 100 };
 */
export interface Tick {
  /** Upper-case symbol: `A–Z 0–9 . - ^ =`, 1–16 chars, e.g. `AAPL`, `BRK-B`, `^GSPC`. */
  readonly symbol: string;
  /** Epoch milliseconds, UTC. */
  readonly timestamp: number;
  /** The quantised price as a number (for display; exact maths uses `units`). */
  readonly price: number;
  /** The price in integer units of 10^−d. */
  readonly units: number;
  /** Traded volume, a whole number ≥ 0. */
  readonly volume: number;
  /** Where the tick came from (`yahoo`, `simulated`, `csv`, …). */
  readonly source?: string;
}

/**
 * Hive-style partition of the data lake: the UTC day of a tick.
 *
 * @example
 * const p: Partition = { year: 2024, month: 1, day: 2 };
 */
export interface Partition {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/**
 * A tick as the lake keeps it: the tick plus when and in what order it was ingested.
 *
 * @example
 * const e: EnrichedTick = { ...tick, source: 'csv', ingestedAt: 1704189601000, sequence: '49590338271490256608559692538361571095921575989136588898', partition: { year: 2024, month: 1, day: 2 } };
 */
export interface EnrichedTick extends Tick {
  readonly source: string;
  /** Epoch ms at which the ingest use case handled the record. */
  readonly ingestedAt: number;
  /** The stream sequence number of the record (arrival order within a shard). */
  readonly sequence: string;
  readonly partition: Partition;
}

/** `GOLDEN_CROSS`: SMA-short crossed above SMA-long. `DEATH_CROSS`: crossed below. */
export type Signal = 'GOLDEN_CROSS' | 'DEATH_CROSS';
/** The trend a signal announces. */
export type Trend = 'UPTREND' | 'DOWNTREND';

/**
 * A crossover alert. `id` = `symbol#timestamp#signal`: the same crossing always has the same id.
 *
 * @example
 * const a: Alert = { id: 'AAPL#1704189600000#GOLDEN_CROSS', symbol: 'AAPL', signal: 'GOLDEN_CROSS', trend: 'UPTREND', timestamp: 1704189600000, price: 187.43, smaShort: 187.1, smaLong: 186.9 };
 */
export interface Alert {
  readonly id: string;
  readonly symbol: string;
  readonly signal: Signal;
  readonly trend: Trend;
  readonly timestamp: number;
  readonly price: number;
  readonly smaShort: number;
  readonly smaLong: number;
}

/** -1, 0 or +1: the sign of `L·ΣS − S·ΣL`. */
export type CrossSign = -1 | 0 | 1;

/**
 * The serialisable state of one symbol's `TrendTracker`: enough to resume exactly.
 *
 * @example
 * const s: TrendState = { short: 5, long: 20, last: 1, lastTimestamp: 1704189600000, units: [187430000] };
 */
export interface TrendState {
  readonly short: number;
  readonly long: number;
  /** The last non-zero crossover sign (0 before any). */
  readonly last: CrossSign;
  /** Timestamp of the last applied tick, or null before any. */
  readonly lastTimestamp: number | null;
  /** Units of the last `long` applied ticks, oldest first (fewer before the window fills). */
  readonly units: readonly number[];
}

/**
 * Short-term aggregates kept in the store's `LATEST` item, updated by ingest.
 *
 * @example
 * const l = advanceLatest(undefined, [tick], 20); // from the domain: the item after a first tick
 */
export interface LatestAggregate {
  readonly symbol: string;
  /** Optimistic-concurrency version: 0 when the item does not exist yet. */
  readonly version: number;
  readonly lastTimestamp: number;
  readonly lastUnits: number;
  /** Change in units against the previous applied tick (0 for the first). */
  readonly changeUnits: number;
  /** UTC day (`YYYY-MM-DD`) the day fields refer to. */
  readonly day: string;
  readonly dayOpenUnits: number;
  readonly dayHighUnits: number;
  readonly dayLowUnits: number;
  readonly dayVolume: number;
  /** Σ price × volume over the day (in price units × volume; a double, for VWAP only). */
  readonly dayTurnoverUnits: number;
  /** Units of the last `long` applied ticks, oldest first: the SMAs follow from them. */
  readonly window: readonly number[];
  readonly ticks: number;
}

/**
 * The `TREND` item: the tracker state minus the tick window (read back from the recent
 * ticks), plus the version for conditional updates and the alerts not yet known sent.
 *
 * @example
 * const t: TrendRecord = { symbol: 'AAPL', last: 0, lastTimestamp: null, version: 0, pending: [], claimedUntil: 0 };
 */
export interface TrendRecord {
  readonly symbol: string;
  readonly last: CrossSign;
  readonly lastTimestamp: number | null;
  /** 0 when no TREND item exists yet; each successful update increments it. */
  readonly version: number;
  /** Alerts recorded but not yet confirmed published (the outbox). */
  readonly pending: readonly Alert[];
  /** Epoch ms until which an invocation holds the right to publish `pending`. */
  readonly claimedUntil: number;
  /**
   * Units of the last `long` applied ticks, oldest first: the window itself, so a symbol quiet
   * for longer than its tick items live (their TTL) resumes exactly. Absent from records
   * written before it was kept, and for periods longer than `MAX_KEPT_WINDOW` (the window is
   * then read back from the tick items).
   */
  readonly window?: readonly number[];
}

/**
 * A recent tick as the store keeps it (the `TICK#` items).
 *
 * @example
 * const r: StoredTick = { symbol: 'AAPL', timestamp: 1704189600000, units: 187430000, volume: 100 };
 */
export interface StoredTick {
  readonly symbol: string;
  readonly timestamp: number;
  readonly units: number;
  readonly volume: number;
}

/** Status of an alert record in the store. */
export type AlertStatus = 'PENDING' | 'SENT';

/**
 * A change record, shaped like a DynamoDB Streams record: what the trend path consumes.
 * Images are in DynamoDB's attribute-value form (`{ S: … }`, `{ N: … }`), as Streams sends
 * them; nothing converts them, and the trend path reads only the keys.
 *
 * @example
 * const sk = tickKey(1704189600000); // 'TICK#001704189600000'
 * const c: ChangeRecord = { eventName: 'INSERT', sequenceNumber: '100', keys: { pk: 'SYMBOL#AAPL', sk }, newImage: { pk: { S: 'SYMBOL#AAPL' }, sk: { S: sk }, price: { N: '187.43' } } };
 */
export interface ChangeRecord {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly sequenceNumber: string;
  readonly keys: { readonly pk: string; readonly sk: string };
  readonly newImage?: Readonly<Record<string, unknown>>;
  readonly oldImage?: Readonly<Record<string, unknown>>;
  /**
   * The symbol and timestamp of the recent-tick item the record is about, when the feed
   * knows them without its keys (the in-memory store); the keys say the same. Readers
   * fall back to parsing the keys.
   */
  readonly tick?: { readonly symbol: string; readonly timestamp: number };
}

/**
 * A record as it arrives on the stream (a Kinesis record, decoded from the event).
 *
 * @example
 * const r: StreamRecord = { sequenceNumber: '1', partitionKey: 'AAPL', data: new TextEncoder().encode('{"symbol":"AAPL"}') };
 */
export interface StreamRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The record's bytes (the JSON text of a tick, possibly gzip'd by the producer). */
  readonly data: Uint8Array;
  /** Epoch ms the stream received it, when known. */
  readonly arrivedAt?: number;
  /**
   * In-memory streams only: the plain value whose JSON text `data` is, when the producer
   * published one. Validating it gives exactly what validating `data` gives.
   */
  readonly value?: PlainRecordValue;
  /**
   * The record's verdict when the event adapter already knows it cannot be a tick, before
   * validation: a gzip'd payload that inflates past `MAX_RECORD_BYTES` is `TOO_LARGE` (it is
   * not inflated further, and `data` holds the bytes as received).
   */
  readonly refused?: { readonly code: RejectCode; readonly message: string };
}

/**
 * A flat JSON object: what a tick record is, and a value `JSON.parse(JSON.stringify(…))`
 * gives back unchanged.
 */
export type PlainRecordValue = Readonly<Record<string, string | number | boolean | null>>;

/** Stable rejection codes of `validateTick` and of the decoder, and `BAD_ROW` of the file sources. */
export type RejectCode =
  | 'INVALID_JSON'
  | 'NOT_AN_OBJECT'
  | 'TOO_LARGE'
  | 'BAD_SYMBOL'
  | 'BAD_PRICE'
  | 'BAD_VOLUME'
  | 'BAD_TIMESTAMP'
  | 'BAD_SOURCE'
  /** A file row that is not a record at all (CSV: a quoted field not closed on its line, the wrong number of fields). */
  | 'BAD_ROW';

/**
 * A quarantined record: what came in, why it was refused, and where it came from.
 *
 * @example
 * const r: Rejection = { code: 'BAD_PRICE', message: 'price must be a number > 0, got "abc"', record: '{"price":"abc"}', sequence: '7', receivedAt: 1704189600000 };
 */
export interface Rejection {
  readonly code: RejectCode;
  readonly message: string;
  /** The record as received, as text (bytes that are not UTF-8 are kept as base64). */
  readonly record: string;
  /** `utf8` or `base64`: how `record` is encoded. */
  readonly encoding?: 'utf8' | 'base64';
  readonly sequence: string;
  readonly receivedAt: number;
}

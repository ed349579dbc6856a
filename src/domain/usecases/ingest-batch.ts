import type { Clock } from '../../ports/clock.port.js';
import type { FlowObserver } from '../../ports/flow-observer.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { MarketStore } from '../../ports/market-store.port.js';
import type { EnrichedTick, LatestAggregate, Partition, RejectCode, Rejection, StoredTick, StreamRecord } from '../../ports/model.js';
import type { RawTickArchive } from '../../ports/raw-tick-archive.port.js';
import type { RejectSink } from '../../ports/reject-sink.port.js';
import { enrich, partitionOf } from '../enrich.js';
import { keptRecord, shardObjectId } from '../lake-layout.js';
import { advanceLatest } from '../latest-aggregate.js';
import { DEFAULT_PRICE_DECIMALS } from '../price.js';
import { DEFAULT_LONG } from '../trend-tracker.js';
import { validateTick } from '../validate-tick.js';

/** The ports `IngestBatch` talks to. */
export interface IngestPorts {
  readonly archive: RawTickArchive;
  readonly rejects: RejectSink;
  readonly store: MarketStore;
  readonly clock: Clock;
  readonly observer: FlowObserver;
  readonly logger: Logger;
}

/** Options of `IngestBatch`. */
export interface IngestOptions {
  /** Decimals prices are quantised to (default 6). */
  readonly priceDecimals?: number;
  /** SMA-long period: how many units the `LATEST` item keeps (default 20). */
  readonly long?: number;
  /** `source` recorded for ticks that name none (default `stream`). */
  readonly defaultSource?: string;
}

/** One batch of stream records from one shard, in order. */
export interface IngestInput {
  /** Deterministic for the batch (shard id and first sequence number): names its log lines, and its lake objects unless `shardId` is given. */
  readonly batchId: string;
  /**
   * The shard the records come from. Given, each lake object is named by the shard and the
   * first sequence number of its own records (`shardObjectId`): a batch Lambda bisects after
   * a failed invocation then rewrites the objects the whole batch wrote instead of adding
   * copies beside them. Without it, every object of the batch is named `batchId`.
   */
  readonly shardId?: string;
  readonly records: readonly StreamRecord[];
}

/** What became of each record: settled in the lake, or left for redelivery. */
export type RecordOutcome = 'archived' | 'quarantined' | 'retry';

/** The result of one batch. */
export interface IngestResult {
  readonly outcomes: readonly RecordOutcome[];
  /** Sequence number of the earliest record to deliver again, if any failed transiently. */
  readonly firstFailure: string | undefined;
  readonly archived: number;
  readonly quarantined: number;
}

interface Valid {
  readonly index: number;
  readonly tick: EnrichedTick;
}
interface Invalid {
  readonly index: number;
  readonly rejection: Rejection;
}

/** How ingest classified a valid record against its symbol's LATEST (0: applied). */
const DUPLICATE = 1;
const LATE = 2;

/**
 * The ingest use case: decode → validate → enrich → route. Valid ticks go to the store
 * (recent ticks of the symbol that are newer than its `LATEST`, and the new `LATEST`) and
 * to the lake (one object per symbol-day); invalid records go to quarantine with code and
 * message. A transient failure leaves the records from the earliest affected one for
 * redelivery, and nothing at or after that point is written to the lake, so redelivery
 * neither loses nor duplicates data.
 *
 * @example
 * const ingest = new IngestBatch({ archive, rejects, store, clock, observer, logger });
 * const { firstFailure } = await ingest.execute({ batchId: 'shard-1_100', records });
 */
export class IngestBatch {
  private readonly priceDecimals: number;
  private readonly long: number;
  private readonly defaultSource: string;

  constructor(
    private readonly ports: IngestPorts,
    options: IngestOptions = {},
  ) {
    this.priceDecimals = options.priceDecimals ?? DEFAULT_PRICE_DECIMALS;
    this.long = options.long ?? DEFAULT_LONG;
    this.defaultSource = options.defaultSource ?? 'stream';
  }

  async execute(input: IngestInput): Promise<IngestResult> {
    const { records } = input;
    const now = this.ports.clock.now();
    const options = { now, priceDecimals: this.priceDecimals, defaultSource: this.defaultSource };
    const valid: Valid[] = [];
    const invalid: Invalid[] = [];
    for (let index = 0; index < records.length; index++) {
      const record = records[index] as StreamRecord;
      // A plain value from an in-memory stream validates exactly as its JSON text would.
      const value = record.value;
      const result = record.refused
        ? ({ ok: false, ...record.refused } as const)
        : validateTick(value === undefined ? record.data : value, options);
      if (result.ok) {
        valid.push({ index, tick: enrich(result.tick, { ingestedAt: now, sequence: record.sequenceNumber, source: this.defaultSource }) });
      } else {
        invalid.push({ index, rejection: rejectionOf(record, result.code, result.message, now) });
      }
    }

    const bySymbol = groupBy(valid, (v) => v.tick.symbol);
    const store = await this.writeStore(bySymbol, records.length);
    let cut = Math.min(store.cut, records.length);
    // Only what comes before the cut is settled: archived, quarantined and counted.
    const before = <T extends { index: number }>(items: T[]): T[] => (cut >= records.length ? items : items.filter((x) => x.index < cut));
    // Rejects go under the day the record naming their object arrived (the first reject with
    // a shard, else the batch's first), not the day it is processed: a batch delivered again
    // after midnight, whole or bisected, replaces its object instead of adding one under a
    // second day. (An event built without arrival times carries 0: then the processing time.)
    const namer = input.shardId === undefined ? 0 : (invalid[0]?.index ?? 0);
    const firstArrival = (records[namer] as StreamRecord | undefined)?.arrivedAt ?? 0;
    const arrived = firstArrival > 0 ? firstArrival : now;
    if (!(await this.writeLake(input, before(valid), before(invalid), arrived))) cut = 0;
    const settled = before(valid);
    const quarantine = before(invalid);

    const outcomes: RecordOutcome[] = new Array(records.length).fill('retry');
    const counts = { applied: 0, duplicates: 0, late: 0 };
    const accepted = new Array<EnrichedTick>(settled.length);
    settled.forEach((v, i) => {
      outcomes[v.index] = 'archived';
      accepted[i] = v.tick;
      const k = store.kind[v.index];
      if (k === DUPLICATE) counts.duplicates++;
      else if (k === LATE) counts.late++;
      else counts.applied++;
    });
    const rejected: Partial<Record<RejectCode, number>> = {};
    for (const r of quarantine) {
      outcomes[r.index] = 'quarantined';
      rejected[r.rejection.code] = (rejected[r.rejection.code] ?? 0) + 1;
    }
    this.ports.observer.ingested({
      accepted,
      ...counts,
      rejected,
      rejections: quarantine.map(({ rejection: { code, message, sequence } }) => ({ code, message, sequence })),
      retried: records.length - cut,
    });
    const firstFailure = cut < records.length ? (records[cut] as StreamRecord).sequenceNumber : undefined;
    if (firstFailure !== undefined) {
      this.ports.logger.warn('ingest: records left for redelivery', {
        batchId: input.batchId,
        fromSequence: firstFailure,
        count: records.length - cut,
      });
    }
    return { outcomes, firstFailure, archived: settled.length, quarantined: quarantine.length };
  }

  /**
   * Writes the ticks that are new for each symbol, then each symbol's `LATEST`. Returns the
   * index of the earliest record of a symbol whose writes failed (records.length if none),
   * and how each valid record was classified.
   */
  private async writeStore(bySymbol: Map<string, Valid[]>, size: number): Promise<{ cut: number; kind: Uint8Array }> {
    const kind = new Uint8Array(size); // APPLIED unless marked
    const symbols = [...bySymbol.keys()];
    if (symbols.length === 0) return { cut: Number.POSITIVE_INFINITY, kind };
    const firstIndexOf = (symbol: string) => (bySymbol.get(symbol) as Valid[])[0]?.index ?? 0;
    let previous: Map<string, LatestAggregate>;
    try {
      previous = await this.ports.store.getLatest(symbols);
    } catch (error) {
      this.ports.logger.warn('ingest: reading LATEST failed', { error: messageOf(error) });
      return { cut: 0, kind };
    }

    const fresh = new Map<string, StoredTick[]>();
    for (const [symbol, items] of bySymbol) {
      let watermark = previous.get(symbol)?.lastTimestamp ?? Number.NEGATIVE_INFINITY;
      const ticks: StoredTick[] = [];
      for (const { index, tick } of items) {
        if (tick.timestamp > watermark) {
          watermark = tick.timestamp;
          ticks.push(tick); // an EnrichedTick is a StoredTick
        } else {
          kind[index] = tick.timestamp === watermark ? DUPLICATE : LATE;
        }
      }
      if (ticks.length > 0) fresh.set(symbol, ticks);
    }
    if (fresh.size === 0) return { cut: Number.POSITIVE_INFINITY, kind };

    let cut = Number.POSITIVE_INFINITY;
    try {
      await this.ports.store.putTicks([...fresh.values()].flat());
    } catch (error) {
      this.ports.logger.warn('ingest: writing recent ticks failed', { error: messageOf(error) });
      for (const symbol of fresh.keys()) cut = Math.min(cut, firstIndexOf(symbol));
      return { cut, kind };
    }
    const writes = [...fresh].map(([symbol, ticks]) => this.ports.store.putLatest(advanceLatest(previous.get(symbol), ticks, this.long)));
    const results = await Promise.allSettled(writes);
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        const symbol = [...fresh.keys()][i] as string;
        this.ports.logger.warn('ingest: writing LATEST failed', { symbol, error: messageOf(r.reason) });
        cut = Math.min(cut, firstIndexOf(symbol));
      }
    });
    return { cut, kind };
  }

  /** Archives valid ticks per symbol-day and quarantines rejects under the day `arrived`; false if any write failed. */
  private async writeLake(input: IngestInput, valid: Valid[], invalid: Invalid[], arrived: number): Promise<boolean> {
    const { batchId, shardId } = input;
    const nameOf = (firstSequence: string) => (shardId === undefined ? batchId : shardObjectId(shardId, firstSequence));
    const writes: Promise<string>[] = [];
    // One object per symbol-day: group by symbol, then by the day as a number.
    const groups = new Map<string, Map<number, Valid[]>>();
    for (const v of valid) {
      let days = groups.get(v.tick.symbol);
      if (days === undefined) {
        days = new Map();
        groups.set(v.tick.symbol, days);
      }
      const p = v.tick.partition;
      const day = p.year * 10_000 + p.month * 100 + p.day;
      const list = days.get(day);
      if (list === undefined) days.set(day, [v]);
      else list.push(v);
    }
    for (const items of [...groups.values()].flatMap((days) => [...days.values()])) {
      const first = (items[0] as Valid).tick;
      writes.push(
        this.ports.archive.writeSymbolDay(
          nameOf(first.sequence),
          first.symbol,
          first.partition,
          items.map((v) => v.tick),
        ),
      );
    }
    if (invalid.length > 0) {
      const day: Partition = partitionOf(arrived);
      writes.push(
        this.ports.rejects.writeRejects(
          nameOf((invalid[0] as Invalid).rejection.sequence),
          day,
          invalid.map((r) => r.rejection),
        ),
      );
    }
    const results = await Promise.allSettled(writes);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      this.ports.logger.warn('ingest: lake writes failed; the batch will be delivered again', {
        batchId,
        failed: failed.length,
        error: messageOf(failed[0]?.reason),
      });
      return false;
    }
    return true;
  }
}

function rejectionOf(record: StreamRecord, code: RejectCode, message: string, now: number): Rejection {
  return { code, message, ...keptRecord(record.data), sequence: record.sequenceNumber, receivedAt: now };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * The message of an unknown thrown value, for logs.
 *
 * @example
 * messageOf(new TypeError('x')); // 'TypeError: x'
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

import type { EnrichedTick, Partition, Tick } from '../ports/model.js';

/**
 * The UTC calendar day of an epoch-ms timestamp, by arithmetic (no Date object: this runs
 * once per tick on the ingest path).
 *
 * @example
 * partitionOf(1704205800000); // { year: 2024, month: 1, day: 2 }
 */
export function partitionOf(timestamp: number): Partition {
  const days = Math.floor(timestamp / 86_400_000);
  // Ticks come in runs of the same day: answer those with the same (frozen) object.
  if (days === lastDays) return lastPartition;
  lastDays = days;
  lastPartition = Object.freeze(civilFromDays(days));
  return lastPartition;
}

let lastDays = Number.NaN;
let lastPartition: Partition = { year: 1970, month: 1, day: 1 };

function civilFromDays(days: number): Partition {
  // Howard Hinnant's civil_from_days, for days since 1970-01-01.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/**
 * `YYYY-MM-DD` of a partition.
 *
 * @example
 * partitionDay({ year: 2024, month: 1, day: 2 }); // '2024-01-02'
 */
export function partitionDay(p: Partition): string {
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** What ingest knows about a record besides the tick itself. */
export interface EnrichContext {
  readonly ingestedAt: number;
  readonly sequence: string;
  /** Used when the tick names no source. */
  readonly source: string;
}

/**
 * Adds the lake fields to a tick: partition (UTC day), ingestion time, sequence, source.
 *
 * @example
 * enrich(tick, { ingestedAt: 1704205801000, sequence: '42', source: 'kinesis' }).partition; // { year: 2024, month: 1, day: 2 }
 */
export function enrich(tick: Tick, context: EnrichContext): EnrichedTick {
  // Spelled out rather than spread: this runs once per tick on the ingest path.
  return {
    symbol: tick.symbol,
    timestamp: tick.timestamp,
    price: tick.price,
    units: tick.units,
    volume: tick.volume,
    source: tick.source ?? context.source,
    ingestedAt: context.ingestedAt,
    sequence: context.sequence,
    partition: partitionOf(tick.timestamp),
  };
}

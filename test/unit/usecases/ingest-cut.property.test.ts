import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import { MemoryLake } from '../../../src/adapters/local/memory-lake.js';
import { MemoryMarketStore } from '../../../src/adapters/local/memory-market-store.js';
import { IngestBatch, type RecordOutcome } from '../../../src/domain/usecases/ingest-batch.js';
import type { FlowObserver, IngestReport } from '../../../src/ports/flow-observer.port.js';
import type { MarketStore } from '../../../src/ports/market-store.port.js';
import type { LatestAggregate, StoredTick, StreamRecord } from '../../../src/ports/model.js';

const T0 = Date.UTC(2024, 0, 2, 14, 30);
const NOW = Date.UTC(2024, 0, 3);
const SYMBOLS = ['A', 'B', 'C'] as const;
type Sym = (typeof SYMBOLS)[number];
const enc = new TextEncoder();

/** A record of the batch: a tick of a symbol at T0 + offset, or one that fails validation. */
type Item = { symbol: Sym; offset: number } | { bad: true };
const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ symbol: fc.constantFrom(...SYMBOLS), offset: fc.integer({ min: 0, max: 12 }) }) },
  { weight: 1, arbitrary: fc.constant({ bad: true as const }) },
);

/** Which write fails: one symbol's LATEST, or the one putTicks call. */
const failureArb = fc.oneof(
  fc.constantFrom(...SYMBOLS).map((symbol) => ({ method: 'putLatest' as const, symbol })),
  fc.constant({ method: 'putTicks' as const }),
  fc.constant({ method: 'none' as const }),
);

function streamRecords(items: readonly Item[], from: number): StreamRecord[] {
  return items.map((item, i) => ({
    sequenceNumber: String(from + i).padStart(12, '0'),
    partitionKey: 'bad' in item ? 'X' : item.symbol,
    data: enc.encode(
      'bad' in item ? '{"symbol":' : JSON.stringify({ symbol: item.symbol, timestamp: T0 + item.offset, price: 1, volume: 1 }),
    ),
  }));
}

/**
 * The naive oracle of DESIGN.md §5 and the cut rule: per symbol, a tick is new when it is
 * later than every tick before it (its LATEST, then the batch); a symbol whose new ticks could
 * not be written is retried from its first record in the batch; everything before the
 * earliest such record is settled.
 */
function expectedCut(items: readonly Item[], seeded: ReadonlyMap<Sym, number>, failing: (s: Sym) => boolean): number {
  const watermark = new Map(seeded);
  const first = new Map<Sym, number>();
  const hasNew = new Set<Sym>();
  items.forEach((item, i) => {
    if ('bad' in item) return;
    if (!first.has(item.symbol)) first.set(item.symbol, i);
    if (item.offset > (watermark.get(item.symbol) ?? Number.NEGATIVE_INFINITY)) {
      watermark.set(item.symbol, item.offset);
      hasNew.add(item.symbol);
    }
  });
  let cut = items.length;
  for (const s of hasNew) if (failing(s)) cut = Math.min(cut, first.get(s) as number);
  return cut;
}

describe('IngestBatch: where a batch is cut (property)', () => {
  it('a failed store write leaves for redelivery exactly the records from the first record of an affected symbol; before it every record is settled and reported once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ symbol: fc.constantFrom(...SYMBOLS), offset: fc.integer({ min: 0, max: 12 }) }), { maxLength: 6 }),
        fc.array(itemArb, { minLength: 1, maxLength: 25 }),
        failureArb,
        async (earlier, items, failure) => {
          const clock = new ManualClock(NOW);
          const store = new MemoryMarketStore({ clock, emitChanges: false });
          const ports = { clock, logger: new MemoryLogger() };
          // An earlier batch sets each symbol's LATEST: the ticks of this one at or before it are duplicates or late.
          const none: FlowObserver = { ingested: () => {}, alerted: () => {}, sourceRejected: () => {} };
          const warmLake = new MemoryLake();
          await new IngestBatch({ ...ports, archive: warmLake, rejects: warmLake, store, observer: none }).execute({
            batchId: 'warm',
            records: streamRecords(earlier, 1),
          });
          const seeded = new Map(store.allLatest().map((l) => [l.symbol as Sym, l.lastTimestamp - T0]));

          const failing = (s: Sym) => failure.method === 'putTicks' || (failure.method === 'putLatest' && failure.symbol === s);
          const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
          const faulty: MarketStore = Object.assign(Object.create(store) as MarketStore, {
            putTicks: async (ticks: readonly StoredTick[]) => {
              if (failure.method === 'putTicks') throw throttled();
              return store.putTicks(ticks);
            },
            putLatest: async (latest: LatestAggregate) => {
              if (failure.method === 'putLatest' && latest.symbol === failure.symbol) throw throttled();
              return store.putLatest(latest);
            },
          });
          const reports: IngestReport[] = [];
          const lake = new MemoryLake();
          const records = streamRecords(items, 1000);
          const result = await new IngestBatch({
            ...ports,
            archive: lake,
            rejects: lake,
            store: faulty,
            observer: { ...none, ingested: (r) => reports.push(r) },
          }).execute({ batchId: 'b', records });

          const cut = expectedCut(items, seeded, failing);
          expect(result.firstFailure).toBe(records[cut]?.sequenceNumber);
          const outcomes: RecordOutcome[] = items.map((item, i) => (i >= cut ? 'retry' : 'bad' in item ? 'quarantined' : 'archived'));
          expect(result.outcomes).toEqual(outcomes);
          // The report counts each settled record once and names how many are left for redelivery.
          const [report] = reports as [IngestReport];
          expect(reports).toHaveLength(1);
          expect(report.retried).toBe(items.length - cut);
          expect(report.accepted.length + report.rejections.length).toBe(cut);
          expect(report.applied + report.duplicates + report.late).toBe(report.accepted.length);
          // Nothing at or after the cut is in the lake.
          const archived = [...lake.objects].filter(([k]) => k.startsWith('raw/')).flatMap(([, lines]) => lines);
          expect(archived.map((l) => JSON.parse(l).sequence).sort()).toEqual(
            records.filter((_, i) => i < cut && !('bad' in (items[i] as Item))).map((r) => r.sequenceNumber),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

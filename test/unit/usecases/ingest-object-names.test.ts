import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import { MemoryLake } from '../../../src/adapters/local/memory-lake.js';
import { MemoryMarketStore } from '../../../src/adapters/local/memory-market-store.js';
import { IngestBatch } from '../../../src/domain/usecases/ingest-batch.js';
import type { FlowObserver } from '../../../src/ports/flow-observer.port.js';
import type { StreamRecord } from '../../../src/ports/model.js';

// Lambda bisects a batch whose invocation failed, even one that timed out after its work:
// the halves must rewrite the objects the whole batch wrote, never add copies beside them.
const MIDNIGHT = Date.UTC(2024, 0, 3);
const none: FlowObserver = { ingested: () => {}, alerted: () => {}, sourceRejected: () => {} };

function setup() {
  const clock = new ManualClock(MIDNIGHT + 3_600_000);
  const store = new MemoryMarketStore({ clock, emitChanges: false });
  const lake = new MemoryLake();
  const ingest = new IngestBatch({ clock, logger: new MemoryLogger(), store, archive: lake, rejects: lake, observer: none });
  const run = (records: StreamRecord[]) =>
    ingest.execute({ batchId: `shardId-0_${records[0]?.sequenceNumber}`, shardId: 'shardId-0', records });
  return { run, lake };
}
const rec = (seq: number, text: string, arrivedAt: number): StreamRecord => ({
  sequenceNumber: String(seq),
  partitionKey: 'k',
  data: new TextEncoder().encode(text),
  arrivedAt,
});
const tick = (seq: number, timestamp: number, arrivedAt = MIDNIGHT - 1) =>
  rec(seq, JSON.stringify({ symbol: 'AAPL', timestamp, price: 1, volume: 1 }), arrivedAt);
/** Each line of a zone, as the key of the object holding it. */
const lines = (lake: MemoryLake, zone: string) => [...lake.objects].filter(([k]) => k.startsWith(zone)).flatMap(([k, l]) => l.map(() => k));

describe('IngestBatch lake object names', () => {
  it('a batch timed out after its work, then bisected: each symbol-day object is rewritten under its own first record', async () => {
    const { run, lake } = setup();
    // AAPL on day 3, then day 2, then day 3 again: the day-2 object begins at record 2.
    const batch = [tick(1, MIDNIGHT + 5), tick(2, MIDNIGHT - 5), tick(3, MIDNIGHT + 6), tick(4, MIDNIGHT - 4)];
    await run(batch);
    const whole = lines(lake, 'raw/').sort();
    expect(whole).toEqual([
      'raw/symbol=AAPL/year=2024/month=01/day=02/shardId-0_2.ndjson.gz',
      'raw/symbol=AAPL/year=2024/month=01/day=02/shardId-0_2.ndjson.gz',
      'raw/symbol=AAPL/year=2024/month=01/day=03/shardId-0_1.ndjson.gz',
      'raw/symbol=AAPL/year=2024/month=01/day=03/shardId-0_1.ndjson.gz',
    ]);
    await run(batch.slice(0, 2));
    await run(batch.slice(2));
    // Four ticks, each archived once (the halves' objects: _1 and _2, then _3 and _4).
    expect(lines(lake, 'raw/')).toHaveLength(4);
  });

  it('a batch straddling midnight, timed out after its work, then bisected: its reject is quarantined once', async () => {
    const { run, lake } = setup();
    const r1 = tick(1, MIDNIGHT - 5000, MIDNIGHT - 1000);
    const r2 = rec(2, '{"symbol":', MIDNIGHT + 1000);
    await run([r1, r2]);
    await run([r1]);
    await run([r2]);
    expect(lines(lake, 'rejected/')).toEqual(['rejected/year=2024/month=01/day=03/shardId-0_2.ndjson.gz']);
  });

  it('a batch timed out after its work, then bisected down any tree of halves: every record is archived or quarantined exactly once (property)', async () => {
    // Ticks of two symbols on both sides of midnight, and records that fail validation, arriving on either day.
    const itemArb = fc.oneof(
      fc.record({ symbol: fc.constantFrom('AAPL', 'MSFT'), offset: fc.integer({ min: -3, max: 3 }), late: fc.boolean() }),
      fc.record({ bad: fc.constant(true as const), late: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(itemArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 24 }),
        async (items, splits) => {
          const { run, lake } = setup();
          const batch = items.map((item, i) => {
            const arrivedAt = item.late ? MIDNIGHT + 1000 * (i + 1) : MIDNIGHT - 1000 * (i + 1);
            return 'bad' in item
              ? rec(i + 1, '{"symbol":', arrivedAt)
              : rec(
                  i + 1,
                  JSON.stringify({ symbol: item.symbol, timestamp: MIDNIGHT + item.offset * 1000, price: 1, volume: 1 }),
                  arrivedAt,
                );
          });
          // Lambda splits a failed batch in two (the first half takes the odd record) and delivers
          // each half; any invocation may itself time out after its work and be split again.
          let k = 0;
          const deliver = async (from: number, to: number): Promise<void> => {
            await run(batch.slice(from, to));
            if (to - from > 1 && (splits[k++] ?? false)) {
              const middle = from + Math.ceil((to - from) / 2);
              await deliver(from, middle);
              await deliver(middle, to);
            }
          };
          await deliver(0, batch.length);
          const sequences = (zone: string) =>
            [...lake.objects]
              .filter(([key]) => key.startsWith(zone))
              .flatMap(([, l]) => l.map((line) => Number((JSON.parse(line) as { sequence: string }).sequence)))
              .sort((a, b) => a - b);
          const expected = (bad: boolean) => items.flatMap((item, i) => ('bad' in item === bad ? [i + 1] : []));
          expect(sequences('raw/')).toEqual(expected(false));
          expect(sequences('rejected/')).toEqual(expected(true));
        },
      ),
      { numRuns: 300 },
    );
  });
});

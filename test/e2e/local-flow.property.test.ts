import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../src/adapters/local/loggers.js';
import { SimulatedTickSource } from '../../src/adapters/sources/simulated-tick-source.js';
import { replay } from '../../src/container/replay.js';
import { compareAlerts } from '../../src/domain/alert.js';
import { MultiSymbolTracker } from '../../src/domain/multi-symbol-tracker.js';
import { validateTick } from '../../src/domain/validate-tick.js';
import type { Alert } from '../../src/ports/model.js';
import type { TickSource } from '../../src/ports/tick-source.port.js';
import { marketArb, NOW } from '../support/flow-arbitraries.js';

/** The oracle: the pure tracker over the valid records, in the order they were sent. */
function trackerAlerts(records: readonly unknown[], short: number, long: number): { alerts: Alert[]; valid: number; invalid: number } {
  const tracker = new MultiSymbolTracker({ short, long });
  const alerts: Alert[] = [];
  let valid = 0;
  for (const r of records) {
    const v = validateTick(typeof r === 'string' || r instanceof Uint8Array ? r : JSON.stringify(r), { now: NOW });
    if (!v.ok) continue;
    valid++;
    const a = tracker.push(v.tick);
    if (a) alerts.push(a);
  }
  return { alerts: alerts.sort(compareAlerts), valid, invalid: records.length - valid };
}

describe('the whole local flow (property)', () => {
  it("producer → stream → ingest → store → change feed → trend gives exactly the tracker's alerts, through the Lambda events or directly", async () => {
    await fc.assert(
      fc.asyncProperty(
        marketArb,
        fc.record({
          shards: fc.integer({ min: 1, max: 3 }),
          ingestBatchSize: fc.integer({ min: 1, max: 40 }),
          trendBatchSize: fc.integer({ min: 1, max: 40 }),
          chunkSize: fc.integer({ min: 1, max: 200 }),
          periods: fc.constantFrom({ short: 5, long: 20 }, { short: 2, long: 3 }, { short: 1, long: 4 }),
          transport: fc.constantFrom('lambda' as const, 'direct' as const),
        }),
        async (records, o) => {
          const expected = trackerAlerts(records, o.periods.short, o.periods.long);
          const { alerts, stats } = await replay(records, {
            lake: 'memory',
            clock: new ManualClock(NOW),
            logger: new MemoryLogger(),
            shards: o.shards,
            ingestBatchSize: o.ingestBatchSize,
            trendBatchSize: o.trendBatchSize,
            chunkSize: o.chunkSize,
            transport: o.transport,
            ...o.periods,
          });
          expect(alerts).toEqual(expected.alerts);
          expect(stats.accepted).toBe(expected.valid);
          expect(stats.rejectedTotal).toBe(expected.invalid);
          expect(stats.ticksIn).toBe(records.length);
          expect(stats.undelivered).toBe(0);
          expect(stats.alerts.GOLDEN_CROSS + stats.alerts.DEATH_CROSS).toBe(expected.alerts.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a source handed over in arrays replays exactly as one read item by item, through either transport', async () => {
    const options = { symbols: ['AAPL', 'MSFT', 'BRK-B'], ticks: 6_000, seed: 11, badRate: 0.02, duplicateRate: 0.02 };
    const run = async (source: TickSource, transport: 'lambda' | 'direct') => {
      const { alerts, stats, latest } = await replay(source, {
        lake: 'memory',
        clock: new ManualClock(NOW),
        logger: new MemoryLogger(),
        chunkSize: 700,
        ingestBatchSize: 300,
        transport,
        streamTag: '', // the runs compared name their records alike
      });
      const { elapsedMs: _e, ticksPerSecond: _t, ...counts } = stats;
      return { alerts, counts, latest };
    };
    const chunked = new SimulatedTickSource(options);
    expect(chunked.chunks).toBeDefined();
    const oneByOne: TickSource = { name: 'simulated', items: (signal) => new SimulatedTickSource(options).items(signal) };
    const a = await run(chunked, 'direct');
    expect(a.alerts.length).toBeGreaterThan(10);
    expect(a.counts.rejectedTotal).toBeGreaterThan(0);
    expect(a.counts.duplicates).toBeGreaterThan(0);
    expect(await run(oneByOne, 'direct')).toEqual(a);
    expect(await run(new SimulatedTickSource(options), 'lambda')).toEqual(a);
  });
});

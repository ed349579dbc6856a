import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareAlerts } from '../../../src/domain/alert.js';
import type { MarketStore } from '../../../src/ports/market-store.port.js';
import { scheduleOf, withFaults } from '../../support/faults.js';
import { marketArb } from '../../support/flow-arbitraries.js';
import { flowHarness, lakeLines } from '../../support/flow-harness.js';

const faultArb = fc.array(
  fc.constantFrom('ok', 'ok', 'ok', 'fail-before', 'fail-after') as fc.Arbitrary<'ok' | 'fail-before' | 'fail-after'>,
  {
    maxLength: 12,
  },
);

describe('ingest under transient faults (property)', () => {
  it('nothing lost, nothing doubled: redelivery from the reported record converges to the fault-free lake, store and alerts', async () => {
    await fc.assert(
      fc.asyncProperty(marketArb, faultArb, faultArb, fc.integer({ min: 1, max: 30 }), async (records, storeFaults, lakeFaults, batch) => {
        const clean = flowHarness({ ingestBatchSize: batch });
        await clean.run(records);
        const faulty = flowHarness({
          ingestBatchSize: batch,
          wrapStore: (s) => withFaults<MarketStore>(s, scheduleOf(storeFaults), ['getLatest', 'putTicks', 'putLatest']),
          wrapLake: (l) => withFaults(l, scheduleOf(lakeFaults)),
        });
        await faulty.run(records);

        expect(lakeLines(faulty.lake, 'raw/', true)).toEqual(lakeLines(clean.lake, 'raw/', true));
        expect(lakeLines(faulty.lake, 'rejected/', true)).toEqual(lakeLines(clean.lake, 'rejected/', true));
        // The content of every LATEST item; its version counts writes, which follow the batching a retry moves.
        const bySymbol = (h: typeof clean) =>
          h.store
            .allLatest()
            .map(({ version: _, ...rest }) => rest)
            .sort((a, b) => a.symbol.localeCompare(b.symbol));
        expect(bySymbol(faulty)).toEqual(bySymbol(clean));
        expect([...faulty.published.published].sort(compareAlerts)).toEqual([...clean.published.published].sort(compareAlerts));
        // Every record settled exactly once: archived or quarantined, counted once.
        const c = faulty.stats.counts;
        expect(c.accepted + c.rejectedTotal).toBe(records.length);
        expect(c.rejected).toEqual(clean.stats.counts.rejected);
        expect(faulty.ingestMapping.discarded).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

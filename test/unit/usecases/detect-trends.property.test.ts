import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryAlertPublisher } from '../../../src/adapters/local/alert-publishers.js';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import { MemoryMarketStore } from '../../../src/adapters/local/memory-market-store.js';
import { FlowStats } from '../../../src/domain/flow-stats.js';
import { DetectTrends } from '../../../src/domain/usecases/detect-trends.js';
import type { MarketStore } from '../../../src/ports/market-store.port.js';
import type { Alert, StoredTick } from '../../../src/ports/model.js';
import { seriesArb } from '../../arbitraries.js';
import { bruteForceSignals } from '../../oracles.js';

const NOW = Date.UTC(2024, 0, 3);
const T0 = Date.UTC(2024, 0, 2);
const PERIODS = { short: 2, long: 5, priceDecimals: 0 };

/** A market of one or two symbols, and where the stream of its tick INSERTs is cut into batches. */
const marketArb = fc.tuple(
  fc.array(seriesArb(60), { minLength: 1, maxLength: 2 }),
  fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 20 }),
);

describe('DetectTrends (property)', () => {
  it("one recent-ticks read per symbol per batch, nothing written again for a batch delivered twice, a failure to mark alerts SENT retries nothing: the oracle's alerts, once", async () => {
    await fc.assert(
      fc.asyncProperty(marketArb, fc.boolean(), async ([series, cuts], markFails) => {
        const clock = new ManualClock(NOW);
        const store = new MemoryMarketStore({ clock });
        const reads = new Map<string, number>();
        let saves = 0;
        const counting: MarketStore = Object.assign(Object.create(store) as MarketStore, {
          recentTicks: (symbol: string, atOrBefore: number, limit: number) => {
            reads.set(symbol, (reads.get(symbol) ?? 0) + 1);
            return store.recentTicks(symbol, atOrBefore, limit);
          },
          saveTrend: (...args: Parameters<MarketStore['saveTrend']>) => {
            saves++;
            return store.saveTrend(...args);
          },
          markAlertsSent: async (alerts: readonly Alert[]) => {
            if (markFails) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
            return store.markAlertsSent(alerts);
          },
        });
        const alerts = new MemoryAlertPublisher();
        const detect = new DetectTrends({ store: counting, alerts, clock, observer: new FlowStats(), logger: new MemoryLogger() }, PERIODS);
        const ticks: StoredTick[] = series.flatMap((units, s) =>
          units.map((u, i) => ({ symbol: `S${s}`, timestamp: T0 + i * 1000 + s, units: u, volume: 1 })),
        );
        ticks.sort((a, b) => a.timestamp - b.timestamp);

        let at = 0;
        for (let b = 0; at < ticks.length; b++) {
          const size = cuts[b % cuts.length] as number;
          await store.putTicks(ticks.slice(at, at + size));
          at += size;
          const records = await store.feed.take(10_000);
          const symbols = new Set(records.flatMap((r) => (r.tick ? [r.tick.symbol] : [])));
          reads.clear();
          const first = await detect.execute(records);
          expect(first.firstFailure).toBeUndefined();
          expect(Object.fromEntries(reads)).toEqual(Object.fromEntries([...symbols].map((s) => [s, 1])));
          // The same change records again (a stream re-read): no read beyond the TREND, no write, no alert.
          saves = 0;
          const again = await detect.execute(records);
          expect(again).toEqual({ firstFailure: undefined, published: [] });
          expect(saves).toBe(0);
        }

        const expected = series.flatMap((units, s) =>
          bruteForceSignals(
            units.map((u, i) => ({ timestamp: T0 + i * 1000 + s, units: u })),
            PERIODS.short,
            PERIODS.long,
            0,
          ).map((o) => `S${s}#${o.timestamp}#${o.signal}`),
        );
        expect(alerts.published.map((a) => a.id).sort()).toEqual(expected.sort());
        expect(store.alertLog().every((r) => r.status === (markFails ? 'PENDING' : 'SENT'))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryAlertPublisher } from '../../../src/adapters/local/alert-publishers.js';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import { MemoryMarketStore } from '../../../src/adapters/local/memory-market-store.js';
import { FlowStats } from '../../../src/domain/flow-stats.js';
import { symbolKey, tickKey } from '../../../src/domain/store-layout.js';
import { DetectTrends } from '../../../src/domain/usecases/detect-trends.js';
import type { AlertPublisher } from '../../../src/ports/alert-publisher.port.js';
import type { MarketStore } from '../../../src/ports/market-store.port.js';
import type { Alert, ChangeRecord, StoredTick } from '../../../src/ports/model.js';
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

  it('two invocations that find the same unsent pending alerts, in any interleaving of their store calls and publishes, send each once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 3 }), async (s, n) => {
        const clock = new ManualClock(NOW);
        const store = new MemoryMarketStore({ clock });
        await store.putTicks([1, 2, 2, 1].map((units, i) => ({ symbol: 'AAPL', timestamp: 1000 + i, units, volume: 1 })));
        // A TREND as a failed publish leaves it: the alerts pending, the claim given back.
        const pending: Alert[] = Array.from({ length: n }, (_, i) => ({
          id: `AAPL#${1001 + i}#DEATH_CROSS`,
          symbol: 'AAPL',
          signal: 'DEATH_CROSS',
          trend: 'DOWNTREND',
          timestamp: 1001 + i,
          price: 1,
          smaShort: 1,
          smaLong: 1.5,
        }));
        await store.saveTrend({ symbol: 'AAPL', last: -1, lastTimestamp: 1003, version: 1, pending, claimedUntil: 0 }, 0, pending);
        const sent: string[] = [];
        const alerts: AlertPublisher = {
          publish: s.scheduleFunction(async function publish(batch: readonly Alert[]) {
            sent.push(...batch.map((a) => a.id));
            return { failed: [] };
          }),
        };
        const scheduled: MarketStore = Object.assign(Object.create(store) as MarketStore, {
          getTrend: s.scheduleFunction(function getTrend(symbol: string) {
            return store.getTrend(symbol);
          }),
          saveTrend: s.scheduleFunction(function saveTrend(...args: Parameters<MarketStore['saveTrend']>) {
            return store.saveTrend(...args);
          }),
        });
        const records: ChangeRecord[] = [{ eventName: 'INSERT', sequenceNumber: '1', keys: { pk: symbolKey('AAPL'), sk: tickKey(1003) } }];
        const invocation = () =>
          new DetectTrends({ store: scheduled, alerts, clock, observer: new FlowStats(), logger: new MemoryLogger() }, PERIODS).execute(
            records,
          );
        await s.waitFor(Promise.all([invocation(), invocation()]));
        expect(sent.sort()).toEqual(pending.map((a) => a.id).sort());
      }),
      { numRuns: 200 },
    );
  });

  it("a catch-up over ticks whose change records were lost, read from the tick items page by page, with or without the window kept in TREND: the oracle's alerts, SMAs and all", async () => {
    await fc.assert(
      fc.asyncProperty(
        seriesArb(60),
        fc.nat(),
        fc.boolean(),
        fc.array(fc.boolean(), { maxLength: 60 }),
        async (units, split, keptWindow, delivered) => {
          const clock = new ManualClock(NOW);
          const store = new MemoryMarketStore({ clock });
          const alerts = new MemoryAlertPublisher();
          const detect = new DetectTrends({ store, alerts, clock, observer: new FlowStats(), logger: new MemoryLogger() }, PERIODS);
          const ticks: StoredTick[] = units.map((u, i) => ({ symbol: 'S0', timestamp: T0 + i * 1000, units: u, volume: 1 }));
          const k = ticks.length === 0 ? 0 : split % (ticks.length + 1);
          await store.putTicks(ticks.slice(0, k));
          await detect.execute(await store.feed.take(10_000));
          if (!keptWindow) {
            // A TREND record written before the window was kept: the window is read from the tick items.
            const { window: _, ...old } = await store.getTrend('S0');
            await store.saveTrend({ ...old, version: old.version + 1 }, old.version, []);
          }
          await store.putTicks(ticks.slice(k));
          // Only some change records arrive (always the newest): fewer than the fresh ticks, so
          // the recent-ticks query pages back past the applied ones to rebuild the window.
          const records = await store.feed.take(10_000);
          const arrived = records.filter((_, i) => i === records.length - 1 || (delivered[i] ?? false));
          expect((await detect.execute(arrived)).firstFailure).toBeUndefined();

          const expected = bruteForceSignals(ticks, PERIODS.short, PERIODS.long, 0).map(
            (o) => `S0#${o.timestamp}#${o.signal} ${o.smaShort} ${o.smaLong}`,
          );
          expect(alerts.published.map((a) => `${a.id} ${a.smaShort} ${a.smaLong}`)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * The `MarketStore` contract (STYLE.md rule 11): every adapter — memory, DynamoDB on its
 * emulator — runs these same tests, so they cannot drift apart.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceLatest } from '../../src/domain/latest-aggregate.js';
import { ConflictError } from '../../src/ports/errors.js';
import type { MarketStore } from '../../src/ports/market-store.port.js';
import type { Alert, StoredTick, TrendRecord } from '../../src/ports/model.js';
import { goldenCrossAt } from '../support/alerts.js';

export interface StoreUnderTest {
  store: MarketStore;
  /** The tick INSERT records the store's change stream carried since the last call (symbol, timestamp). */
  tickInserts?: () => Promise<{ symbol: string; timestamp: number }[]>;
}

const T = Date.UTC(2024, 0, 2, 14, 30);
const alertAt = (symbol: string, ts: number): Alert => goldenCrossAt(symbol, ts, { price: 1.5, smaShort: 1.25, smaLong: 1.125 });

export function marketStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  // Each test uses its own symbol so a shared table (emulator) needs no cleanup between tests.
  let n = 0;
  const sym = () =>
    `C${name
      .replace(/[^A-Z0-9]/gi, '')
      .toUpperCase()
      .slice(0, 6)}${++n}${Date.now() % 100000}`.slice(0, 16);

  describe(`MarketStore contract: ${name}`, () => {
    it('recentTicks returns the newest N at or before a time, oldest first', async () => {
      const { store } = await make();
      const s = sym();
      const ticks: StoredTick[] = Array.from({ length: 60 }, (_, i) => ({
        symbol: s,
        timestamp: T + i * 1000,
        units: 1000 + i,
        volume: i,
      }));
      await store.putTicks(ticks);
      expect(await store.recentTicks(s, T + 59_000, 5)).toEqual(ticks.slice(55));
      expect(await store.recentTicks(s, T + 10_500, 3)).toEqual(ticks.slice(8, 11));
      expect(await store.recentTicks(s, T - 1, 3)).toEqual([]);
      expect(await store.recentTicks(`${s}X`.slice(0, 16), T + 59_000, 3)).toEqual([]);
    });

    it('recentTicks counts a tick at exactly `atOrBefore`, wherever it lies, and rewriting an older tick keeps one item (property)', async () => {
      const { store } = await make();
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 30 }), fc.nat(), fc.integer({ min: 1, max: 8 }), async (n, pick, limit) => {
          const s = sym();
          const ticks: StoredTick[] = Array.from({ length: n }, (_, i) => ({
            symbol: s,
            timestamp: T + i * 10,
            units: 100 + i,
            volume: 1,
          }));
          await store.putTicks(ticks);
          const at = pick % n;
          await store.putTicks([ticks[at] as StoredTick]);
          expect(await store.recentTicks(s, T + at * 10, limit)).toEqual(ticks.slice(Math.max(0, at + 1 - limit), at + 1));
          expect(await store.recentTicks(s, T + n * 10, n + 1)).toEqual(ticks);
        }),
        { numRuns: 25 },
      );
    });

    it('puts LATEST only as the next version: one that skips a version is refused too', async () => {
      const { store } = await make();
      const s = sym();
      const first = advanceLatest(undefined, [{ symbol: s, timestamp: T, units: 100, volume: 1 }], 20);
      await expect(store.putLatest({ ...first, version: 3 })).rejects.toBeInstanceOf(ConflictError);
      await store.putLatest(first);
      await expect(store.putLatest({ ...first, version: 3, lastTimestamp: T + 1 })).rejects.toBeInstanceOf(ConflictError);
      expect((await store.getLatest([s])).get(s)).toEqual(first);
    });

    it('writing the same tick twice keeps one item', async () => {
      const { store } = await make();
      const s = sym();
      const tick = { symbol: s, timestamp: T, units: 5, volume: 1 };
      await store.putTicks([tick]);
      await store.putTicks([tick]);
      expect(await store.recentTicks(s, T, 10)).toEqual([tick]);
    });

    it('puts LATEST only over the version before it, and a stale writer gets a ConflictError', async () => {
      const { store } = await make();
      const s = sym();
      const first = advanceLatest(undefined, [{ symbol: s, timestamp: T, units: 100, volume: 1 }], 20);
      await store.putLatest(first);
      const second = advanceLatest(first, [{ symbol: s, timestamp: T + 1, units: 110, volume: 2 }], 20);
      await store.putLatest(second);
      await expect(
        store.putLatest(advanceLatest(first, [{ symbol: s, timestamp: T + 2, units: 90, volume: 3 }], 20)),
      ).rejects.toBeInstanceOf(ConflictError);
      expect((await store.getLatest([s, `${s}Z`.slice(0, 16)])).get(s)).toEqual(second);
      expect((await store.getLatest([`${s}Z`.slice(0, 16)])).size).toBe(0);
    });

    it('saves TREND over the expected version only, and records alerts idempotently', async () => {
      const { store } = await make();
      const s = sym();
      const empty = await store.getTrend(s);
      expect(empty).toEqual({ symbol: s, last: 0, lastTimestamp: null, version: 0, pending: [], claimedUntil: 0 });
      const alert = alertAt(s, T);
      const next: TrendRecord = {
        symbol: s,
        last: 1,
        lastTimestamp: T,
        version: 1,
        pending: [alert],
        claimedUntil: T + 60_000,
        window: [1, 187_430_000, 9_007_199_254_740_991],
      };
      await store.saveTrend(next, 0, [alert]);
      expect(await store.getTrend(s)).toEqual(next);
      await expect(store.saveTrend({ ...next, version: 1, last: -1 }, 0, [])).rejects.toBeInstanceOf(ConflictError);
      // Recording the same alert again (a retry) is harmless.
      const cleared: TrendRecord = { ...next, version: 2, pending: [], claimedUntil: 0 };
      await store.saveTrend(cleared, 1, [alert]);
      await store.markAlertsSent([alert]);
      await store.markAlertsSent([alert]);
      expect(await store.getTrend(s)).toEqual(cleared);
    });

    it('a saveTrend that conflicts changes nothing', async () => {
      const { store } = await make();
      const s = sym();
      const first: TrendRecord = { symbol: s, last: -1, lastTimestamp: T, version: 1, pending: [], claimedUntil: 0 };
      await store.saveTrend(first, 0, []);
      await expect(store.saveTrend({ ...first, last: 1, version: 6 }, 5, [alertAt(s, T + 5)])).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getTrend(s)).toEqual(first);
    });

    it('its change stream carries one INSERT per new tick, none for a rewrite of the same tick', async () => {
      const under = await make();
      if (under.tickInserts === undefined) return;
      await under.tickInserts();
      const s = sym();
      const ticks = [0, 1, 2].map((i) => ({ symbol: s, timestamp: T + i, units: 10 + i, volume: 1 }));
      await under.store.putTicks(ticks);
      await under.store.putTicks(ticks);
      const inserts = (await under.tickInserts()).filter((r) => r.symbol === s);
      expect(inserts).toEqual(ticks.map((t) => ({ symbol: s, timestamp: t.timestamp })));
    });
  });
}

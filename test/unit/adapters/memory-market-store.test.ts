import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryMarketStore } from '../../../src/adapters/local/memory-market-store.js';
import { parseTickKeys } from '../../../src/domain/store-layout.js';
import type { Alert } from '../../../src/ports/model.js';
import { marketStoreContract } from '../../contracts/market-store.contract.js';
import { goldenCrossAt } from '../../support/alerts.js';

marketStoreContract('memory', async () => {
  const store = new MemoryMarketStore({ clock: new ManualClock(Date.UTC(2024, 0, 3)) });
  return {
    store,
    tickInserts: async () =>
      (await store.feed.take(10_000)).filter((c) => c.eventName === 'INSERT').flatMap((c) => parseTickKeys(c.keys.pk, c.keys.sk) ?? []),
  };
});

describe('MemoryMarketStore, beyond the contract', () => {
  it('records an alert once: recording it again, in any later save, leaves the first record and its SENT status (property)', async () => {
    const T = Date.UTC(2024, 0, 2, 14, 30);
    const alert = (i: number): Alert => goldenCrossAt('AAPL', T + i);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.nat({ max: 5 }), { maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat({ max: 5 })),
        async (saves, sent) => {
          const store = new MemoryMarketStore({ clock: new ManualClock(T) });
          // The oracle: the first recording of an id wins; SENT, once set, stays.
          const expected = new Map<string, { status: string; price: number }>();
          for (const [v, ids] of saves.entries()) {
            const alerts = ids.map((i) => ({ ...alert(i), price: v + 1 })); // a later recording differs: it must not replace the first
            await store.saveTrend({ symbol: 'AAPL', last: 1, lastTimestamp: T, version: v + 1, pending: [], claimedUntil: 0 }, v, alerts);
            for (const a of alerts) if (!expected.has(a.id)) expected.set(a.id, { status: 'PENDING', price: a.price });
            if (v === 0) {
              await store.markAlertsSent(sent.map(alert));
              for (const i of sent) {
                const record = expected.get(alert(i).id);
                if (record) record.status = 'SENT';
              }
            }
          }
          expect(new Map(store.alertLog().map((r) => [r.alert.id, { status: r.status, price: r.alert.price }]))).toEqual(expected);
        },
      ),
    );
  });

  it('a rewrite of a tick puts a MODIFY on the feed only when it changes the tick, as DynamoDB Streams does (property)', async () => {
    const T = Date.UTC(2024, 0, 2, 14, 30);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.record({ at: fc.nat(), changed: fc.boolean() }), { maxLength: 10 }),
        async (n, rewrites) => {
          const store = new MemoryMarketStore({ clock: new ManualClock(T) });
          const ticks = Array.from({ length: n }, (_, i) => ({ symbol: 'AAPL', timestamp: T + i, units: 100 + i, volume: 1 }));
          await store.putTicks(ticks);
          await store.feed.take(1000);
          const expected: string[] = [];
          for (const { at, changed } of rewrites) {
            const i = at % n;
            const tick = ticks[i] as (typeof ticks)[number];
            if (changed) {
              ticks[i] = { ...tick, volume: tick.volume + 1 };
              expected.push(`MODIFY ${tick.timestamp}`);
            }
            await store.putTicks([ticks[i] as (typeof ticks)[number]]);
          }
          const records = await store.feed.take(1000);
          expect(records.map((r) => `${r.eventName} ${parseTickKeys(r.keys.pk, r.keys.sk)?.timestamp}`)).toEqual(expected);
        },
      ),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { MemoryAlertPublisher } from '../../../src/adapters/local/alert-publishers.js';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import { MemoryMarketStore } from '../../../src/adapters/local/memory-market-store.js';
import { FlowStats } from '../../../src/domain/flow-stats.js';
import { symbolKey, tickKey } from '../../../src/domain/store-layout.js';
import { TickOutcome, TrendTracker } from '../../../src/domain/trend-tracker.js';
import { DetectTrends, MAX_PENDING } from '../../../src/domain/usecases/detect-trends.js';
import type { AlertPublisher } from '../../../src/ports/alert-publisher.port.js';
import type { MarketStore } from '../../../src/ports/market-store.port.js';
import type { Alert, ChangeRecord, TrendRecord } from '../../../src/ports/model.js';

const NOW = Date.UTC(2024, 0, 3);

function inserts(timestamps: number[], from = 1): ChangeRecord[] {
  return timestamps.map((ts, i) => ({
    eventName: 'INSERT',
    sequenceNumber: String(from + i),
    keys: { pk: symbolKey('AAPL'), sk: tickKey(ts) },
  }));
}

/** Prices 1, 2, 2, 1 with short 1 / long 2: one death cross, at the fourth tick. */
async function setup(alerts: AlertPublisher = new MemoryAlertPublisher()) {
  const clock = new ManualClock(NOW);
  const store = new MemoryMarketStore({ clock });
  await store.putTicks([1, 2, 2, 1].map((units, i) => ({ symbol: 'AAPL', timestamp: 1000 + i, units, volume: 1 })));
  const make = () =>
    new DetectTrends(
      { store, alerts, clock, observer: new FlowStats(), logger: new MemoryLogger() },
      { short: 1, long: 2, priceDecimals: 0 },
    );
  return { clock, store, make };
}

describe('DetectTrends', () => {
  it('two concurrent invocations on the same ticks: one wins the TREND update, the alert goes out once', async () => {
    const alerts = new MemoryAlertPublisher();
    const { store, make } = await setup(alerts);
    const records = inserts([1000, 1001, 1002, 1003]);
    const [a, b] = await Promise.all([make().execute(records), make().execute(records)]);
    const failures = [a.firstFailure, b.firstFailure].filter((f) => f !== undefined);
    expect(failures).toHaveLength(1); // the loser reports the batch for redelivery
    expect(alerts.published.map((x) => x.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
    // The redelivery finds the state advanced: nothing new, nothing repeated.
    const retry = await make().execute(records);
    expect(retry).toEqual({ firstFailure: undefined, published: [] });
    expect(alerts.published).toHaveLength(1);
    expect((await store.getTrend('AAPL')).pending).toEqual([]);
  });

  it('a failed publish keeps the alert pending; the retry sends it once and clears it', async () => {
    let down = true;
    const sent: Alert[] = [];
    const flaky: AlertPublisher = {
      async publish(alerts) {
        if (down) return { failed: alerts.map((alert) => ({ alert, error: 'Throttling: Rate exceeded' })) };
        sent.push(...alerts);
        return { failed: [] };
      },
    };
    const { store, make } = await setup(flaky);
    const records = inserts([1000, 1001, 1002, 1003]);
    expect((await make().execute(records)).firstFailure).toBe('1');
    expect((await store.getTrend('AAPL')).pending.map((p) => p.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
    expect(store.alertLog().map((r) => r.status)).toEqual(['PENDING']);
    down = false;
    expect(await make().execute(records)).toMatchObject({ firstFailure: undefined });
    expect(sent.map((s) => s.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
    expect(store.alertLog().map((r) => r.status)).toEqual(['SENT']);
    await make().execute(records);
    expect(sent).toHaveLength(1);
  });

  it('a publisher that throws gives its claim back, so the retry need not wait for the claim to lapse', async () => {
    let calls = 0;
    const sent: Alert[] = [];
    const throwsOnce: AlertPublisher = {
      async publish(alerts) {
        if (calls++ === 0) throw new Error('socket hang up');
        sent.push(...alerts);
        return { failed: [] };
      },
    };
    const { make } = await setup(throwsOnce);
    const records = inserts([1000, 1001, 1002, 1003]);
    expect((await make().execute(records)).firstFailure).toBe('1');
    expect((await make().execute(records)).firstFailure).toBeUndefined();
    expect(sent.map((s) => s.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
  });

  it('pending alerts claimed by a live invocation are left to it; after the claim lapses they are sent', async () => {
    const { clock, store, make } = await setup();
    const claimed = { symbol: 'AAPL', last: -1 as const, lastTimestamp: 1003, version: 0, pending: [], claimedUntil: 0 };
    const alert: Alert = {
      id: 'AAPL#1003#DEATH_CROSS',
      symbol: 'AAPL',
      signal: 'DEATH_CROSS',
      trend: 'DOWNTREND',
      timestamp: 1003,
      price: 1,
      smaShort: 1,
      smaLong: 1.5,
    };
    await store.saveTrend({ ...claimed, version: 1, pending: [alert], claimedUntil: NOW + 60_000 }, 0, [alert]);
    const records = inserts([1003]);
    expect((await make().execute(records)).firstFailure).toBe('1');
    clock.advance(60_001);
    const result = await make().execute(records);
    expect(result.published.map((a) => a.id)).toEqual([alert.id]);
  });

  it('a new alert is saved claimed: another invocation on the same records while it is being published sends nothing and reports it in flight', async () => {
    let entered: () => void = () => {};
    const publishing = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const sent: Alert[] = [];
    // The first publish waits for the test to release it; any later one goes straight through.
    const blocking: AlertPublisher = {
      async publish(alerts) {
        if (calls++ === 0) {
          entered();
          await gate;
        }
        sent.push(...alerts);
        return { failed: [] };
      },
    };
    const { clock, store, make } = await setup(blocking);
    const records = inserts([1000, 1001, 1002, 1003]);
    const a = make().execute(records);
    await publishing; // A has saved the alert as pending and is inside publish
    const loggerB = new MemoryLogger();
    const b = await new DetectTrends(
      { store, alerts: blocking, clock, observer: new FlowStats(), logger: loggerB },
      { short: 1, long: 2, priceDecimals: 0 },
    ).execute(records);
    expect(b).toEqual({ firstFailure: '1', published: [] });
    expect(loggerB.lines.map((l) => l.fields?.error)).toEqual([expect.stringMatching(/being published by another invocation/)]);
    expect(sent).toEqual([]);
    release();
    const resultA = await a;
    expect(resultA.firstFailure).toBeUndefined();
    expect(resultA.published.map((x) => x.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
    expect(sent.map((x) => x.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
    expect((await store.getTrend('AAPL')).pending).toEqual([]);
    expect(store.alertLog().map((r) => r.status)).toEqual(['SENT']);
  });

  it('catches up on ticks whose change records were lost, from the store', async () => {
    const alerts = new MemoryAlertPublisher();
    const { make } = await setup(alerts);
    // Only the last insert arrives; the three before it are read from the store.
    await make().execute(inserts([1003]));
    expect(alerts.published.map((a) => a.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
  });

  it('a catch-up that crosses thousands of times saves at most MAX_PENDING alerts per TREND, and sends each once even when a publish fails midway', async () => {
    const clock = new ManualClock(NOW);
    const store = new MemoryMarketStore({ clock });
    // With short 1 / long 2, prices 1, 3, 1, 3, … cross at every tick after the second.
    const ticks = Array.from({ length: 1_300 }, (_, i) => ({ symbol: 'AAPL', timestamp: 1000 + i, units: i % 2 === 0 ? 1 : 3, volume: 1 }));
    await store.putTicks(ticks);
    const pendingSizes: number[] = [];
    const recording: MarketStore = Object.assign(Object.create(store) as MarketStore, {
      saveTrend: (next: TrendRecord, expected: number, alerts: readonly Alert[]) => {
        pendingSizes.push(next.pending.length);
        return store.saveTrend(next, expected, alerts);
      },
    });
    let calls = 0;
    const sent: Alert[] = [];
    const failsOnce: AlertPublisher = {
      async publish(alerts) {
        if (++calls === 2) return { failed: alerts.map((alert) => ({ alert, error: 'Throttling: Rate exceeded' })) };
        sent.push(...alerts);
        return { failed: [] };
      },
    };
    const detect = new DetectTrends(
      { store: recording, alerts: failsOnce, clock, observer: new FlowStats(), logger: new MemoryLogger() },
      { short: 1, long: 2, priceDecimals: 0 },
    );
    const records = inserts([ticks.at(-1)?.timestamp as number]);
    expect((await detect.execute(records)).firstFailure).toBe('1'); // the second step's publish failed
    expect(sent).toHaveLength(MAX_PENDING);
    await detect.execute(records); // the redelivery: the failed step's alerts, then the rest
    expect(Math.max(...pendingSizes)).toBe(MAX_PENDING);
    // The oracle: one tracker over every tick.
    const tracker = new TrendTracker({ short: 1, long: 2, priceDecimals: 0 });
    const expected = ticks
      .filter((t) => [TickOutcome.GoldenCross, TickOutcome.DeathCross].includes(tracker.update(t.timestamp, t.units) as 1 | 2))
      .map((t) => t.timestamp);
    expect(expected).toHaveLength(1_298);
    expect(sent.map((a) => a.timestamp)).toEqual(expected);
    expect(await store.getTrend('AAPL')).toMatchObject({ pending: [], lastTimestamp: 2299 });
  });
});

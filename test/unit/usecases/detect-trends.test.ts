import { describe, expect, it } from 'vitest';
import { MemoryAlertPublisher } from '../../../src/adapters/local/alert-publishers.js';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import { MemoryMarketStore } from '../../../src/adapters/local/memory-market-store.js';
import { FlowStats } from '../../../src/domain/flow-stats.js';
import { symbolKey, tickKey } from '../../../src/domain/store-layout.js';
import { TickOutcome, TrendTracker } from '../../../src/domain/trend-tracker.js';
import { DetectTrends, MAX_KEPT_WINDOW, MAX_PENDING } from '../../../src/domain/usecases/detect-trends.js';
import type { AlertPublisher, PublishOptions } from '../../../src/ports/alert-publisher.port.js';
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

/** An alert a TREND item holds as pending (not yet confirmed sent). */
const PENDING_ALERT: Alert = {
  id: 'AAPL#1003#DEATH_CROSS',
  symbol: 'AAPL',
  signal: 'DEATH_CROSS',
  trend: 'DOWNTREND',
  timestamp: 1003,
  price: 1,
  smaShort: 1,
  smaLong: 1.5,
};

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
    const alert = PENDING_ALERT;
    await store.saveTrend({ ...claimed, version: 1, pending: [alert], claimedUntil: NOW + 60_000 }, 0, [alert]);
    const records = inserts([1003]);
    expect((await make().execute(records)).firstFailure).toBe('1');
    clock.advance(60_001);
    const result = await make().execute(records);
    expect(result.published.map((a) => a.id)).toEqual([alert.id]);
  });

  it('a claim lapses at its claimedUntil: from that very ms another invocation sends the pending alerts', async () => {
    // A bounded holder is done publishing half publishMs before claimedUntil, so taking the
    // alerts over at claimedUntil cannot send them twice; waiting any longer only delays them.
    const { clock, store, make } = await setup();
    const alert = PENDING_ALERT;
    const claimed = { symbol: 'AAPL', last: -1 as const, lastTimestamp: 1003, version: 1, pending: [alert], claimedUntil: NOW + 60_000 };
    await store.saveTrend(claimed, 0, [alert]);
    clock.advance(59_999);
    expect((await make().execute(inserts([1003]))).firstFailure).toBe('1');
    clock.advance(1);
    const result = await make().execute(inserts([1003]));
    expect(result).toMatchObject({ firstFailure: undefined });
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

  describe('told the time its invocation has left', () => {
    /** A store that notes each TREND it saves. */
    function noting(store: MarketStore, saved: TrendRecord[]): MarketStore {
      return Object.assign(Object.create(store) as MarketStore, {
        saveTrend: (next: TrendRecord, expected: number, alerts: readonly Alert[]) => {
          saved.push(next);
          return store.saveTrend(next, expected, alerts);
        },
      });
    }
    /** Time left that drops from `first` (read when execute starts) to `then` at every later read. */
    const dropping = (first: number, then: number) => {
      let reads = 0;
      return () => (reads++ === 0 ? first : then);
    };
    const make = (store: MarketStore, alerts: AlertPublisher, clock: ManualClock, publishMs = 30_000) =>
      new DetectTrends(
        { store, alerts, clock, observer: new FlowStats(), logger: new MemoryLogger() },
        { short: 1, long: 2, priceDecimals: 0, publishMs },
      );

    it('claims alerts until the invocation ends, not for a fixed minute', async () => {
      const alerts = new MemoryAlertPublisher();
      const { clock, store } = await setup(alerts);
      const saved: TrendRecord[] = [];
      const result = await make(noting(store, saved), alerts, clock).execute(inserts([1000, 1001, 1002, 1003]), {
        timeLeftMs: () => 45_000,
      });
      expect(result.published.map((a) => a.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
      // The save with the alert claims it; the one after the publish clears it.
      expect(saved.map((t) => t.claimedUntil)).toEqual([NOW + 45_000, 0]);
    });

    it('with less than the time to publish left, saves the alerts unclaimed and leaves the symbol for redelivery, which sends them once', async () => {
      const alerts = new MemoryAlertPublisher();
      const { clock, store } = await setup(alerts);
      const saved: TrendRecord[] = [];
      const records = inserts([1000, 1001, 1002, 1003]);
      const logger = new MemoryLogger();
      const late = await new DetectTrends(
        { store: noting(store, saved), alerts, clock, observer: new FlowStats(), logger },
        { short: 1, long: 2, priceDecimals: 0, publishMs: 30_000 },
      ).execute(records, { timeLeftMs: dropping(90_000, 29_999) });
      expect(late).toEqual({ firstFailure: '1', published: [] });
      expect(alerts.published).toEqual([]);
      expect(logger.lines.map((l) => l.fields?.error)).toEqual([
        'Error: alerts of AAPL not published: 29.9 s of this invocation left, 40.0 s needed to publish and record them',
      ]);
      // The state moved on with the alert pending and claimed by no one.
      expect(saved).toHaveLength(1);
      expect(saved[0]).toMatchObject({
        lastTimestamp: 1003,
        claimedUntil: 0,
        pending: [expect.objectContaining({ id: 'AAPL#1003#DEATH_CROSS' })],
      });
      // The redelivery, early in its invocation, sends it once.
      const retry = await make(store, alerts, clock).execute(records, { timeLeftMs: () => 60_000 });
      expect(retry).toEqual({ firstFailure: undefined, published: [expect.objectContaining({ id: 'AAPL#1003#DEATH_CROSS' })] });
      await make(store, alerts, clock).execute(records, { timeLeftMs: () => 60_000 });
      expect(alerts.published.map((a) => a.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
    });

    it('with less than the time to publish left, does not claim alerts already pending', async () => {
      const alerts = new MemoryAlertPublisher();
      const { clock, store } = await setup(alerts);
      const records = inserts([1000, 1001, 1002, 1003]);
      await make(store, alerts, clock).execute(records, { timeLeftMs: dropping(90_000, 1_000) });
      const pending = await store.getTrend('AAPL');
      expect(pending.pending).toHaveLength(1);
      const again = await make(store, alerts, clock).execute(records, { timeLeftMs: dropping(90_000, 1_000) });
      expect(again.firstFailure).toBe('1');
      expect(await store.getTrend('AAPL')).toEqual(pending); // not even claimed
      expect(alerts.published).toEqual([]);
    });

    it('in a function shorter than twice the time to publish, claims while half its time is left', async () => {
      const alerts = new MemoryAlertPublisher();
      const { clock, store } = await setup(alerts);
      // A 3 s function (Lambda's default): 70 s is never left, yet its alerts must go out.
      const detect = make(store, alerts, clock, 70_000);
      expect(await detect.execute(inserts([1000, 1001, 1002, 1003]), { timeLeftMs: dropping(3_000, 1_500) })).toMatchObject({
        firstFailure: undefined,
      });
      expect(alerts.published.map((a) => a.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
    });

    it('in a function shorter than twice the time to publish, leaves the alerts once less than half its time is left', async () => {
      const alerts = new MemoryAlertPublisher();
      const { clock, store } = await setup(alerts);
      const detect = make(store, alerts, clock, 70_000);
      expect((await detect.execute(inserts([1000, 1001, 1002, 1003]), { timeLeftMs: dropping(3_000, 1_499) })).firstFailure).toBe('1');
      expect(alerts.published).toEqual([]);
    });

    it('with no time left at all (0 or less, even with publishMs 0), claims nothing: a claim ending at once would exclude no one', async () => {
      for (const [left, publishMs] of [
        [0, 30_000],
        [-1_000, 30_000],
        [0, 0],
      ] as const) {
        const alerts = new MemoryAlertPublisher();
        const { clock, store } = await setup(alerts);
        const saved: TrendRecord[] = [];
        const result = await make(noting(store, saved), alerts, clock, publishMs).execute(inserts([1000, 1001, 1002, 1003]), {
          timeLeftMs: () => left,
        });
        expect(result.firstFailure).toBe('1');
        expect(alerts.published).toEqual([]);
        expect(saved.map((t) => t.claimedUntil)).toEqual([0]);
      }
    });

    it('in a long function, claims for at most max(claimMs, 2 × publishMs): a holder that returns still holding it (its last write failed) blocks no one for long', async () => {
      const alerts = new MemoryAlertPublisher();
      const { clock, store } = await setup(alerts);
      const saved: TrendRecord[] = [];
      await make(noting(store, saved), alerts, clock, 30_000).execute(inserts([1000, 1001, 1002, 1003]), { timeLeftMs: () => 900_000 });
      expect(saved.map((t) => t.claimedUntil)).toEqual([NOW + 60_000, 0]); // claimMs 60 s > 2 × 30 s
      saved.length = 0;
      const other = await setup(alerts);
      await make(noting(other.store, saved), alerts, other.clock, 70_000).execute(inserts([1000, 1001, 1002, 1003]), {
        timeLeftMs: () => 900_000,
      });
      expect(saved.map((t) => t.claimedUntil)).toEqual([NOW + 140_000, 0]);
    });

    it('tells the publisher to be done half publishMs before the claim ends; not at all in a short invocation', async () => {
      const bounds: (PublishOptions | undefined)[] = [];
      const recording: AlertPublisher = {
        async publish(_alerts, options) {
          bounds.push(options);
          return { failed: [] };
        },
      };
      for (const timeLeftMs of [() => 100_000, () => 50_000, undefined]) {
        const { clock, store } = await setup(recording);
        await make(store, recording, clock, 70_000).execute(inserts([1000, 1001, 1002, 1003]), timeLeftMs ? { timeLeftMs } : {});
      }
      // Bounded: strictly, within all but 35 s of the claim. Shorter: loosely, within half the time left. No time: unbounded.
      expect(bounds).toEqual([{ withinMs: 100_000 - 35_000 }, { withinMs: 25_000, strict: false }, {}]);
    });

    it('warns, once, that an invocation shorter than publishMs can send an alert twice', async () => {
      const alerts = new MemoryAlertPublisher();
      const { clock, store } = await setup(alerts);
      const logger = new MemoryLogger();
      const detect = new DetectTrends({ store, alerts, clock, observer: new FlowStats(), logger }, { short: 1, long: 2, priceDecimals: 0 });
      await detect.execute(inserts([1000, 1001, 1002]), { timeLeftMs: () => 60_000 });
      await detect.execute(inserts([1003]), { timeLeftMs: () => 60_000 });
      await detect.execute(inserts([1003]), { timeLeftMs: () => 120_000 });
      expect(logger.lines.map((l) => l.message)).toEqual([
        'trend: this invocation began with 60 s, less than the 80 s a claim, a publish and its record need at worst: alerts are sent, but one whose invocation ends mid-publish can be sent twice. Give the function more (the example stack gives it 2 minutes)',
      ]);
      expect(alerts.published).toHaveLength(1);
    });

    it('bounds claims from publishMs + 10 s at the start; below that claims outlast the invocation', async () => {
      const withins: (number | undefined)[] = [];
      const recording: AlertPublisher = {
        async publish(_alerts, options) {
          withins.push(options?.withinMs);
          return { failed: [] };
        },
      };
      const claims: number[] = [];
      for (const atStart of [80_000, 79_999]) {
        const { clock, store } = await setup(recording);
        const saved: TrendRecord[] = [];
        await make(noting(store, saved), recording, clock, 70_000).execute(inserts([1000, 1001, 1002, 1003]), {
          timeLeftMs: () => atStart,
        });
        claims.push((saved[0]?.claimedUntil ?? 0) - NOW);
      }
      // Bounded: until the end, the publish within all but 35 s of it. Not: max(claimMs, time left).
      expect(claims).toEqual([80_000, 79_999]);
      expect(withins).toEqual([45_000, 39_999.5]);
      const short = await setup(recording);
      const saved: TrendRecord[] = [];
      await make(noting(short.store, saved), recording, short.clock, 70_000).execute(inserts([1000, 1001, 1002, 1003]), {
        timeLeftMs: () => 20_000,
      });
      expect(saved[0]?.claimedUntil).toBe(NOW + 60_000);
    });

    it("refuses a publishMs shorter than two of its publisher's longest requests", async () => {
      const slow: AlertPublisher = { attemptMs: 35_000, publish: async () => ({ failed: [] }) };
      const { clock, store } = await setup(slow);
      const ports = { store, alerts: slow, clock, observer: new FlowStats(), logger: new MemoryLogger() };
      expect(() => new DetectTrends(ports, { publishMs: 69_999 })).toThrow(
        "publishMs must be at least twice the publisher's longest request (70000 ms), got 69999",
      );
      expect(new DetectTrends(ports)).toBeInstanceOf(DetectTrends);
    });

    it('tries the write that records alerts sent three times: a fast failure does not have them sent again', async () => {
      for (const [failures, sends] of [
        [2, 1],
        [3, 2], // three failed calls: the claim lapses and the alert goes out again (as the README says)
      ] as const) {
        const alerts = new MemoryAlertPublisher();
        const { clock, store } = await setup(alerts);
        let left = failures;
        const throttled: MarketStore = Object.assign(Object.create(store) as MarketStore, {
          saveTrend: async (next: TrendRecord, expected: number, a: readonly Alert[]) => {
            if (left > 0 && next.claimedUntil === 0 && next.pending.length === 0 && (await store.getTrend('AAPL')).pending.length > 0) {
              left--;
              throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' });
            }
            return store.saveTrend(next, expected, a);
          },
        });
        const end = clock.now() + 120_000;
        await make(throttled, alerts, clock).execute(inserts([1000, 1001, 1002, 1003]), { timeLeftMs: () => end - clock.now() });
        clock.advance(200_000); // any claim lapses; Lambda's retry
        const again = clock.now() + 120_000;
        await make(store, alerts, clock).execute(inserts([1000, 1001, 1002, 1003]), { timeLeftMs: () => again - clock.now() });
        expect(alerts.published).toHaveLength(sends);
      }
    });

    it('gives the claim back unused when its write took so long that a publish could outlast it', async () => {
      const alerts = new MemoryAlertPublisher();
      const { clock, store } = await setup(alerts);
      await make(store, alerts, clock).execute(inserts([1000, 1001, 1002, 1003]), { timeLeftMs: dropping(90_000, 1) });
      // The alert is pending, unclaimed. The next invocation's claim write takes 40 s of its 90.
      const slowClaim: MarketStore = Object.assign(Object.create(store) as MarketStore, {
        saveTrend: async (...a: Parameters<MarketStore['saveTrend']>) => {
          await store.saveTrend(...a);
          if (a[0].claimedUntil > 0) clock.advance(40_000);
        },
      });
      const deadline = clock.now() + 90_000;
      const result = await make(slowClaim, alerts, clock).execute(inserts([1000, 1001, 1002, 1003]), {
        timeLeftMs: () => deadline - clock.now(),
      });
      expect(result.firstFailure).toBe('1');
      expect(alerts.published).toEqual([]);
      expect(await store.getTrend('AAPL')).toMatchObject({
        claimedUntil: 0,
        pending: [expect.objectContaining({ id: 'AAPL#1003#DEATH_CROSS' })],
      });
    });

    it('refuses a claim or publish time that is not a number of ms', () => {
      const ports = {
        store: new MemoryMarketStore({ clock: new ManualClock(NOW) }),
        alerts: new MemoryAlertPublisher(),
        clock: new ManualClock(NOW),
        observer: new FlowStats(),
        logger: new MemoryLogger(),
      };
      expect(() => new DetectTrends(ports, { publishMs: Number.NaN })).toThrow('publishMs must be a number of ms ≥ 0, got NaN');
      expect(() => new DetectTrends(ports, { publishMs: -1 })).toThrow(RangeError);
      expect(() => new DetectTrends(ports, { claimMs: 0 })).toThrow('claimMs must be a number of ms > 0, got 0');
      expect(() => new DetectTrends(ports, { claimMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
      expect(new DetectTrends(ports, { publishMs: 0, claimMs: 1 })).toBeInstanceOf(DetectTrends);
    });

    it('takes a time left that is not a number for no time given: claims for claimMs', async () => {
      const alerts = new MemoryAlertPublisher();
      const { clock, store } = await setup(alerts);
      const saved: TrendRecord[] = [];
      await make(noting(store, saved), alerts, clock).execute(inserts([1000, 1001, 1002, 1003]), { timeLeftMs: () => Number.NaN });
      expect(saved.map((t) => t.claimedUntil)).toEqual([NOW + 60_000, 0]);
      expect(alerts.published).toHaveLength(1);
    });
  });

  describe('the window kept in the TREND record', () => {
    const DAY = 86_400_000;
    const T0 = Date.UTC(2024, 0, 2);
    // 25 rising ticks, then, after a gap longer than the tick items live, 25 falling ones.
    const before = Array.from({ length: 25 }, (_, i) => ({ symbol: 'AAPL', timestamp: T0 + i * 60_000, units: 100 + i, volume: 1 }));
    const after = Array.from({ length: 25 }, (_, i) => ({
      symbol: 'AAPL',
      timestamp: T0 + 8 * DAY + i * 60_000,
      units: 120 - i,
      volume: 1,
    }));

    /** The alerts of both runs; between them, `between` may change the store as time would. */
    async function twoRuns(between: (store: MemoryMarketStore) => Promise<void> | void, long = 20) {
      const clock = new ManualClock(T0);
      const store = new MemoryMarketStore({ clock });
      const alerts = new MemoryAlertPublisher();
      const detect = new DetectTrends(
        { store, alerts, clock, observer: new FlowStats(), logger: new MemoryLogger() },
        { short: 5, long, priceDecimals: 0 },
      );
      await store.putTicks(before);
      await detect.execute(await store.feed.take(1000));
      clock.advance(8 * DAY);
      await between(store);
      await store.putTicks(after);
      await detect.execute(await store.feed.take(1000));
      return { ids: alerts.published.map((a) => a.id), trend: await store.getTrend('AAPL') };
    }
    const oracle = () => {
      const t = new TrendTracker({ short: 5, long: 20, priceDecimals: 0 });
      return [...before, ...after].flatMap((k) => {
        const o = t.update(k.timestamp, k.units);
        return o === TickOutcome.GoldenCross
          ? [`AAPL#${k.timestamp}#GOLDEN_CROSS`]
          : o === TickOutcome.DeathCross
            ? [`AAPL#${k.timestamp}#DEATH_CROSS`]
            : [];
      });
    };

    it('a symbol quiet for longer than its tick items live (TTL deleted them all) gets the alerts of the unsplit run', async () => {
      const { ids, trend } = await twoRuns((store) => store.expireTicks(0));
      expect(ids).toEqual(oracle());
      expect(ids).toHaveLength(1);
      expect(trend.window).toEqual(after.slice(-20).map((k) => k.units));
    });

    it('a record written before the window was kept reads it from the tick items', async () => {
      const { ids } = await twoRuns(async (store) => {
        const { window: _, ...old } = await store.getTrend('AAPL');
        await store.saveTrend({ ...old, version: old.version + 1 }, old.version, []);
      });
      expect(ids).toEqual(oracle());
    });

    it(`periods longer than MAX_KEPT_WINDOW (${MAX_KEPT_WINDOW}) keep no window: the record stays small`, async () => {
      const { trend } = await twoRuns(() => {}, MAX_KEPT_WINDOW + 1);
      expect(trend.lastTimestamp).toBe(after.at(-1)?.timestamp);
      expect(trend.window).toBeUndefined();
    });
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

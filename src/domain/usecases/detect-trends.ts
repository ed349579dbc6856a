import type { AlertPublisher, PublishOptions } from '../../ports/alert-publisher.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { ConflictError, InFlightError } from '../../ports/errors.js';
import type { FlowObserver } from '../../ports/flow-observer.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { MarketStore } from '../../ports/market-store.port.js';
import type { Alert, ChangeRecord, StoredTick, TrendRecord } from '../../ports/model.js';
import { makeAlert } from '../alert.js';
import { unitsToPrice } from '../price.js';
import { parseTickKeys } from '../store-layout.js';
import { resolveTrendOptions, TickOutcome, type TrendOptions, TrendTracker } from '../trend-tracker.js';
import { messageOf } from './ingest-batch.js';

/**
 * Most alerts one TREND save holds as pending (about 250 bytes each as JSON: 125 KB, a
 * third of DynamoDB's 400 KB item limit).
 */
export const MAX_PENDING = 500;

/**
 * Longest SMA-long period whose window the TREND record keeps (as numbers of up to 16 digits:
 * at most about 20 KB, beside the pending alerts' 125 KB). Longer windows are read back from
 * the tick items alone, and a symbol quiet for longer than they live starts its windows over.
 */
export const MAX_KEPT_WINDOW = 1000;

/** The ports `DetectTrends` talks to. */
export interface DetectTrendsPorts {
  readonly store: MarketStore;
  readonly alerts: AlertPublisher;
  readonly clock: Clock;
  readonly observer: FlowObserver;
  readonly logger: Logger;
}

/**
 * What a claim must leave for one publish request and the write that records the alerts
 * sent, each at its worst (ms; about 35 s for one AWS request attempt: a connection,
 * headers, a stalled body). The publisher is told to be done half this before the claim
 * ends (`PublishOptions.withinMs`), which keeps the write's half; it starts no request it
 * could not finish by then, however many alerts are left. So `publishMs` must be at least
 * twice the publisher's longest request (`AlertPublisher.attemptMs`); a claim is taken only
 * with this and 10 s more (for the claim's own write) left.
 */
export const DEFAULT_PUBLISH_MS = 70_000;

/**
 * Time a bounded claim needs on top of `publishMs` (ms): for the claim's own write, so that
 * what is left of the claim still lets a publish request start.
 */
const CLAIM_SLACK_MS = 10_000;

/** Options of `DetectTrends`. */
export interface DetectTrendsOptions extends TrendOptions {
  /**
   * How long an invocation may hold the right to publish a symbol's pending alerts (ms,
   * default 60 s) when `execute` is not told the time it has left; told it, a claim lasts at
   * most `max(claimMs, 2 × publishMs)` (bounded) and at least `claimMs` (shorter invocations).
   */
  readonly claimMs?: number;
  /** What a claim must leave to publish and record alerts, when `execute` is told the time (ms, default `DEFAULT_PUBLISH_MS`). */
  readonly publishMs?: number;
}

/** What `execute` may know of the invocation it runs in. */
export interface DetectTrendsRun {
  /**
   * Time left before the platform ends the invocation (ms), e.g. a Lambda context's
   * `getRemainingTimeInMillis`. In an invocation that began with at least `publishMs` + 10 s,
   * no alert is claimed with less than that left (the symbol is left for redelivery), a claim
   * lasts until the invocation's end or `max(claimMs, 2 × publishMs)` if sooner, and the
   * publish is bounded by the claim, so it never lapses while its holder may still send. In a
   * shorter one (a warning says so, once), alerts are claimed while half its time is left,
   * until after its end (`max(claimMs, time left)`), and the publish is not bounded: sent, but
   * a holder ended mid-publish has them sent again once its claim lapses. With no time left,
   * nothing is claimed.
   */
  readonly timeLeftMs?: () => number;
}

/**
 * An execution's time: what is left, the least left to claim alerts, and whether the
 * publish is bounded by the claim (an invocation long enough for `publishMs`).
 */
interface Invocation {
  readonly timeLeftMs: (() => number) | undefined;
  readonly needed: number;
  readonly bounded: boolean;
}

/** The time left of the invocation, when `execute` was told it and it reads as a number. */
function leftOf(time: Invocation): number | undefined {
  const left = time.timeLeftMs?.();
  return left !== undefined && Number.isFinite(left) ? left : undefined;
}

/** The result of one batch of change records. */
export interface DetectTrendsResult {
  /** Sequence number of the earliest change record to deliver again, if any symbol failed. */
  readonly firstFailure: string | undefined;
  /** Alerts published by this call. */
  readonly published: readonly Alert[];
}

/**
 * The trend use case: for each symbol with new ticks in the change records, read its TREND
 * state and recent ticks (one query), run the `TrendTracker` over the ticks not yet
 * applied, record the alerts atomically with the new state (outbox), publish them, and mark
 * them sent. A retried batch finds the state advanced and repeats nothing; alerts recorded
 * but not confirmed sent are published by whoever next holds the symbol's claim. Told the
 * time its invocation has left (`DetectTrendsRun`), it claims only what it has time to publish.
 *
 * @example
 * const detect = new DetectTrends({ store, alerts, clock, observer, logger }, { short: 5, long: 20 });
 * const { firstFailure } = await detect.execute(changeRecords);
 */
export class DetectTrends {
  private readonly options: Required<TrendOptions>;
  private readonly claimMs: number;
  private readonly publishMs: number;
  private warnedShort: boolean;

  constructor(
    private readonly ports: DetectTrendsPorts,
    options: DetectTrendsOptions = {},
  ) {
    this.options = resolveTrendOptions(options);
    this.claimMs = options.claimMs ?? 60_000;
    this.publishMs = options.publishMs ?? DEFAULT_PUBLISH_MS;
    this.warnedShort = false;
    if (!(this.claimMs > 0 && this.claimMs < Number.POSITIVE_INFINITY))
      throw new RangeError(`claimMs must be a number of ms > 0, got ${this.claimMs}`);
    if (!(this.publishMs >= 0 && this.publishMs < Number.POSITIVE_INFINITY))
      throw new RangeError(`publishMs must be a number of ms ≥ 0, got ${this.publishMs}`);
    // Half of publishMs is the publish's, half the write's: a publish request must fit in it.
    const attemptMs = ports.alerts.attemptMs ?? 0;
    if (this.publishMs < 2 * attemptMs)
      throw new RangeError(`publishMs must be at least twice the publisher's longest request (${2 * attemptMs} ms), got ${this.publishMs}`);
  }

  async execute(records: readonly ChangeRecord[], run: DetectTrendsRun = {}): Promise<DetectTrendsResult> {
    const time = this.invocation(run);
    // Per symbol: the newest tick timestamp and the first record (for failure reporting).
    const bySymbol = new Map<string, { first: number; maxTimestamp: number; count: number }>();
    records.forEach((record, index) => {
      if (record.eventName !== 'INSERT') return;
      const keys = record.tick ?? parseTickKeys(record.keys.pk, record.keys.sk);
      if (keys === undefined) return;
      const entry = bySymbol.get(keys.symbol);
      if (entry === undefined) bySymbol.set(keys.symbol, { first: index, maxTimestamp: keys.timestamp, count: 1 });
      else {
        entry.maxTimestamp = Math.max(entry.maxTimestamp, keys.timestamp);
        entry.count++;
      }
    });

    const published: Alert[] = [];
    let earliest = records.length;
    const results = await Promise.allSettled(
      [...bySymbol].map(([symbol, entry]) => this.detect(symbol, entry.maxTimestamp, entry.count, published, time)),
    );
    [...bySymbol.values()].forEach((entry, i) => {
      const r = results[i];
      if (r?.status === 'rejected') {
        this.ports.logger.warn('trend: symbol left for redelivery', { error: messageOf(r.reason) });
        earliest = Math.min(earliest, entry.first);
      }
    });
    if (published.length > 0) this.ports.observer.alerted(published);
    const firstFailure = earliest < records.length ? (records[earliest] as ChangeRecord).sequenceNumber : undefined;
    return { firstFailure, published };
  }

  /** Detects one symbol's crossovers; alerts confirmed sent are pushed to `published` as they go. */
  private async detect(symbol: string, maxTimestamp: number, newCount: number, published: Alert[], time: Invocation): Promise<void> {
    let state = await this.ports.store.getTrend(symbol);
    if (state.pending.length > 0) state = await this.publishPending(state, published, time);
    if (state.lastTimestamp !== null && maxTimestamp <= state.lastTimestamp) return;

    const { window: read, fresh } = await this.readTicks(symbol, state.lastTimestamp, maxTimestamp, newCount);
    // The kept window, unless the tick items hold more of it (records from before it was
    // kept, or longer periods since): the tick items expire, and a quiet symbol's are gone.
    const kept = state.window ?? [];
    const window = (kept.length >= read.length ? kept : read).slice(-this.options.long);
    const tracker = TrendTracker.fromState(
      { short: this.options.short, long: this.options.long, last: state.last, lastTimestamp: state.lastTimestamp, units: window },
      this.options.priceDecimals,
    );
    // In steps of at most MAX_PENDING alerts, each saved (and published) before the next: the
    // outbox lives in the TREND item, which DynamoDB caps at 400 KB, and a catch-up after an
    // outage can cross thousands of times.
    let from = 0;
    do {
      const alerts: Alert[] = [];
      for (; from < fresh.length && alerts.length < MAX_PENDING; from++) {
        const tick = fresh[from] as StoredTick;
        const outcome = tracker.update(tick.timestamp, tick.units);
        if (outcome === TickOutcome.GoldenCross || outcome === TickOutcome.DeathCross) {
          alerts.push(
            makeAlert({
              symbol,
              signal: outcome === TickOutcome.GoldenCross ? 'GOLDEN_CROSS' : 'DEATH_CROSS',
              timestamp: tick.timestamp,
              price: unitsToPrice(tick.units, this.options.priceDecimals),
              smaShort: tracker.smaShort as number,
              smaLong: tracker.smaLong as number,
            }),
          );
        }
      }
      // The alerts are saved with the state either way; without the time to publish them
      // they are saved unclaimed, for the redelivery (or any invocation) to send.
      const claimUntil = alerts.length > 0 ? this.claimUntil(time) : 0;
      const next: TrendRecord = {
        symbol,
        last: tracker.lastSign,
        lastTimestamp: tracker.lastAppliedTimestamp,
        version: state.version + 1,
        pending: alerts,
        claimedUntil: claimUntil ?? 0,
        ...(this.options.long <= MAX_KEPT_WINDOW ? { window: tracker.toState().units } : {}),
      };
      await this.ports.store.saveTrend(next, state.version, alerts);
      if (claimUntil === undefined) throw this.tooLate(symbol, time);
      state = alerts.length > 0 ? await this.publishPending(next, published, time, true) : next;
    } while (from < fresh.length);
  }

  /**
   * Until when a claim made now holds, bounded: the invocation's end (a claim should lapse
   * once the platform has ended its holder), but no longer than `max(claimMs, 2 × publishMs)`
   * (a holder whose last write failed returns still holding it); unbounded: past the end,
   * `max(claimMs, time left)`, or `claimMs` with no time told. `undefined` when less than the
   * time needed is left. A bounded holder's publish is
   * bounded by the claim (`publishWithin`), so the claim never lapses while it may still send.
   */
  private claimUntil(time: Invocation): number | undefined {
    const now = this.ports.clock.now();
    const left = leftOf(time);
    if (left === undefined) return now + this.claimMs;
    if (!(left > 0 && left >= time.needed)) return undefined;
    // Unbounded, the claim outlasts the invocation: its holder is gone before it lapses.
    return time.bounded ? now + Math.min(left, Math.max(this.claimMs, 2 * this.publishMs)) : now + Math.max(this.claimMs, left);
  }

  /** What `execute` knows of its invocation's time (see `DetectTrendsRun`). */
  private invocation(run: DetectTrendsRun): Invocation {
    const atStart = run.timeLeftMs?.();
    if (atStart === undefined || !Number.isFinite(atStart)) return { timeLeftMs: undefined, needed: 0, bounded: false };
    // With no time left at all nothing is claimed: a claim ending at once would exclude no one.
    if (!(atStart > 0)) return { timeLeftMs: run.timeLeftMs, needed: Number.POSITIVE_INFINITY, bounded: false };
    const needed = this.publishMs + CLAIM_SLACK_MS;
    if (atStart >= needed) return { timeLeftMs: run.timeLeftMs, needed, bounded: true };
    if (!this.warnedShort) {
      this.warnedShort = true;
      this.ports.logger.warn(
        `trend: this invocation began with ${Math.floor(atStart / 1000)} s, less than the ${needed / 1000} s a claim, a publish and its record need at worst: alerts are sent, but one whose invocation ends mid-publish can be sent twice. Give the function more (the example stack gives it 2 minutes)`,
      );
    }
    return { timeLeftMs: run.timeLeftMs, needed: atStart / 2, bounded: false };
  }

  /**
   * How a publish under a claim must end. Bounded: within all but half `publishMs` of what
   * is left of the claim (kept for the write that records the alerts sent), strictly; `null`
   * when too little of the claim is left. A shorter invocation: within half its time left,
   * loosely, so a publish too long for it records what it got out and the redelivery goes on
   * from there instead of starting over. No time told: unbounded.
   */
  private publishWithin(time: Invocation, claimedUntil: number): PublishOptions | null {
    const now = this.ports.clock.now();
    if (!time.bounded) {
      const left = leftOf(time);
      return left === undefined ? {} : { withinMs: Math.max(0, left) / 2, strict: false };
    }
    const left = claimedUntil - now;
    const within = left - this.publishMs / 2;
    return left >= this.publishMs && within > (this.ports.alerts.attemptMs ?? 0) ? { withinMs: within } : null;
  }

  /**
   * Writes the record that clears alerts just sent, trying again (three calls in all) on a
   * failure other than a conflict: while the claim stands, a failed clearing write means the
   * alerts are sent again once it lapses. A conflict means the write is in (its answer lost)
   * or the claim lapsed; either way, trying again cannot help.
   */
  private async saveCleared(cleared: TrendRecord, expected: number): Promise<void> {
    for (let call = 1; ; call++) {
      try {
        await this.ports.store.saveTrend(cleared, expected, []);
        return;
      } catch (error) {
        if (error instanceof ConflictError || call >= 3) throw error;
      }
    }
  }

  /** Gives a claim back unused: the record as it stands, claimed by no one. */
  private giveBack(claimed: TrendRecord): Promise<void> {
    return this.ports.store.saveTrend({ ...claimed, version: claimed.version + 1, claimedUntil: 0 }, claimed.version, []);
  }

  /** The error of a symbol left for redelivery because the invocation is too near its end to publish. */
  private tooLate(symbol: string, time: Invocation): Error {
    const left = (Math.floor((time.timeLeftMs?.() ?? 0) / 100) / 10).toFixed(1);
    const needed = Number.isFinite(time.needed) ? `${(time.needed / 1000).toFixed(1)} s` : 'more';
    return new Error(`alerts of ${symbol} not published: ${left} s of this invocation left, ${needed} needed to publish and record them`);
  }

  /**
   * Reads the window (the last `long` applied ticks, at or before `lastApplied`) and the
   * fresh ticks (after it, up to `maxTimestamp`): usually one query, more only to catch up.
   */
  private async readTicks(
    symbol: string,
    lastApplied: number | null,
    maxTimestamp: number,
    newCount: number,
  ): Promise<{ window: number[]; fresh: StoredTick[] }> {
    const long = this.options.long;
    const limit = long + newCount;
    let older: StoredTick[] = [];
    let before = maxTimestamp;
    for (;;) {
      const page = await this.ports.store.recentTicks(symbol, before, limit);
      older = [...page, ...older];
      const applied = lastApplied === null ? 0 : older.filter((t) => t.timestamp <= lastApplied).length;
      const first = page[0];
      if (page.length < limit || applied >= long || first === undefined) break;
      before = first.timestamp - 1;
    }
    const isApplied = (t: StoredTick) => lastApplied !== null && t.timestamp <= lastApplied;
    return {
      window: older
        .filter(isApplied)
        .slice(-long)
        .map((t) => t.units),
      fresh: older.filter((t) => !isApplied(t)),
    };
  }

  /**
   * Publishes a TREND record's pending alerts and clears them. Claims them first (unless
   * `claimed`, when the caller's own save just did), so two invocations never both send.
   */
  private async publishPending(state: TrendRecord, published: Alert[], time: Invocation, claimed = false): Promise<TrendRecord> {
    let current = state;
    if (!claimed) {
      if (state.claimedUntil > this.ports.clock.now()) {
        throw new InFlightError(`alerts of ${state.symbol} are being published by another invocation`);
      }
      const claimedUntil = this.claimUntil(time);
      if (claimedUntil === undefined) throw this.tooLate(state.symbol, time);
      current = { ...state, version: state.version + 1, claimedUntil };
      await this.ports.store.saveTrend(current, state.version, []);
    }
    const bound = this.publishWithin(time, current.claimedUntil);
    if (bound === null) {
      // The claim's write took so long that a publish might outlast the claim: give it back unused.
      await this.giveBack(current);
      throw this.tooLate(state.symbol, time);
    }
    let report: Awaited<ReturnType<AlertPublisher['publish']>>;
    try {
      report = await this.ports.alerts.publish(current.pending, bound);
    } catch (error) {
      // Nothing was confirmed: give the claim back so the retry need not wait for it to lapse.
      await this.giveBack(current).catch(() => {});
      throw error;
    }
    const failedIds = new Set(report.failed.map((f) => f.alert.id));
    const sent = current.pending.filter((a) => !failedIds.has(a.id));
    const remaining = current.pending.filter((a) => failedIds.has(a.id));
    // Leaving the pending list is what "sent" means; the alert records' status follows.
    const cleared: TrendRecord = { ...current, version: current.version + 1, pending: remaining, claimedUntil: 0 };
    await this.saveCleared(cleared, current.version);
    published.push(...sent);
    if (sent.length > 0) {
      await this.ports.store.markAlertsSent(sent).catch((error: unknown) => {
        this.ports.logger.warn('trend: alert records not marked SENT', { symbol: state.symbol, error: messageOf(error) });
      });
    }
    if (remaining.length > 0) {
      throw new Error(`${remaining.length} alert(s) of ${state.symbol} could not be published: ${report.failed[0]?.error}`);
    }
    return cleared;
  }
}

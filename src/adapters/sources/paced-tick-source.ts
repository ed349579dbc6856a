import { setTimeout as delay } from 'node:timers/promises';
import type { SourceItem, TickSource } from '../../ports/tick-source.port.js';

/**
 * Options of a `PacedTickSource`.
 *
 * @example
 * const pace: PaceOptions = { itemsPerSecond: 200, sliceMs: 100 };
 */
export interface PaceOptions {
  /** Items (records and unreadable rows) let through per second of wall-clock time. */
  readonly itemsPerSecond: number;
  /** Length of a slice: its items are followed by a flush, then the pace catches up (default 100 ms). */
  readonly sliceMs?: number;
  /** Waits; must settle early when the signal aborts (default: a timer). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Milliseconds now, for the schedule (default `performance.now`). */
  readonly now?: () => number;
}

/**
 * Lets another source's items through at a steady rate, in small slices each followed by a
 * `flush`, so the flow publishes and drains them as they come: a finished history (a file,
 * a simulation, Yahoo bars) plays like a live feed. The schedule is absolute, so the rate
 * does not drift with the time the flow takes; if the flow falls behind, it runs flat out
 * until it has caught up. Aborting the signal ends it at once.
 *
 * @example
 * const live = new PacedTickSource(new SimulatedTickSource({ ticks: 1e6 }), { itemsPerSecond: 200 });
 * for await (const item of live.items(controller.signal)) console.log(item);
 */
export class PacedTickSource implements TickSource {
  readonly name: string;
  private readonly perSlice: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly inner: TickSource,
    private readonly options: PaceOptions,
  ) {
    const { itemsPerSecond, sliceMs = 100 } = options;
    if (!(Number.isFinite(itemsPerSecond) && itemsPerSecond > 0)) {
      throw new RangeError(`itemsPerSecond must be a number > 0, got ${itemsPerSecond}`);
    }
    if (!(Number.isFinite(sliceMs) && sliceMs > 0)) throw new RangeError(`sliceMs must be a number > 0, got ${sliceMs}`);
    this.name = inner.name;
    this.perSlice = Math.max(1, Math.round((itemsPerSecond * sliceMs) / 1000));
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.now = options.now ?? (() => performance.now());
  }

  async *items(signal?: AbortSignal): AsyncIterable<SourceItem> {
    const started = this.now();
    let passed = 0;
    for await (const item of this.inner.items(signal)) {
      if (signal?.aborted) return;
      yield item;
      if (item.kind === 'flush') continue;
      passed++;
      if (passed % this.perSlice !== 0) continue;
      yield { kind: 'flush' };
      const wait = started + (passed / this.options.itemsPerSecond) * 1000 - this.now();
      if (wait <= 0) continue;
      try {
        await this.sleep(wait, signal);
      } catch (error) {
        if (signal?.aborted) return;
        throw error;
      }
    }
  }
}

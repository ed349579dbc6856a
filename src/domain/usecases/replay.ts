import type { Clock } from '../../ports/clock.port.js';
import type { SourceItem, TickSource } from '../../ports/tick-source.port.js';
import type { FlowCounts, FlowStats } from '../flow-stats.js';
import type { ProduceTicks } from './produce-ticks.js';

/** The summary of a replay: the flow's counts, what could not be delivered, and the time taken. */
export interface ReplayStats extends FlowCounts {
  /** Records the stream refused for good (0 on the in-memory stream). */
  undelivered: number;
  elapsedMs: number;
  ticksPerSecond: number;
}

/** What `Replay` needs: the producer, a way to run the rest of the flow to quiet, stats, a clock. */
export interface ReplayPorts {
  readonly produce: ProduceTicks;
  /** Delivers everything waiting on the stream to ingest, and on the change feed to the trend path. */
  readonly drain: () => Promise<void>;
  readonly stats: FlowStats;
  readonly clock: Clock;
}

/**
 * Replays a source through the whole flow in chunks: publish a chunk, drain the stream and
 * the change feed while the next chunk is read, repeat. A chunk ends at `chunkSize` items
 * or at the source's `flush`, so a live source is processed as it arrives (a flush also
 * waits for the drain). Memory stays bounded by two chunks, not the source.
 *
 * `stats` must be the `FlowStats` the flow reports to (a container's `FLOW_STATS`): a new
 * one would count nothing.
 *
 * @example
 * const stats = await new Replay({ produce, drain, stats: container.get(FLOW_STATS), clock }).execute(source);
 */
export class Replay {
  private readonly chunkSize: number;

  constructor(
    private readonly ports: ReplayPorts,
    options: { chunkSize?: number } = {},
  ) {
    const chunkSize = options.chunkSize ?? 10_000;
    if (!Number.isInteger(chunkSize) || chunkSize < 1)
      throw new RangeError(`chunkSize must be a whole number ≥ 1, got ${String(chunkSize)}`);
    this.chunkSize = chunkSize;
  }

  async execute(source: TickSource, options: { signal?: AbortSignal; onProgress?: (read: number) => void } = {}): Promise<ReplayStats> {
    const started = this.ports.clock.now();
    let undelivered = 0;
    let read = 0;
    let chunk: SourceItem[] = [];
    // The drain of the chunk before runs while the next chunk is read and published (it
    // may deliver some of those records too): reading the source fills the time the flow
    // waits on the lake. Each publish is followed by a drain started after it.
    let draining: Promise<void> = Promise.resolve();
    const run = async () => {
      const items = chunk;
      chunk = [];
      const summary = await this.ports.produce.publishItems(items);
      read += items.length;
      undelivered += summary.undelivered.length;
      await draining;
      options.onProgress?.(read - items.length);
      draining = this.ports.drain();
      draining.catch(() => undefined); // awaited (and so reported) by the next round or the end
    };
    // A live or paced source's flush says "that is all for now": run what it gave, and wait
    // for the flow, rather than wait for more.
    let flushed = false;
    const due = (item: SourceItem): boolean => {
      if (item.kind === 'flush') {
        flushed = true;
        return true;
      }
      chunk.push(item);
      return chunk.length >= this.chunkSize;
    };
    const step = async () => {
      if (chunk.length > 0) await run();
      if (flushed) {
        flushed = false;
        await draining;
      }
    };
    let failure: { error: unknown } | undefined;
    try {
      if (source.chunks !== undefined) {
        for await (const items of source.chunks(options.signal)) for (const item of items) if (due(item)) await step();
      } else {
        for await (const item of source.items(options.signal)) if (due(item)) await step();
      }
    } catch (error) {
      failure = { error };
    }
    // What was read is still sent, also when the source fails mid-way (a damaged .gz), as
    // ProduceTicks does; the first failure is the one reported.
    try {
      if (chunk.length > 0) await run();
      await draining;
    } catch (error) {
      failure ??= { error };
    }
    if (failure !== undefined) throw failure.error;
    options.onProgress?.(read);
    const elapsedMs = Math.max(1, this.ports.clock.now() - started);
    const counts = this.ports.stats.counts;
    return { ...structuredClone(counts), undelivered, elapsedMs, ticksPerSecond: Math.round((counts.ticksIn / elapsedMs) * 1000) };
  }
}

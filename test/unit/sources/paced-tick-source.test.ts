import { describe, expect, it } from 'vitest';
import { IterableTickSource } from '../../../src/adapters/sources/file-tick-source.js';
import { PacedTickSource } from '../../../src/adapters/sources/paced-tick-source.js';
import { replay } from '../../../src/container/replay.js';
import type { SourceItem, TickSource } from '../../../src/ports/tick-source.port.js';

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ symbol: 'AAPL', timestamp: 1704205800000 + i, price: 1, volume: 1 }));

describe('PacedTickSource', () => {
  it('lets items through in slices, each followed by a flush, on an absolute schedule', async () => {
    let now = 0;
    const waits: number[] = [];
    const paced = new PacedTickSource(new IterableTickSource(records(25)), {
      itemsPerSecond: 100,
      sliceMs: 100,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    const kinds: string[] = [];
    for await (const item of paced.items()) {
      kinds.push(item.kind);
      now += 1; // the flow takes 1 ms per item (flushes too): the schedule absorbs it
    }
    expect(kinds.filter((k) => k === 'record')).toHaveLength(25);
    expect(kinds.map((k) => (k === 'flush' ? '|' : '.')).join('')).toBe(`${'.'.repeat(10)}|${'.'.repeat(10)}|.....`);
    expect(waits).toEqual([89, 89]); // each slice is due 100 ms after the last; its 11 items took 11 ms
  });

  it('ends at once when the signal aborts, even while waiting', async () => {
    const controller = new AbortController();
    // 1,000 items at 10 a second would take 100 s: the test ends only if the abort cuts the wait.
    const paced = new PacedTickSource(new IterableTickSource(records(1000)), { itemsPerSecond: 10, sliceMs: 100 });
    const seen: SourceItem[] = [];
    for await (const item of paced.items(controller.signal)) {
      seen.push(item);
      if (item.kind === 'flush') controller.abort();
    }
    expect(seen.map((i) => i.kind)).toEqual(['record', 'flush']);
  });
});

describe('Replay and a source that flushes', () => {
  it('runs the flow at each flush instead of waiting for a full chunk', async () => {
    const accepted: number[] = [];
    let seenAtFlush = -1;
    const source: TickSource = {
      name: 'live',
      async *items() {
        for (const r of records(3)) yield { kind: 'record', record: r };
        yield { kind: 'flush' };
        seenAtFlush = accepted.at(-1) ?? 0;
        yield { kind: 'record', record: records(4)[3] };
      },
    };
    const { stats } = await replay(source, {
      chunkSize: 1000,
      observers: [
        { ingested: (r) => accepted.push((accepted.at(-1) ?? 0) + r.accepted.length), alerted: () => {}, sourceRejected: () => {} },
      ],
    });
    expect(seenAtFlush).toBe(3);
    expect(stats.accepted).toBe(4);
  });
});

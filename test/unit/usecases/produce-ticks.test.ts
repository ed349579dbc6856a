import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import { FlowStats } from '../../../src/domain/flow-stats.js';
import { ProduceTicks } from '../../../src/domain/usecases/produce-ticks.js';
import type { Rejection } from '../../../src/ports/model.js';
import type { RejectSink } from '../../../src/ports/reject-sink.port.js';
import type { OutgoingRecord, StreamFailure, TickPublisher } from '../../../src/ports/tick-publisher.port.js';
import type { SourceItem, TickSource } from '../../../src/ports/tick-source.port.js';

const NOT_FOUND: StreamFailure = { errorCode: 'ResourceNotFoundException', message: 'Stream tickz under account 123456789012 not found.' };
const idOf = (r: OutgoingRecord) => (JSON.parse(new TextDecoder().decode(r.data)) as { i: number }).i;

/** A publisher that takes every record until call number `failAt` (from 0), which the stream refuses for good. */
function failingPublisher(failAt: number): TickPublisher & { calls: number[][] } {
  const calls: number[][] = [];
  return {
    calls,
    async publish(records) {
      const call = calls.push(records.map(idOf)) - 1;
      if (call < failAt) return { sent: records.length, undelivered: [] };
      return { sent: 0, undelivered: records.map((record) => ({ record, ...NOT_FOUND })), streamFailure: NOT_FOUND };
    },
  };
}

function setup(publisher: TickPublisher, batchSize: number) {
  const quarantined: Rejection[] = [];
  const rejects: RejectSink = {
    async writeRejects(batchId, _partition, rejections) {
      quarantined.push(...rejections);
      return batchId;
    },
  };
  const logger = new MemoryLogger();
  const produce = new ProduceTicks(
    { publisher, rejects, clock: new ManualClock(Date.UTC(2024, 0, 2)), observer: new FlowStats(), logger },
    { batchSize },
  );
  return { produce, quarantined, logger };
}

describe('ProduceTicks when the stream refuses every record', () => {
  it('stops reading at the first batch the stream refuses for good, closes the source, and returns what it read as undelivered', async () => {
    const publisher = failingPublisher(1);
    const { produce } = setup(publisher, 5);
    const pulled = { items: 0, closed: false };
    // Long, as a live source is endless (bounded, so that a run that does not stop still ends).
    const source: TickSource = {
      name: 'long',
      async *items() {
        try {
          for (let i = 0; i < 1000; i++) {
            pulled.items++;
            yield { kind: 'record', record: { i } };
          }
        } finally {
          pulled.closed = true;
        }
      },
    };
    const summary = await produce.run(source);
    expect(publisher.calls).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    expect(pulled).toEqual({ items: 10, closed: true });
    expect(summary.read).toBe(10);
    expect(summary.published).toBe(5);
    expect(summary.undelivered.map((u) => [idOf(u.record), u.errorCode])).toEqual(
      [5, 6, 7, 8, 9].map((i) => [i, 'ResourceNotFoundException']),
    );
    expect(summary.streamFailure).toEqual(NOT_FOUND);
  });

  it('stops at a refusal that comes on a flush, as after a polling round', async () => {
    const publisher = failingPublisher(0);
    const { produce } = setup(publisher, 500);
    let rounds = 0;
    const source: TickSource = {
      name: 'rounds',
      async *items() {
        while (rounds < 100) {
          rounds++;
          yield { kind: 'record', record: { i: 2 * rounds } };
          yield { kind: 'record', record: { i: 2 * rounds + 1 } };
          yield { kind: 'flush' };
        }
      },
    };
    const summary = await produce.run(source);
    expect([rounds, publisher.calls]).toEqual([1, [[2, 3]]]);
    expect([summary.read, summary.published, summary.undelivered.length, summary.streamFailure]).toEqual([2, 0, 2, NOT_FOUND]);
  });

  it('publishItems sends nothing after the refusal: the later records come back undelivered with its error, unreadable rows are still quarantined', async () => {
    const publisher = failingPublisher(1);
    const { produce, quarantined, logger } = setup(publisher, 4);
    const items: SourceItem[] = Array.from({ length: 12 }, (_, i) => ({ kind: 'record' as const, record: { i } }));
    items.splice(6, 0, { kind: 'reject', code: 'INVALID_JSON', message: 'row x', text: 'x', origin: 'line 7' });
    const summary = await produce.publishItems(items);
    expect(publisher.calls).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(summary.published).toBe(4);
    expect(summary.undelivered.map((u) => [idOf(u.record), u.errorCode, u.message])).toEqual(
      [4, 5, 6, 7, 8, 9, 10, 11].map((i) => [i, NOT_FOUND.errorCode, NOT_FOUND.message]),
    );
    expect(summary.streamFailure).toEqual(NOT_FOUND);
    expect(quarantined.map((r) => r.message)).toEqual(['row x']);
    expect(logger.lines.filter((e) => e.level === 'error').map((e) => e.fields)).toEqual([
      { errorCode: NOT_FOUND.errorCode, reason: NOT_FOUND.message, undelivered: 8 },
    ]);
  });
});

describe('ProduceTicks with records it cannot send or keep', () => {
  it('quarantines a record that cannot be written as JSON (a BigInt, a cycle) as INVALID_JSON: not sent, not dropped', async () => {
    const publisher = failingPublisher(Number.POSITIVE_INFINITY);
    const { produce, quarantined } = setup(publisher, 10);
    const cycle: Record<string, unknown> = { i: 3 };
    cycle.self = cycle;
    const items: SourceItem[] = [
      { kind: 'record', record: { i: 1 } },
      { kind: 'record', record: { i: 2, volume: 10n }, origin: 'row 2' },
      { kind: 'record', record: cycle, origin: 'row 3' },
      { kind: 'record', record: { i: 4 } },
    ];
    const summary = await produce.publishItems(items);
    expect(publisher.calls).toEqual([[1, 4]]);
    expect(summary).toMatchObject({ read: 4, published: 2, sourceRejected: { INVALID_JSON: 2 } });
    expect(quarantined.map((r) => [r.code, r.message, r.sequence])).toEqual([
      ['INVALID_JSON', 'row 2: the value cannot be written as JSON', 'row 2'],
      ['INVALID_JSON', 'row 3: the value cannot be written as JSON', 'row 3'],
    ]);
  });

  it('fails when the quarantine cannot be written, instead of counting the rows as kept', async () => {
    const publisher = failingPublisher(Number.POSITIVE_INFINITY);
    const stats = new FlowStats();
    const produce = new ProduceTicks({
      publisher,
      rejects: {
        async writeRejects() {
          throw new Error('rejected/ cannot be written: ENOSPC');
        },
      },
      clock: new ManualClock(Date.UTC(2024, 0, 2)),
      observer: stats,
      logger: new MemoryLogger(),
    });
    const items: SourceItem[] = [
      { kind: 'record', record: { i: 1 } },
      { kind: 'reject', code: 'INVALID_JSON', message: 'row x', text: 'x', origin: 'line 2' },
    ];
    await expect(produce.publishItems(items)).rejects.toThrow('ENOSPC');
    expect(stats.counts.rejected).toEqual({});
  });
});

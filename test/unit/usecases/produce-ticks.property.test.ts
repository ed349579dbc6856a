import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import { MemoryLake } from '../../../src/adapters/local/memory-lake.js';
import { FlowStats } from '../../../src/domain/flow-stats.js';
import { type ProduceSummary, ProduceTicks } from '../../../src/domain/usecases/produce-ticks.js';
import type { Rejection } from '../../../src/ports/model.js';
import type { RejectSink } from '../../../src/ports/reject-sink.port.js';
import type { OutgoingRecord, TickPublisher } from '../../../src/ports/tick-publisher.port.js';
import type { SourceItem, TickSource } from '../../../src/ports/tick-source.port.js';

/** A source item of the generated run: a record numbered `i`, a row the source could not read, or a flush. */
type Step = { record: true } | { reject: true } | { flush: true };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ record: true as const }) },
  { weight: 2, arbitrary: fc.constant({ reject: true as const }) },
  { weight: 1, arbitrary: fc.constant({ flush: true as const }) },
);

const idOf = (r: OutgoingRecord) => (JSON.parse(new TextDecoder().decode(r.data)) as { i: number }).i;

describe('ProduceTicks (property)', () => {
  it('sends every record read, in order, in publish calls of at most batchSize, even when the source fails midway; reports exactly what the publisher refused (through onBatch when the source fails); quarantines every unreadable row', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 2, max: 5 }),
        fc.option(fc.nat({ max: 60 }), { nil: undefined }),
        async (steps, batchSize, refuseEvery, failAfter) => {
          const calls: number[][] = [];
          const publisher: TickPublisher = {
            async publish(records) {
              calls.push(records.map(idOf));
              const refused = records.filter((r) => idOf(r) % refuseEvery === 0);
              return {
                sent: records.length - refused.length,
                undelivered: refused.map((record) => ({ record, errorCode: 'ProvisionedThroughputExceededException', message: 'x' })),
              };
            },
          };
          const quarantined: Rejection[] = [];
          const rejects: RejectSink = {
            async writeRejects(batchId, _partition, rejections) {
              quarantined.push(...rejections);
              return batchId;
            },
          };
          // The items, numbered in order; the source throws after `failAfter` of them, if set.
          const items: SourceItem[] = steps.map((s, i) =>
            'record' in s
              ? { kind: 'record', record: { i } }
              : 'reject' in s
                ? { kind: 'reject', code: 'INVALID_JSON', message: `row ${i}`, text: `row ${i}`, origin: `line ${i}` }
                : { kind: 'flush' },
          );
          const read = failAfter === undefined ? items : items.slice(0, failAfter);
          const source: TickSource = {
            name: 'test',
            async *items() {
              yield* read;
              if (failAfter !== undefined) throw new Error('the file went away');
            },
          };
          const produce = new ProduceTicks(
            { publisher, rejects, clock: new ManualClock(Date.UTC(2024, 0, 2)), observer: new FlowStats(), logger: new MemoryLogger() },
            { batchSize },
          );
          let seen: ProduceSummary | undefined;
          const outcome = await produce.run(source, { onBatch: (s) => (seen = s) }).then(
            (summary) => ({ summary }),
            (error: Error) => ({ error: error.message }),
          );

          const records = read.flatMap((item, i) => (item.kind === 'record' ? [i] : []));
          expect(calls.flat()).toEqual(records);
          expect(calls.every((c) => c.length >= 1 && c.length <= batchSize)).toBe(true);
          expect(quarantined.map((r) => r.message)).toEqual(read.flatMap((item) => (item.kind === 'reject' ? [item.message] : [])));
          if ('error' in outcome) {
            expect(failAfter).toBeDefined();
            expect(outcome.error).toBe('the file went away');
          } else {
            expect(failAfter).toBeUndefined();
            expect(seen ?? outcome.summary).toBe(outcome.summary);
          }
          // After an error too, the last summary onBatch saw is the whole run up to it.
          const summary = seen ?? { read: 0, published: 0, undelivered: [], sourceRejected: {} };
          expect(summary.read).toBe(records.length + quarantined.length);
          expect(summary.undelivered.map((u) => idOf(u.record))).toEqual(records.filter((i) => i % refuseEvery === 0));
          expect(summary.published).toBe(records.filter((i) => i % refuseEvery !== 0).length);
          expect(summary.sourceRejected).toEqual(quarantined.length > 0 ? { INVALID_JSON: quarantined.length } : {});
        },
      ),
      { numRuns: 300 },
    );
  });

  it('publishItems, given any number of items at once, sends them in order in calls of at most batchSize', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 8 }), async (n, batchSize) => {
        const calls: number[][] = [];
        const publisher: TickPublisher = {
          async publish(records) {
            calls.push(records.map(idOf));
            return { sent: records.length, undelivered: [] };
          },
        };
        const rejects: RejectSink = { writeRejects: async (batchId) => batchId };
        const produce = new ProduceTicks(
          { publisher, rejects, clock: new ManualClock(Date.UTC(2024, 0, 2)), observer: new FlowStats(), logger: new MemoryLogger() },
          { batchSize },
        );
        const summary = await produce.publishItems(Array.from({ length: n }, (_, i) => ({ kind: 'record' as const, record: { i } })));
        expect(calls.flat()).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(calls.map((c) => c.length)).toEqual(
          Array.from({ length: Math.ceil(n / batchSize) }, (_, k) => Math.min(batchSize, n - k * batchSize)),
        );
        expect(summary.published).toBe(n);
      }),
    );
  });
});

describe('ProduceTicks quarantine', () => {
  it('two runs whose first unreadable row has the same origin (another file of the same name) keep both rows', async () => {
    const lake = new MemoryLake();
    const publisher: TickPublisher = { publish: async (records) => ({ sent: records.length, undelivered: [] }) };
    const clock = new ManualClock(Date.UTC(2024, 0, 2));
    const produce = () => new ProduceTicks({ publisher, rejects: lake, clock, observer: new FlowStats(), logger: new MemoryLogger() });
    const sourceOf = (text: string): TickSource => ({
      name: 'csv',
      async *items() {
        yield { kind: 'reject', code: 'BAD_ROW', message: 'ticks.csv:3: not a row', text, origin: 'ticks.csv:3' };
      },
    });
    // The same instant too: only the run tells them apart.
    await produce().run(sourceOf('first file, line 3'));
    await produce().run(sourceOf('second file, line 3'));
    const rows = [...lake.objects]
      .filter(([k]) => k.startsWith('rejected/'))
      .flatMap(([, lines]) => lines.map((l) => JSON.parse(l).record));
    expect(rows.sort()).toEqual(['first file, line 3', 'second file, line 3']);
  });
});

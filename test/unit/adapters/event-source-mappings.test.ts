import type { DynamoDBStreamEvent, KinesisStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { LocalKinesisMapping, LocalStreamsMapping, restartIndex } from '../../../src/adapters/local/event-source-mappings.js';
import { MemoryStream } from '../../../src/adapters/local/memory-stream.js';
import type { ChangeRecord, StreamRecord } from '../../../src/ports/model.js';

/** How one invocation ends: every record done, a failure reported at an offset of its batch, or a throw. */
type Answer = { ok: true } | { failAt: number } | { throws: true };
const answerArb: fc.Arbitrary<Answer> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ ok: true as const }) },
  { weight: 3, arbitrary: fc.nat({ max: 40 }).map((failAt) => ({ failAt })) },
  { weight: 1, arbitrary: fc.constant({ throws: true as const }) },
);

/**
 * The naive model of Lambda's Kinesis event source mapping with ReportBatchItemFailures and
 * bisect off: a batch restarts from the reported record; after `maxAttempts` invocations in a
 * row that did not finish their batch, the rest of the batch goes to the on-failure list.
 */
function model(n: number, batchSize: number, maxAttempts: number, answers: readonly Answer[]) {
  const batches: [number, number][] = [];
  const discarded: number[] = [];
  let position = 0;
  let failures = 0;
  for (let k = 0; position < n; k++) {
    const end = Math.min(n, position + batchSize);
    batches.push([position, end]);
    const a = answers[k] ?? { ok: true };
    const restart = 'ok' in a ? end : 'throws' in a ? position : position + Math.min(a.failAt, end - position - 1);
    if (restart === end) {
      failures = 0;
      position = end;
    } else if (++failures >= maxAttempts) {
      for (let i = restart; i < end; i++) discarded.push(i);
      failures = 0;
      position = end;
    } else position = restart;
  }
  return { batches, discarded };
}

/**
 * The same with BisectBatchOnFunctionError, written as the recursion Lambda's docs describe: a
 * batch whose invocation throws is split in two and each half delivered (splits do not count
 * as attempts); a reported failure delivers the rest of that batch, and only it, again.
 */
function bisectModel(n: number, batchSize: number, maxAttempts: number, answers: readonly Answer[]) {
  const batches: [number, number][] = [];
  const discarded: number[] = [];
  let k = 0;
  let failures = 0;
  const deliver = (from: number, to: number): void => {
    for (;;) {
      batches.push([from, to]);
      const a = answers[k++] ?? { ok: true };
      if ('ok' in a) {
        failures = 0;
        return;
      }
      if ('throws' in a && to - from > 1) {
        const middle = from + Math.ceil((to - from) / 2);
        deliver(from, middle);
        deliver(middle, to);
        return;
      }
      const restart = 'throws' in a ? from : from + Math.min(a.failAt, to - from - 1);
      if (++failures >= maxAttempts) {
        for (let i = restart; i < to; i++) discarded.push(i);
        failures = 0;
        return;
      }
      from = restart;
    }
  };
  for (let position = 0; position < n; position += batchSize) deliver(position, Math.min(n, position + batchSize));
  return { batches, discarded };
}

/** `n` change records of tick INSERTs, record `i` with sequence number `i` (zero-padded). */
function tickInserts(n: number): ChangeRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const keys = { pk: 'SYMBOL#AAPL', sk: `TICK#${String(i).padStart(8, '0')}` };
    // An INSERT on a NEW_AND_OLD_IMAGES stream carries its new image, which the filter reads.
    return {
      eventName: 'INSERT' as const,
      sequenceNumber: String(i).padStart(8, '0'),
      keys,
      newImage: { pk: { S: keys.pk }, sk: { S: keys.sk } },
    };
  });
}

/** A change feed over fixed records. */
const feedOf = (changes: ChangeRecord[]) => ({ take: async (max: number) => changes.splice(0, max) });

type Transport = 'lambda' | 'direct';

/**
 * Runs one of the two mappings over records 0..n-1, each invocation answered by `answer`
 * (given the indices of its batch: undefined when all are done, the index to restart from,
 * or a throw), with the options given. Returns the batches delivered, as [first, end), and
 * the indices discarded.
 */
async function runMapping(
  kind: 'kinesis' | 'streams',
  transport: Transport,
  n: number,
  options: { batchSize: number; maxAttempts?: number; bisectOnError?: boolean },
  answer: (indices: number[]) => number | undefined,
) {
  const delivered: [number, number][] = [];
  const respond = (indices: number[], ids: string[]): string | undefined => {
    delivered.push([indices[0] as number, (indices.at(-1) as number) + 1]);
    const failed = answer(indices);
    return failed === undefined ? undefined : ids[indices.indexOf(failed)];
  };
  const response = (failed: string | undefined) => ({ batchItemFailures: failed === undefined ? [] : [{ itemIdentifier: failed }] });
  if (kind === 'kinesis') {
    const stream = new MemoryStream({ clock: new ManualClock(Date.UTC(2024, 0, 2)) });
    await stream.publish(Array.from({ length: n }, (_, i) => ({ partitionKey: 'AAPL', data: new TextEncoder().encode(String(i)) })));
    const indexOf = (r: StreamRecord) => Number(new TextDecoder().decode(r.data));
    const handler = async (event: KinesisStreamEvent) =>
      response(
        respond(
          event.Records.map((r) => Number(Buffer.from(r.kinesis.data, 'base64').toString())),
          event.Records.map((r) => r.kinesis.sequenceNumber),
        ),
      );
    const direct = {
      execute: async (input: { records: readonly StreamRecord[] }) => ({
        firstFailure: respond(
          input.records.map(indexOf),
          input.records.map((r) => r.sequenceNumber),
        ),
      }),
    };
    const mapping = new LocalKinesisMapping(stream, transport === 'lambda' ? handler : direct, options);
    await mapping.drain();
    return { delivered, discarded: mapping.discarded.map(indexOf) };
  }
  const handler = async (event: DynamoDBStreamEvent) => {
    const ids = event.Records.map((r) => r.dynamodb?.SequenceNumber ?? '');
    return response(respond(ids.map(Number), ids));
  };
  const direct = {
    execute: async (changes: readonly ChangeRecord[]) => {
      const ids = changes.map((c) => c.sequenceNumber);
      return { firstFailure: respond(ids.map(Number), ids) };
    },
  };
  const mapping = new LocalStreamsMapping(feedOf(tickInserts(n)), transport === 'lambda' ? handler : direct, options);
  await mapping.drain();
  const discarded = mapping.discarded.map((r) => Number('sequenceNumber' in r ? r.sequenceNumber : r.dynamodb?.SequenceNumber));
  return { delivered, discarded };
}

describe('restartIndex', () => {
  it('is the lowest reported record; an empty or unknown identifier restarts the whole batch (property)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 20 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.array(
                fc.oneof(
                  { weight: 6, arbitrary: fc.nat({ max: n - 1 }).map(String) },
                  { weight: 1, arbitrary: fc.constantFrom('', 'unknown', undefined) },
                ),
                { maxLength: 5 },
              ),
            ),
          ),
        ([n, reported]) => {
          const ids = Array.from({ length: n }, (_, i) => String(i));
          const failures = reported.map((itemIdentifier) => (itemIdentifier === undefined ? {} : { itemIdentifier }));
          const known = reported.map((r) => (r === undefined ? -1 : ids.indexOf(r)));
          const expected = reported.length === 0 ? n : known.some((i) => i < 0) ? 0 : Math.min(...known);
          expect(restartIndex(ids, { batchItemFailures: failures })).toBe(expected);
        },
      ),
    );
  });
});

describe('LocalKinesisMapping (property)', () => {
  it('records published while earlier ones are consumed (and trimmed from the shard) are each delivered once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 3000 }),
        async (chunks, batchSize) => {
          const stream = new MemoryStream({ clock: new ManualClock(Date.UTC(2024, 0, 2)) });
          const seen: number[] = [];
          const mapping = new LocalKinesisMapping(
            stream,
            {
              execute: async (input: { records: readonly StreamRecord[] }) => {
                for (const r of input.records) seen.push(Number(new TextDecoder().decode(r.data)));
                return { firstFailure: undefined };
              },
            },
            { batchSize },
          );
          let next = 0;
          for (const size of chunks) {
            await stream.publish(
              Array.from({ length: size }, () => ({ partitionKey: 'AAPL', data: new TextEncoder().encode(String(next++)) })),
            );
            await mapping.drain();
          }
          expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe.each(['kinesis', 'streams'] as const)('bisect on error (%s mapping)', (kind) => {
  /** Answers from a list, one per invocation, then success. */
  const answering = (answers: readonly Answer[]) => {
    let k = 0;
    return (indices: number[]) => {
      const a = answers[k++] ?? { ok: true };
      if ('throws' in a) throw new Error('Task timed out after 30.00 seconds');
      return 'ok' in a ? undefined : indices[Math.min(a.failAt, indices.length - 1)];
    };
  };

  it.each(['lambda', 'direct'] as const)(
    'a thrown error splits the batch in two, the halves delivered in order and as they are (%s)',
    async (transport) => {
      const run = await runMapping(kind, transport, 16, { batchSize: 8 }, answering([{ throws: true }]));
      expect(run.delivered).toEqual([
        [0, 8],
        [0, 4],
        [4, 8],
        [8, 16],
      ]);
      expect(run.discarded).toEqual([]);
    },
  );

  it.each(['lambda', 'direct'] as const)(
    'a failure reported at Records[2] delivers again exactly records 2..3, not a refilled batch (%s)',
    async (transport) => {
      const run = await runMapping(kind, transport, 8, { batchSize: 4 }, answering([{ failAt: 2 }]));
      expect(run.delivered).toEqual([
        [0, 4],
        [2, 4],
        [4, 8],
      ]);
    },
  );

  it.each(['lambda', 'direct'] as const)(
    'a poison record that always throws goes to the on-failure list alone; every other record is delivered (%s)',
    async (transport) => {
      const done = new Set<number>();
      const run = await runMapping(kind, transport, 20, { batchSize: 8, maxAttempts: 3 }, (indices) => {
        if (indices.includes(5)) throw new Error('cannot parse record 5');
        for (const i of indices) done.add(i);
        return undefined;
      });
      expect(run.discarded).toEqual([5]);
      expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 5));
      // Halving down to the record (no attempt counted), then its three attempts.
      expect(run.delivered).toEqual([
        [0, 8],
        [0, 4],
        [4, 8],
        [4, 6],
        [4, 5],
        [5, 6],
        [5, 6],
        [5, 6],
        [6, 8],
        [8, 16],
        [16, 20],
      ]);
    },
  );

  it('bisect off keeps retrying the whole batch, and the whole batch goes to the on-failure list', async () => {
    const run = await runMapping(kind, 'direct', 12, { batchSize: 8, maxAttempts: 2, bisectOnError: false }, (indices) => {
      if (indices.includes(5)) throw new Error('cannot parse record 5');
      return undefined;
    });
    expect(run.delivered).toEqual([
      [0, 8],
      [0, 8],
      [8, 12],
    ]);
    expect(run.discarded).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it.each([
    ['on', true, bisectModel],
    ['off', false, model],
  ] as const)(
    'bisect %s: any sequence of answers gives the batches and the on-failure list of its model (property)',
    async (_, bisectOnError, oracle) => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 4 }),
          fc.array(answerArb, { maxLength: 30 }),
          fc.constantFrom('lambda' as const, 'direct' as const),
          async (n, batchSize, maxAttempts, answers, transport) => {
            const run = await runMapping(kind, transport, n, { batchSize, maxAttempts, bisectOnError }, answering(answers));
            const expected = oracle(n, batchSize, maxAttempts, answers);
            expect(run.delivered).toEqual(expected.batches);
            expect(run.discarded).toEqual(expected.discarded);
          },
        ),
        { numRuns: 300 },
      );
    },
  );
});

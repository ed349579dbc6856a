import type { KinesisStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { LocalKinesisMapping, restartIndex } from '../../../src/adapters/local/event-source-mappings.js';
import { MemoryStream } from '../../../src/adapters/local/memory-stream.js';
import type { StreamRecord } from '../../../src/ports/model.js';

/** How one invocation ends: every record done, a failure reported at an offset of its batch, or a throw. */
type Answer = { ok: true } | { failAt: number } | { throws: true };
const answerArb: fc.Arbitrary<Answer> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ ok: true as const }) },
  { weight: 3, arbitrary: fc.nat({ max: 40 }).map((failAt) => ({ failAt })) },
  { weight: 1, arbitrary: fc.constant({ throws: true as const }) },
);

/**
 * The naive model of Lambda's Kinesis event source mapping with ReportBatchItemFailures: a
 * batch restarts from the reported record; after `maxAttempts` invocations in a row that did
 * not finish their batch, the rest of the batch goes to the on-failure list.
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
  it('through a handler or directly to the use case, batches restart from the reported record and exhausted records go to the on-failure list, as the model says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(answerArb, { maxLength: 30 }),
        fc.constantFrom('lambda' as const, 'direct' as const),
        async (n, batchSize, maxAttempts, answers, transport) => {
          const clock = new ManualClock(Date.UTC(2024, 0, 2));
          const stream = new MemoryStream({ clock });
          await stream.publish(Array.from({ length: n }, (_, i) => ({ partitionKey: 'AAPL', data: new TextEncoder().encode(String(i)) })));
          const indexOf = (r: StreamRecord) => Number(new TextDecoder().decode(r.data));
          const delivered: [number, number][] = [];
          let k = 0;
          /** Answers invocation k over a batch of records, given their sequence numbers: the one to restart from, if any. */
          const answer = (sequences: string[], first: number): string | undefined => {
            delivered.push([first, first + sequences.length]);
            const a = answers[k++] ?? { ok: true };
            if ('throws' in a) throw new Error('the function timed out');
            return 'ok' in a ? undefined : sequences[Math.min(a.failAt, sequences.length - 1)];
          };
          const handler = async (event: KinesisStreamEvent) => {
            const sequences = event.Records.map((r) => r.kinesis.sequenceNumber);
            const first = Number(Buffer.from(event.Records[0]?.kinesis.data ?? '', 'base64').toString());
            const failed = answer(sequences, first);
            return { batchItemFailures: failed === undefined ? [] : [{ itemIdentifier: failed }] };
          };
          const direct = {
            execute: async (input: { records: readonly StreamRecord[] }) => ({
              firstFailure: answer(
                input.records.map((r) => r.sequenceNumber),
                indexOf(input.records[0] as StreamRecord),
              ),
            }),
          };
          const mapping = new LocalKinesisMapping(stream, transport === 'lambda' ? handler : direct, { batchSize, maxAttempts });
          await mapping.drain();
          const expected = model(n, batchSize, maxAttempts, answers);
          expect(delivered).toEqual(expected.batches);
          expect(mapping.discarded.map(indexOf)).toEqual(expected.discarded);
        },
      ),
      { numRuns: 300 },
    );
  });

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

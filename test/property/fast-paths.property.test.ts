/**
 * The replay's fast paths against the slow paths they stand in for: each must give exactly
 * what the plain way gives, for any input (the plain way is the oracle).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, TICK_INSERT_FILTER, toDynamoRecord } from '../../src/adapters/lambda-events/dynamodb-stream-event.js';
import { isTickInsert } from '../../src/adapters/local/event-source-mappings.js';
import { FolderLake } from '../../src/adapters/local/folder-lake.js';
import { decodeLines } from '../../src/adapters/shared/lake-codec.js';
import { lakeLine, lakeLinesBound, lakeLinesBytes, writeLakeLines } from '../../src/domain/lake-layout.js';
import { encodeRecord, plainValue } from '../../src/domain/usecases/produce-ticks.js';
import { validateTick } from '../../src/domain/validate-tick.js';
import type { ChangeRecord, EnrichedTick } from '../../src/ports/model.js';

const NOW = Date.UTC(2024, 5, 1);
const text = new TextDecoder();

/** Records a producer may be handed: tick-like objects with every kind of field value, and odd objects. */
const recordArb = fc.oneof(
  fc.record(
    {
      symbol: fc.oneof(fc.constantFrom('AAPL', 'brk-b', '^GSPC', '../x'), fc.string({ unit: 'binary' }), fc.anything()),
      timestamp: fc.oneof(fc.integer({ min: -1, max: NOW }), fc.double(), fc.constant(-0), fc.string(), fc.anything()),
      price: fc.oneof(fc.double(), fc.integer(), fc.constant(-0), fc.string(), fc.anything()),
      volume: fc.oneof(fc.integer(), fc.double(), fc.constant(-0), fc.anything()),
      source: fc.oneof(fc.string({ unit: 'binary' }), fc.constant(undefined), fc.anything()),
      extra: fc.oneof(fc.string({ unit: 'binary', maxLength: 5000 }), fc.boolean(), fc.constant(null)),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.boolean(), fc.constant(null))),
  fc.anything({ withDate: true, withMap: true, withNullPrototype: true, withTypedArray: true }),
);

describe('plain records (property)', () => {
  it('a plain value says what its JSON text says: same text, same validation, same bytes', () => {
    fc.assert(
      fc.property(recordArb, (record) => {
        const value = plainValue(record);
        const encoded = encodeRecord(record);
        if (value === undefined) {
          expect(encoded?.value).toBeUndefined();
          return;
        }
        const json = JSON.stringify(record);
        expect(JSON.stringify(value)).toBe(json);
        expect(JSON.parse(json)).toEqual(value);
        expect(encoded?.value).toEqual(value);
        expect(text.decode(encoded?.data)).toBe(json);
        expect(validateTick(value, { now: NOW })).toEqual(validateTick(new TextEncoder().encode(json), { now: NOW }));
      }),
      { numRuns: 3000 },
    );
  });

  it('a plain value is a copy: changing the record after publishing changes nothing', () => {
    const record: Record<string, unknown> = { symbol: 'AAPL', timestamp: 1, price: 1, volume: 1 };
    const encoded = encodeRecord(record);
    record.price = 2;
    expect(encoded?.value?.price).toBe(1);
    expect(JSON.parse(text.decode(encoded?.data)).price).toBe(1);
  });
});

const asciiText = (min: number, max: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });

const tickArb: fc.Arbitrary<EnrichedTick> = fc.record({
  symbol: fc.oneof(fc.stringMatching(/^[A-Z0-9.^=-]{1,16}$/), fc.string({ unit: 'binary', minLength: 1, maxLength: 16 })),
  timestamp: fc.oneof(fc.integer({ min: 0, max: 4102444800000 }), fc.double({ noNaN: true })),
  price: fc.constant(0),
  units: fc.oneof(fc.integer({ min: 1, max: 99 }), fc.maxSafeInteger(), fc.integer({ min: 1 }), fc.constant(2 ** 53), fc.double()),
  volume: fc.oneof(fc.nat(), fc.maxSafeNat(), fc.double({ noNaN: true })),
  source: fc.oneof(asciiText(1, 32), fc.string({ unit: 'binary', minLength: 1, maxLength: 32 })),
  ingestedAt: fc.oneof(fc.integer({ min: 0, max: 4102444800000 }), fc.constant(-1)),
  sequence: fc.oneof(fc.stringMatching(/^\d{1,56}$/), fc.string({ unit: 'binary', maxLength: 30 })),
  partition: fc.constant({ year: 2024, month: 1, day: 2 }),
});

/**
 * Arrays of ticks as an object holds them: each tick takes the first one's symbol, source
 * and ingestion time, or not, field by field (so each can change on its own).
 */
const objectTicksArb = fc.array(fc.tuple(tickArb, fc.nat(7)), { maxLength: 30 }).map((pairs) => {
  const first = pairs[0]?.[0];
  return pairs.map(([t, keep]) =>
    first === undefined
      ? t
      : {
          ...t,
          symbol: keep & 1 ? first.symbol : t.symbol,
          source: keep & 2 ? first.source : t.source,
          ingestedAt: keep & 4 ? first.ingestedAt : t.ingestedAt,
        },
  );
});

describe('lake lines as bytes (property)', () => {
  it('are exactly the UTF-8 of lakeLine + newline, tick after tick, at every decimals, within their bound', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(tickArb, { maxLength: 30 }), objectTicksArb),
        fc.integer({ min: 0, max: 9 }),
        fc.nat(40),
        (ticks, decimals, offset) => {
          const expected = ticks.map((t) => `${lakeLine(t, decimals)}\n`).join('');
          expect(text.decode(lakeLinesBytes(ticks, decimals))).toBe(expected);
          // Written into a shared array at an offset, exactly within the bound (a byte past it stays untouched).
          const out = new Uint8Array(offset + lakeLinesBound(ticks) + 1).fill(0xff);
          const end = writeLakeLines(ticks, decimals, out, offset);
          expect(text.decode(out.subarray(offset, end))).toBe(expected);
          expect(new TextEncoder().encode(expected).length).toBeLessThanOrEqual(lakeLinesBound(ticks));
          expect(out[out.length - 1]).toBe(0xff);
        },
      ),
      { numRuns: 4000 },
    );
  });
});

const skArb = fc.oneof(fc.constantFrom('TICK#001704205800000', 'TICK#', 'LATEST', 'TREND', 'ALERT#1#GOLDEN_CROSS', 'tick#1'), fc.string());
/** An attribute image whose `sk` is a string, another type, or missing. */
const imageArb = fc.record(
  { pk: fc.record({ S: fc.string() }), sk: fc.oneof(fc.record({ S: skArb }), fc.record({ N: fc.constant('1') })) },
  { requiredKeys: ['pk'] },
);
/** Change records as a table's stream carries them: no new image on a REMOVE, none on an INSERT never. */
const changeArb: fc.Arbitrary<ChangeRecord> = fc
  .record({
    eventName: fc.constantFrom('INSERT', 'MODIFY', 'REMOVE'),
    sequenceNumber: fc.stringMatching(/^\d{1,21}$/),
    keys: fc.record({ pk: fc.oneof(fc.constant('SYMBOL#AAPL'), fc.string()), sk: skArb }),
    newImage: imageArb,
    oldImage: imageArb,
  })
  .map(
    ({ newImage, oldImage, ...change }): ChangeRecord =>
      change.eventName === 'INSERT'
        ? { ...change, newImage }
        : change.eventName === 'MODIFY'
          ? { ...change, newImage, oldImage }
          : { ...change, oldImage },
  );

describe('the trend filter on change records (property)', () => {
  it('passes exactly what TICK_INSERT_FILTER passes on the DynamoDB Streams shape', () => {
    const passes = compileFilter(TICK_INSERT_FILTER);
    fc.assert(
      fc.property(changeArb, (change) => {
        expect(isTickInsert(change)).toBe(passes(toDynamoRecord(change)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('FolderLake on its writer thread', () => {
  it('writes objects that read back as the lines given, and fails a write it cannot make with the reason', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickflow-writer-'));
    try {
      const tick: EnrichedTick = {
        symbol: 'AAPL',
        timestamp: 1704205800000,
        price: 187.43,
        units: 187430000,
        volume: 100,
        source: 'csv',
        ingestedAt: 1704205801000,
        sequence: '42',
        partition: { year: 2024, month: 1, day: 2 },
      };
      const lake = new FolderLake(root);
      const key = await lake.writeSymbolDay('b1', 'AAPL', tick.partition, [tick, { ...tick, timestamp: tick.timestamp + 1 }]);
      expect(await decodeLines(await readFile(lake.pathOf(key)))).toEqual([
        lakeLine(tick, 6),
        lakeLine({ ...tick, timestamp: tick.timestamp + 1 }, 6),
      ]);

      // A file where a folder must go: the write fails, naming the object, and leaves nothing behind.
      await writeFile(join(root, 'blocked'), 'x');
      const blocked = new FolderLake(join(root, 'blocked'));
      await expect(blocked.writeSymbolDay('b1', 'AAPL', tick.partition, [tick])).rejects.toThrow(/lake write of .*blocked.*failed/);
      // The writer goes on after a failure.
      expect(await lake.writeSymbolDay('b2', 'AAPL', tick.partition, [tick])).toMatch(/b2\.ndjson\.gz$/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

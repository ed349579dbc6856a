import { gzipSync } from 'node:zlib';
import type { KinesisStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toKinesisEvent } from '../../src/adapters/lambda-events/kinesis-event.js';
import { ManualClock } from '../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../src/adapters/local/loggers.js';
import { MemoryLake } from '../../src/adapters/local/memory-lake.js';
import { MemoryMarketStore } from '../../src/adapters/local/memory-market-store.js';
import { FlowStats } from '../../src/domain/flow-stats.js';
import { IngestBatch } from '../../src/domain/usecases/ingest-batch.js';
import { validateTick } from '../../src/domain/validate-tick.js';
import { makeIngestHandler } from '../../src/handlers/ingest.js';
import { REJECT_CODES } from '../oracles.js';
import { lakeLines } from '../support/flow-harness.js';

const NOW = Date.UTC(2024, 5, 1);
const T = Date.UTC(2024, 0, 2, 14, 30);
const enc = new TextEncoder();

const hostileSymbol = fc.constantFrom(
  '../',
  '../../etc/passwd',
  "'; DROP TABLE ticks; --",
  'AAPL\u0000',
  'ＡＡＰＬ', // full-width look-alikes
  'ΑΑPL', // Greek capital alpha
  'ſ', // long s: upper-cases to S
  'AAPL\u200b',
  'A/B',
  'A..B',
  '=X',
  ' AAPL',
  'AAPL%2F',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style payload, meant literally
  '${jndi:ldap://x}',
  '<script>',
  'A'.repeat(17),
);

/** Malformed records of every kind, as bytes on the stream. */
const badRecord: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 200 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => enc.encode(s)) },
  { weight: 3, arbitrary: fc.anything().map((v) => enc.encode(JSON.stringify(v) ?? 'undefined')) },
  {
    weight: 3,
    arbitrary: fc
      .record({ symbol: hostileSymbol, timestamp: fc.constant(T), price: fc.constant(1), volume: fc.constant(1) })
      .map((o) => enc.encode(JSON.stringify(o))),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        symbol: fc.constantFrom('AAPL', 'MSFT'),
        timestamp: fc.oneof(fc.constant(T), fc.constantFrom('never', -1, 1e20, '2024-13-01', null, [], {})),
        price: fc.oneof(fc.constantFrom(0, -5, 'NaN', '1e400', null, true, 1e-9, 1e300), fc.constant(10)),
        volume: fc.oneof(fc.constantFrom(-1, 0.5, '10', null, 1e300), fc.constant(1)),
      })
      .filter((o) => !(o.timestamp === T && o.price === 10 && o.volume === 1))
      .map((o) => enc.encode(JSON.stringify(o))),
  },
  // Huge payloads up to Kinesis's 1 MiB record limit: rare, they are heavy.
  {
    weight: 1,
    arbitrary: fc.integer({ min: 65_537, max: 1_048_000 }).map((n) => enc.encode(`{"symbol":"AAPL","pad":"${'x'.repeat(n)}"}`)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => enc.encode(`${'['.repeat(n)}${']'.repeat(n)}`)) }, // deep nesting
  { weight: 1, arbitrary: fc.constant(enc.encode('{"__proto__":{"symbol":"AAPL","timestamp":1,"price":1,"volume":1}}')) },
  { weight: 1, arbitrary: fc.constant(gzipSync('{"symbol":')) }, // gzip of bad JSON
  { weight: 1, arbitrary: fc.constant(new Uint8Array([0x1f, 0x8b, 0x08, 0x00])) }, // truncated gzip
);

const goodRecord: fc.Arbitrary<Uint8Array> = fc
  .record({
    symbol: fc.constantFrom('AAPL', 'msft', 'BRK-B', '^GSPC'),
    i: fc.nat({ max: 1_000_000 }),
    price: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map(({ symbol, i, price }) => enc.encode(JSON.stringify({ symbol, timestamp: T + i, price: price / 100, volume: i % 1000 })));

describe('reliability: bad input at volume', () => {
  it('12,000 malformed records mixed into valid traffic: nothing thrown, every bad one quarantined with a code, every good one archived', async () => {
    const bad = fc.sample(badRecord, { numRuns: 12_000, seed: 20241126 });
    const good = fc.sample(goodRecord, { numRuns: 4_000, seed: 7 });
    const all =
      fc.sample(
        fc.shuffledSubarray([...bad.map((b) => ({ bad: true, b })), ...good.map((b) => ({ bad: false, b }))], {
          minLength: 16_000,
          maxLength: 16_000,
        }),
        { numRuns: 1, seed: 3 },
      )[0] ?? [];
    const expectedBad = all.filter((r) => !validateTick(r.b, { now: NOW }).ok).length;
    // Some "bad" generators can produce a valid record by chance; the oracle decides.
    expect(expectedBad).toBeGreaterThanOrEqual(11_500);

    const clock = new ManualClock(NOW);
    const lake = new MemoryLake();
    const store = new MemoryMarketStore({ clock });
    const stats = new FlowStats();
    const logger = new MemoryLogger();
    const handler = makeIngestHandler(new IngestBatch({ archive: lake, rejects: lake, store, clock, observer: stats, logger }), logger);
    const records = all.map((r, i) => ({ sequenceNumber: String(1e12 + i), partitionKey: 'k', data: r.b }));
    for (let at = 0; at < records.length; at += 10_000) {
      const event: KinesisStreamEvent = toKinesisEvent(records.slice(at, at + 10_000), { shardId: 'shardId-000000000000' });
      expect(await handler(event)).toEqual({ batchItemFailures: [] });
    }
    const rejected = lakeLines(lake, 'rejected/').map((l) => JSON.parse(l));
    expect(rejected).toHaveLength(expectedBad);
    expect(rejected.every((r) => REJECT_CODES.has(r.code) && typeof r.message === 'string' && r.message.length > 0)).toBe(true);
    expect(lakeLines(lake, 'raw/')).toHaveLength(all.length - expectedBad);
    expect(stats.counts.accepted + stats.counts.rejectedTotal).toBe(all.length);
    // No key outside the layout: a hostile symbol never became part of a path.
    for (const key of lake.objects.keys())
      expect(key).toMatch(
        /^(raw\/symbol=(AAPL|MSFT|BRK-B|\^GSPC)\/year=2024\/month=\d\d\/day=\d\d|rejected\/year=2024\/month=06\/day=01)\/[A-Za-z0-9._-]+\.ndjson\.gz$/,
      );
    // A quarantined record keeps its bytes: text as it came, or base64 when it was not UTF-8.
    const sample = rejected.find((r) => r.encoding === 'base64');
    expect(sample).toBeDefined();
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

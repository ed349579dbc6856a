/** The `RawTickArchive` + `RejectSink` contract, run against every lake: memory, folder, S3. */
import { describe, expect, it } from 'vitest';
import { enrich } from '../../src/domain/enrich.js';
import type { EnrichedTick, Rejection } from '../../src/ports/model.js';
import type { RawTickArchive } from '../../src/ports/raw-tick-archive.port.js';
import type { RejectSink } from '../../src/ports/reject-sink.port.js';

export interface LakeUnderTest {
  lake: RawTickArchive & RejectSink;
  /** The lines of an object, or undefined if there is none under that key. */
  read(key: string): Promise<string[] | undefined>;
  /** Every key under a prefix. */
  list(prefix: string): Promise<string[]>;
}

const T = Date.UTC(2024, 0, 2, 14, 30);
const tick = (symbol: string, i: number, units: number): EnrichedTick =>
  enrich(
    { symbol, timestamp: T + i, price: units / 1e6, units, volume: i },
    { ingestedAt: T + 5000, sequence: String(1000 + i), source: 'test' },
  );

export function lakeContract(name: string, make: () => Promise<LakeUnderTest>): void {
  describe(`lake contract: ${name}`, () => {
    it('writes a symbol-day under the Hive key of DESIGN.md §4, one exact line per tick', async () => {
      const { lake, read } = await make();
      const ticks = [tick('BRK-B', 0, 187_430_000), tick('BRK-B', 1, 9_007_199_254_740_991)];
      const key = await lake.writeSymbolDay('shardId-000000000001_42', 'BRK-B', { year: 2024, month: 1, day: 2 }, ticks);
      expect(key).toBe('raw/symbol=BRK-B/year=2024/month=01/day=02/shardId-000000000001_42.ndjson.gz');
      const lines = await read(key);
      expect(lines).toEqual([
        `{"symbol":"BRK-B","timestamp":${T},"price":187.43,"volume":0,"source":"test","ingested_at":${T + 5000},"sequence":"1000"}`,
        `{"symbol":"BRK-B","timestamp":${T + 1},"price":9007199254.740991,"volume":1,"source":"test","ingested_at":${T + 5000},"sequence":"1001"}`,
      ]);
    });

    it('objects written at once into the same folder each land whole, with nothing else beside them', async () => {
      const { lake, read, list } = await make();
      const p = { year: 2024, month: 5, day: 6 };
      const keys = await Promise.all(
        Array.from({ length: 12 }, (_, b) =>
          lake.writeSymbolDay(
            `b-at-once-${b}`,
            'MSFT',
            p,
            Array.from({ length: b + 1 }, (_, i) => tick('MSFT', i, 1000 * b + i)),
          ),
        ),
      );
      expect((await list('raw/symbol=MSFT/year=2024/month=05/day=06/')).sort()).toEqual([...keys].sort());
      for (const [b, key] of keys.entries()) {
        expect((await read(key))?.map((l) => Math.round(JSON.parse(l).price * 1e6))).toEqual(
          Array.from({ length: b + 1 }, (_, i) => 1000 * b + i),
        );
      }
    });

    it('the same batch id overwrites the same object instead of adding one', async () => {
      const { lake, read, list } = await make();
      const p = { year: 2024, month: 3, day: 4 };
      await lake.writeSymbolDay('b-dup', 'MSFT', p, [tick('MSFT', 0, 1)]);
      const key = await lake.writeSymbolDay('b-dup', 'MSFT', p, [tick('MSFT', 0, 1), tick('MSFT', 1, 2)]);
      expect(await list('raw/symbol=MSFT/year=2024/month=03/day=04/')).toEqual([key]);
      expect(await read(key)).toHaveLength(2);
    });

    it('refuses a symbol that is not valid and upper case before it becomes a key', async () => {
      const { lake } = await make();
      const p = { year: 2024, month: 7, day: 8 };
      for (const symbol of ['../../escaped', 'A/B', 'AAPL#TICK#1', 'aapl', '', 'A"B']) {
        await expect(lake.writeSymbolDay('b-bad-symbol', symbol, p, [tick('AAPL', 0, 1)])).rejects.toThrow(
          new RangeError(
            `not a valid symbol: ${JSON.stringify(symbol)} (1–16 of A–Z 0–9 . - ^ =, e.g. AAPL, BRK-B, ^GSPC, EURUSD=X, in upper case)`,
          ),
        );
      }
    });

    it("writes a caller's strings as JSON strings: a quote in a tick's symbol or source cannot add a field", async () => {
      const { lake, read } = await make();
      const odd: EnrichedTick = { ...tick('AAPL', 0, 5), symbol: 'AAPL","volume":1e300,"x":"', source: 'a"b\\c\n' };
      const key = await lake.writeSymbolDay('b-odd', 'AAPL', { year: 2024, month: 1, day: 2 }, [tick('AAPL', 1, 6), odd]);
      const rows = (await read(key))?.map((l) => JSON.parse(l));
      expect(rows?.map((r) => [r.symbol, r.source, r.volume, Object.keys(r).length])).toEqual([
        ['AAPL', 'test', 1, 7],
        [odd.symbol, odd.source, 0, 7],
      ]);
    });

    it('quarantines rejections with code, message, record and sequence under rejected/', async () => {
      const { lake, read } = await make();
      const r: Rejection = {
        code: 'BAD_PRICE',
        message: 'price must be a finite number > 0, got -1',
        record: '{"price":-1}',
        sequence: '77',
        receivedAt: T,
      };
      const key = await lake.writeRejects('b-rej', { year: 2024, month: 1, day: 2 }, [r]);
      expect(key).toBe('rejected/year=2024/month=01/day=02/b-rej.ndjson.gz');
      expect((await read(key))?.map((l) => JSON.parse(l))).toEqual([
        { code: 'BAD_PRICE', message: r.message, record: r.record, encoding: 'utf8', sequence: '77', received_at: T },
      ]);
    });

    it('refuses a batch id that could escape its folder', async () => {
      const { lake } = await make();
      await expect(lake.writeSymbolDay('../../etc', 'AAPL', { year: 2024, month: 1, day: 2 }, [tick('AAPL', 0, 1)])).rejects.toThrow(
        /batch id/,
      );
    });
  });
}

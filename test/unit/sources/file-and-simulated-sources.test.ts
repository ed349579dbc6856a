import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import {
  CsvTickSource,
  IterableTickSource,
  KEPT_LINE_BYTES,
  NdjsonTickSource,
  splitCsvLine,
} from '../../../src/adapters/sources/file-tick-source.js';
import { SimulatedTickSource } from '../../../src/adapters/sources/simulated-tick-source.js';
import { validateTick } from '../../../src/domain/validate-tick.js';
import { SourceError } from '../../../src/ports/errors.js';
import type { SourceItem } from '../../../src/ports/tick-source.port.js';
import { writeCutGzipCsv } from '../../support/cut-gzip.js';

const clock = new ManualClock(Date.UTC(2024, 5, 1));
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-src-'));
  dirs.push(dir);
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}
/** A new named pipe (FIFO) to read as a file, as `/dev/stdin` or `<(…)` would be. */
async function pipe(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-src-'));
  dirs.push(dir);
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}
/** Writes `pieces` into a pipe 50 ms apart, so each arrives as a read of its own, then closes it. */
async function writeSlowly(fifo: string, pieces: readonly (string | Uint8Array)[]): Promise<void> {
  const writer = await open(fifo, 'w');
  for (const piece of pieces) {
    await writer.write(typeof piece === 'string' ? Buffer.from(piece) : piece);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await writer.close();
}
async function all(source: { items(): AsyncIterable<SourceItem> }): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of source.items()) out.push(item);
  return out;
}

describe('SimulatedTickSource', () => {
  it('is deterministic for a seed and differs across seeds', async () => {
    const a = await all(new SimulatedTickSource({ ticks: 500, seed: 1 }));
    const b = await all(new SimulatedTickSource({ ticks: 500, seed: 1 }));
    const c = await all(new SimulatedTickSource({ ticks: 500, seed: 2 }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('interleaves symbols in time order with valid prices in cents and round-lot volumes', async () => {
    const items = await all(new SimulatedTickSource({ symbols: ['AAPL', 'MSFT'], ticks: 1000, seed: 3 }));
    expect(items).toHaveLength(1000);
    let last = 0;
    for (const item of items) {
      expect(item.kind).toBe('record');
      const r = validateTick(item.kind === 'record' ? item.record : null, { now: clock.now() });
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect(r.tick.timestamp).toBeGreaterThanOrEqual(last);
      last = r.tick.timestamp;
      expect(r.tick.units % 10_000).toBe(0);
      expect(r.tick.volume % 100).toBe(0);
    }
  });

  it('mixes in malformed records and duplicates at the rates asked for', async () => {
    const items = await all(new SimulatedTickSource({ ticks: 20_000, seed: 5, badRate: 0.05, duplicateRate: 0.05 }));
    const bad = items.filter((i) => i.kind === 'record' && !validateTick(i.record, { now: clock.now() }).ok).length;
    expect(bad / 20_000).toBeGreaterThan(0.03);
    expect(bad / 20_000).toBeLessThan(0.07);
    expect(items.length - 20_000).toBeGreaterThan(500); // duplicates come on top
  });

  it('hands over the same items in arrays as one by one, and stops at an abort', async () => {
    const options = { ticks: 5_000, seed: 9, badRate: 0.05, duplicateRate: 0.05 };
    const arrays: (readonly SourceItem[])[] = [];
    for await (const chunk of new SimulatedTickSource(options).chunks()) arrays.push(chunk);
    expect(arrays.length).toBeGreaterThan(1);
    expect(arrays.flat()).toEqual(await all(new SimulatedTickSource(options)));

    const controller = new AbortController();
    let seen = 0;
    for await (const chunk of new SimulatedTickSource(options).chunks(controller.signal)) {
      seen += chunk.length;
      controller.abort();
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(2_000);
  });

  it.each(['chunks', 'items'] as const)(
    'lets the event loop turn while it reads (%s): an abort from a timer stops a long run',
    async (how) => {
      // Nothing here waits on I/O, so without those turns the timer (as a Ctrl-C would) fires only after the last tick.
      const ticks = 3_000_000;
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const source = new SimulatedTickSource({ ticks });
      let seen = 0;
      if (how === 'chunks') for await (const chunk of source.chunks(controller.signal)) seen += chunk.length;
      else for await (const _ of source.items(controller.signal)) seen++;
      expect(controller.signal.aborted).toBe(true);
      expect(seen).toBeGreaterThan(0);
      expect(seen).toBeLessThan(ticks / 2);
    },
  );

  it('refuses options that make no sense', () => {
    expect(() => new SimulatedTickSource({ symbols: ['A B'] })).toThrow(/not a valid symbol/);
    expect(() => new SimulatedTickSource({ badRate: 2 })).toThrow(/\[0, 1\)/);
  });
});

describe('CsvTickSource', () => {
  it('reads any column order, ISO or epoch timestamps, quoted fields, and names the line of each bad row', async () => {
    const path = await file(
      'mixed.csv',
      'price,volume,symbol,timestamp\n187.43,100,aapl,1704205800000\n"1,5",1,AAPL,1704205800001\n12,1,MSFT,2024-01-02T14:30:00Z\n\n12,1,MSFT\n-1,1,MSFT,1704205800002\n',
    );
    const items = await all(new CsvTickSource({ path, clock }));
    expect(items.map((i) => (i.kind === 'record' ? `ok ${i.origin}` : i.kind === 'reject' ? i.message : 'flush'))).toEqual([
      'ok mixed.csv:2',
      'mixed.csv line 3: price must be a finite number > 0, got "1,5"',
      'ok mixed.csv:4',
      'mixed.csv line 6: expected 4 fields, got 3',
      'mixed.csv line 7: price must be a finite number > 0, got -1',
    ]);
    expect(items[0]).toMatchObject({ record: { symbol: 'aapl', timestamp: 1704205800000, price: 187.43, volume: 100, source: 'csv' } });
  });

  it('refuses a file without the required header, a missing file and an empty file with a SourceError', async () => {
    await expect(all(new CsvTickSource({ path: await file('h.csv', 'sym,ts,px\nA,1,2\n'), clock }))).rejects.toThrow(
      'h.csv line 1: the header must name symbol,timestamp,price,volume; missing symbol, timestamp, price, volume',
    );
    await expect(all(new CsvTickSource({ path: '/nonexistent/x.csv', clock }))).rejects.toBeInstanceOf(SourceError);
    await expect(all(new CsvTickSource({ path: await file('e.csv', ''), clock }))).rejects.toThrow(/is empty/);
  });

  it('splits RFC 4180 lines', () => {
    expect(splitCsvLine('a,"b,c","d ""e"""')).toEqual(['a', 'b,c', 'd "e"']);
    expect(splitCsvLine('"open')).toBeUndefined();
  });
});

describe('NdjsonTickSource and IterableTickSource', () => {
  it('NDJSON: one record per line, bad lines rejected with their number', async () => {
    const path = await file('t.ndjson', '{"symbol":"AAPL","timestamp":1704205800000,"price":1,"volume":1}\n{oops\n[]\n');
    const items = await all(new NdjsonTickSource({ path, clock }));
    expect(items.map((i) => (i.kind === 'reject' ? i.message : i.kind))).toEqual([
      'record',
      't.ndjson line 2: not valid JSON',
      't.ndjson line 3: record must be a JSON object, got an array',
    ]);
  });

  it('NDJSON: a byte-order mark is not data; a JSON string is not an object; a huge line is TOO_LARGE at its line', async () => {
    const good = '{"symbol":"AAPL","timestamp":1704205800000,"price":1,"volume":1}';
    const huge = `{"symbol":"AAPL","timestamp":1704205800001,"price":1,"volume":1,"note":"${'x'.repeat(70_000)}"}`;
    const path = await file('b.ndjson', `\uFEFF${good}\n"str"\n${huge}\n`);
    const items = await all(new NdjsonTickSource({ path, clock }));
    expect(items.map((i) => (i.kind === 'reject' ? `${i.code} ${i.message}` : i.kind))).toEqual([
      'record',
      'NOT_AN_OBJECT b.ndjson line 2: record must be a JSON object, got "str"',
      `TOO_LARGE b.ndjson line 3: the line is ${Buffer.byteLength(huge)} bytes; a record may have at most 65536`,
    ]);
  });

  it('a line over 64 KiB is TOO_LARGE at its line whatever it holds; a record just under it that grows past it when sent is too', async () => {
    const digits = '9'.repeat(70_000);
    const csv = await file('big.csv', `symbol,timestamp,price,volume\nAAPL,1704205800000,${digits},1\n`);
    const ndjson = await file('big.ndjson', `{"symbol": ${digits}\n`);
    for (const source of [new CsvTickSource({ path: csv, clock }), new NdjsonTickSource({ path: ndjson, clock })]) {
      const [item] = await all(source);
      expect(item).toMatchObject({ kind: 'reject', code: 'TOO_LARGE' });
      expect((item as { message: string }).message).toMatch(/ line [12]: the line is 700\d\d bytes; a record may have at most 65536$/);
    }
    // 65,530 bytes on the line; with the source the reader adds, over the limit.
    const near = JSON.stringify({ symbol: 'AAPL', timestamp: 1704205800000, price: 1, volume: 1, note: '' });
    const padded = near.replace('"note":""', `"note":"${'x'.repeat(65_530 - near.length)}"`);
    const [item] = await all(new NdjsonTickSource({ path: await file('near.ndjson', `${padded}\n`), clock }));
    expect(item).toMatchObject({ kind: 'reject', code: 'TOO_LARGE' });
    expect((item as { message: string }).message).toMatch(/^near.ndjson line 1: record is 655\d\d bytes; the limit is 65536$/);
  });

  it('a folder given as the file, and a CSV header naming a column twice, are SourceErrors', async () => {
    await expect(all(new NdjsonTickSource({ path: tmpdir(), clock }))).rejects.toThrow(/it is a folder, not a file/);
    const twice = await file('twice.csv', 'symbol,timestamp,price,volume,price\nAAPL,1,2,3,4\n');
    await expect(all(new CsvTickSource({ path: twice, clock }))).rejects.toThrow(
      'twice.csv line 1: the header names the column price twice',
    );
  });

  it('CSV: rows that are not records (a quote left open, the wrong number of fields) are BAD_ROW, and the rows after them are read', async () => {
    const path = await file(
      'r.csv',
      '\uFEFFsymbol,timestamp,price,volume\nAAPL,"1704205800000,1,1\nAAPL,1704205800001,1\nAAPL,1704205800002,1,1\n',
    );
    const items = await all(new CsvTickSource({ path, clock }));
    expect(
      items.map((i) => (i.kind === 'reject' ? `${i.code} ${i.message}` : i.kind === 'record' ? `record ${i.origin}` : i.kind)),
    ).toEqual([
      'BAD_ROW r.csv line 2: a quoted field is not closed on its line',
      'BAD_ROW r.csv line 3: expected 4 fields, got 3',
      'record r.csv:4',
    ]);
  });

  it('lines end where wc -l and grep -n end them: LF, with a CR before it dropped; a lone CR is part of its line', async () => {
    const label = (i: SourceItem) => (i.kind === 'reject' ? `${i.code} ${i.message}` : i.kind === 'record' ? `record ${i.origin}` : i.kind);
    // Each file: a good row on line 2 and a bad one on line 3, whatever its line ends.
    for (const [name, text] of [
      // A CR inside a field (a note typed on a Mac) neither splits the row nor shifts the lines after it.
      ['lone.csv', 'symbol,timestamp,price,volume,note\nAAPL,1704205800000,10,1,a\rb\nAAPL,1704205801000,-1,1,x\n'],
      // CR CR LF, as Python's csv module writes on Windows without newline='': the line is still line 3.
      ['w.csv', 'symbol,timestamp,price,volume\r\r\nAAPL,1704205800000,10,1\r\r\nAAPL,1704205801000,-1,1\r\r\n'],
      // Classic Mac line ends (CR only, no LF in the file), as Excel for Mac can save: CR ends the line.
      ['mac.csv', 'symbol,timestamp,price,volume\rAAPL,1704205800000,10,1\rAAPL,1704205801000,-1,1'],
    ] as const) {
      expect((await all(new CsvTickSource({ path: await file(name, text), clock }))).map(label)).toEqual([
        `record ${name}:2`,
        `BAD_PRICE ${name} line 3: price must be a finite number > 0, got -1`,
      ]);
    }
    // A CR between JSON tokens is whitespace, not a line break.
    const json = await file(
      'cr.ndjson',
      '{"symbol":"AAPL",\r"timestamp":1704205800000,"price":1,"volume":1}\n{"symbol":"AAPL","timestamp":1,"price":-1,"volume":1}\n',
    );
    expect((await all(new NdjsonTickSource({ path: json, clock }))).map((i) => (i.kind === 'flush' ? '' : i.origin))).toEqual([
      'cr.ndjson:1',
      'cr.ndjson:2',
    ]);
  });

  it('CSV: unnamed header columns (the empty ones a spreadsheet leaves at the end) count as fields', async () => {
    const path = await file('h.csv', 'symbol,timestamp,price,volume,,\nAAPL,1704205800000,10,1,,\nAAPL,1704205801000,11,1\n');
    const items = await all(new CsvTickSource({ path, clock }));
    expect(items.map((i) => (i.kind === 'reject' ? `${i.code} ${i.message}` : i.kind))).toEqual([
      'record',
      'BAD_ROW h.csv line 3: expected 6 fields, got 4',
    ]);
  });

  it('NDJSON: a valid tick nested deeper than JSON.stringify can write is still a record, sent as its text, at any size', async () => {
    const nested = (depth: number, t: number) =>
      `{"symbol":"AAPL","timestamp":${t},"price":10,"volume":1,"x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    for (const depth of [7_000, 9_000, 20_000]) {
      const line = nested(depth, 1704205800000);
      const [item] = await all(new NdjsonTickSource({ path: await file(`d${depth}.ndjson`, `${line}\n`), clock }));
      expect(item).toEqual({ kind: 'record', record: line, origin: `d${depth}.ndjson:1` });
      expect(validateTick(line, { now: clock.now() }).ok).toBe(true);
    }
  });

  it('a line that is not UTF-8 is read with U+FFFD, and a rejected one keeps its bytes', async () => {
    const bytes = Buffer.concat([
      Buffer.from('symbol,timestamp,price,volume,name\nAA'),
      Buffer.from([0xff]),
      Buffer.from('PL,1704205801000,10,1,x\nAAPL,1704205802000,10,1,Soci'),
      Buffer.from([0xe9]), // Latin-1 é in a column the tick has no use for: the row is still a tick
      Buffer.from('t\n'),
    ]);
    const path = await file('latin1.csv', '');
    await writeFile(path, bytes);
    const items = await all(new CsvTickSource({ path, clock }));
    expect(items.map((i) => i.kind)).toEqual(['reject', 'record']);
    const reject = items[0] as Extract<SourceItem, { kind: 'reject' }>;
    expect(reject.code).toBe('BAD_SYMBOL');
    expect(reject.text).toBe('AA\uFFFDPL,1704205801000,10,1,x');
    expect(Buffer.from(reject.bytes ?? [])).toEqual(
      Buffer.concat([Buffer.from('AA'), Buffer.from([0xff]), Buffer.from('PL,1704205801000,10,1,x')]),
    );
  });

  it('a line past 1 MiB is TOO_LARGE with its first 1 MiB kept, in bounded memory, and the lines after it are read', async () => {
    const size = 3 * KEPT_LINE_BYTES + 5;
    const good = (t: number) => `{"symbol":"AAPL","timestamp":${t},"price":1,"volume":1}`;
    const path = await file('huge.ndjson', `${good(1704205800000)}\r\n${'x'.repeat(size)}\r\n${good(1704205801000)}\r\n`);
    const items = await all(new NdjsonTickSource({ path, clock }));
    expect(items.map((i) => i.kind)).toEqual(['record', 'reject', 'record']);
    const reject = items[1] as Extract<SourceItem, { kind: 'reject' }>;
    expect(reject.message).toBe(
      `huge.ndjson line 2: the line is ${size} bytes; a record may have at most 65536; its first ${KEPT_LINE_BYTES} bytes are kept`,
    );
    expect(reject.text).toBe('x'.repeat(KEPT_LINE_BYTES));
  });

  it('a file that fails while it is read is a SourceError that names it', async () => {
    // Linux: /proc/self/mem stats as a file, and reading it from offset 0 fails (EIO).
    await expect(all(new CsvTickSource({ path: '/proc/self/mem', clock }))).rejects.toThrow(
      new SourceError('cannot read /proc/self/mem: EIO: i/o error, read'),
    );
  });

  it('a gzip file reads as its text (told from its first bytes, whatever its name); a damaged one is a SourceError', async () => {
    const csv = 'symbol,timestamp,price,volume\nAAPL,1704205800000,10,1\nAAPL,1704205801000,-1,1\n';
    const zipped = gzipSync(csv);
    const path = await file('t.csv.gz', '');
    await writeFile(path, zipped);
    const items = await all(new CsvTickSource({ path, clock }));
    expect(items.map((i) => (i.kind === 'reject' ? `${i.code} ${i.message}` : i.kind))).toEqual([
      'record',
      'BAD_PRICE t.csv.gz line 3: price must be a finite number > 0, got -1',
    ]);
    // A lake object (gzip NDJSON of enriched ticks) replays as an NDJSON file.
    const lakeObject = await file('obj.ndjson.gz', '');
    await writeFile(
      lakeObject,
      gzipSync(
        '{"symbol":"AAPL","timestamp":1704205800000,"price":187.43,"volume":100,"source":"stream","ingested_at":1,"sequence":"7"}\n',
      ),
    );
    expect((await all(new NdjsonTickSource({ path: lakeObject, clock }))).map((i) => i.kind)).toEqual(['record']);
    const cut = await file('cut.csv.gz', '');
    await writeFile(cut, zipped.subarray(0, 30));
    await expect(all(new CsvTickSource({ path: cut, clock }))).rejects.toThrow(
      new SourceError(`cannot read ${cut}: unexpected end of file`),
    );
  });

  it('a cut .gz gives every whole row before the cut to a slow reader too, then its error', async () => {
    const path = await file('cut-slow.csv.gz', '');
    const whole = await writeCutGzipCsv(path);
    let records = 0;
    const reading = (async () => {
      for await (const item of new CsvTickSource({ path, clock }).items()) {
        if (item.kind === 'record') records++;
        // Slower than zlib: it inflates ahead while the reader waits.
        if (records % 500 === 1) await sleep(2);
      }
    })();
    await expect(reading).rejects.toThrow(new SourceError(`cannot read ${path}: unexpected end of file`));
    expect(records).toBe(whole);
  });

  it('a .gz damaged in the middle, or followed by bytes that are not gzip, gives the rows before the damage, then its error (it used to hang)', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => `AAPL,${1_704_205_800_000 + i * 1000},${100 + ((i * 7919) % 97)},1`);
    const zipped = gzipSync(`symbol,timestamp,price,volume\n${rows.join('\n')}\n`);
    const damaged = Buffer.from(zipped);
    for (let i = damaged.length >> 1; i < (damaged.length >> 1) + 64; i++) damaged.writeUInt8(0xff - (damaged[i] as number), i);
    const trailing = Buffer.concat([zipped, Buffer.from('not gzip at all')]);
    for (const [name, bytes, error] of [
      ['damaged.csv.gz', damaged, /^cannot read .*damaged\.csv\.gz: (invalid|incorrect)/],
      ['trailing.csv.gz', trailing, /^cannot read .*trailing\.csv\.gz: incorrect header check$/],
    ] as const) {
      const path = await file(name, '');
      await writeFile(path, bytes);
      let records = 0;
      const reading = (async () => {
        for await (const item of new CsvTickSource({ path, clock }).items()) if (item.kind === 'record') records++;
      })();
      await expect(reading).rejects.toThrow(error);
      // The rows before the damage (less those of the last slice zlib was given: its output goes with the error).
      expect(records).toBeGreaterThan(name === 'trailing.csv.gz' ? rows.length - 2000 : 1000);
      expect(records).toBeLessThanOrEqual(rows.length);
    }
  });

  it('a JSON array over several lines, and a file of blank lines, are SourceErrors, not a run of rejects or of nothing', async () => {
    const array = await file(
      'ticks.json',
      '[\n  {"symbol":"AAPL","timestamp":1704205800000,"price":1,"volume":1},\n  {"symbol":"AAPL"}\n]\n',
    );
    await expect(all(new NdjsonTickSource({ path: array, clock }))).rejects.toThrow(
      new SourceError(
        "ticks.json line 1: this is a JSON array, not NDJSON (one JSON object per line): convert it first, e.g. jq -c '.[]' ticks.json > ticks.ndjson",
      ),
    );
    // The same array on one line; an array of no object is only a bad record.
    const oneLine = await file('one.json', '[{"symbol":"AAPL","timestamp":1704205800000,"price":1,"volume":1},{"symbol":"AAPL"}]\n');
    await expect(all(new NdjsonTickSource({ path: oneLine, clock }))).rejects.toThrow(
      /one\.json line 1: this is a JSON array, not NDJSON .* jq -c/,
    );
    const numbers = await file('numbers.ndjson', '[1, 2]\n{"symbol":"AAPL","timestamp":1704205800000,"price":1,"volume":1}\n');
    expect((await all(new NdjsonTickSource({ path: numbers, clock }))).map((i) => (i.kind === 'reject' ? i.code : i.kind))).toEqual([
      'NOT_AN_OBJECT',
      'record',
    ]);
    for (const text of ['\n\n', '\uFEFF\n', '  \r\n']) {
      const blank = await file('blank.csv', text);
      await expect(all(new CsvTickSource({ path: blank, clock }))).rejects.toThrow(new SourceError(`${blank} is empty (blank lines only)`));
    }
    await expect(all(new CsvTickSource({ path: await file('zero.csv', ''), clock }))).rejects.toThrow(/zero\.csv is empty$/);
  });

  it('CSV: numbers as spreadsheets write them (+5, .5, 10.) are numbers', async () => {
    const path = await file('n.csv', 'symbol,timestamp,price,volume\nAAPL,1704205800000,.5,+5\nAAPL,+1704205801000,10.,1\n');
    const items = await all(new CsvTickSource({ path, clock }));
    expect(items.map((i) => (i.kind === 'record' ? i.record : i))).toEqual([
      { symbol: 'AAPL', timestamp: 1704205800000, price: 0.5, volume: 5, source: 'csv' },
      { symbol: 'AAPL', timestamp: 1704205801000, price: 10, volume: 1, source: 'csv' },
    ]);
  });

  it('tells LF from CR-only files by their first 64 KiB, however the reads fall (a pipe, a long header)', async () => {
    const kinds = (items: SourceItem[]) => items.map((i) => (i.kind === 'reject' ? `${i.code} ${i.message}` : i.kind));
    // A pipe whose first read ends in the CR of a CRLF, and one whose first read holds no break at all.
    for (const pieces of [
      ['symbol,timestamp,price,volume\r', '\n"AAPL",1704205800000,1,1\r\n"MSFT",1704205800000,2,1\r\n'],
      ['symbol,timestamp', ',price,volume\rAAPL,1704205800000,1,1\rMSFT,1704205800000,2,1\r'],
    ]) {
      const fifo = await pipe('pipe.csv');
      const reading = all(new CsvTickSource({ path: fifo, clock }));
      await writeSlowly(fifo, pieces);
      expect(kinds(await reading)).toEqual(['record', 'record']);
    }
    // A CRLF file whose first line ends at the edge of the first read, with CRs inside its rows.
    const header = `symbol,timestamp,price,volume,${'n'.repeat(65_535 - 30)}`;
    const path = await file('wide.csv', `${header}\r\n${'"AAPL",1704205800000,1,1,"a\rb"\r\n'.repeat(3)}`);
    expect((await all(new CsvTickSource({ path, clock }))).map((i) => i.kind)).toEqual(['record', 'record', 'record']);
  });

  it('tells gzip from its first two bytes though the first read is one', async () => {
    const fifo = await pipe('pipe.csv');
    const zipped = gzipSync('symbol,timestamp,price,volume\nAAPL,1704205800000,1,1\n');
    const reading = all(new CsvTickSource({ path: fifo, clock }));
    await writeSlowly(fifo, [zipped.subarray(0, 1), zipped.subarray(1)]);
    expect((await reading).map((i) => i.kind)).toEqual(['record']);
  });

  it('a line cut at 1 MiB inside a character is still UTF-8; a line of bad bytes is measured in its own bytes', async () => {
    const big = await file('e.csv', `symbol,timestamp,price,volume\nA${'é'.repeat(1_000_000)}\n`);
    const [cut] = await all(new CsvTickSource({ path: big, clock }));
    expect(cut).toMatchObject({ kind: 'reject', code: 'TOO_LARGE' });
    expect((cut as { bytes?: Uint8Array }).bytes).toBeUndefined(); // kept as text, not base64
    expect((cut as { text: string }).text).toBe(`A${'é'.repeat((KEPT_LINE_BYTES - 2) / 2)}`);
    // 30,026 bytes on the line, 90,026 once each bad byte reads as U+FFFD: the line is not too large.
    const latin = await file('l.csv', '');
    await writeFile(
      latin,
      Buffer.concat([Buffer.from('symbol,timestamp,price,volume\nX'), Buffer.alloc(30_000, 0xe9), Buffer.from(',1704205800000,1,1\n')]),
    );
    const [bad] = await all(new CsvTickSource({ path: latin, clock }));
    expect((bad as { message: string }).message).not.toMatch(/the line is/);
  });

  it('a CR at the very end of a file with LF line ends is part of its last line', async () => {
    const path = await file('end.ndjson', '{"symbol":"AAPL","timestamp":1704205800000,"price":1,"volume":1}\r\n{oops\r');
    const items = await all(new NdjsonTickSource({ path, clock }));
    expect(items.map((i) => (i.kind === 'reject' ? i.text : i.kind))).toEqual(['record', '{oops\r']);
  });

  it('an iterable passes every value through, numbered', async () => {
    const items = await all(new IterableTickSource(['x', { a: 1 }]));
    expect(items).toEqual([
      { kind: 'record', record: 'x', origin: '#1' },
      { kind: 'record', record: { a: 1 }, origin: '#2' },
    ]);
  });
});

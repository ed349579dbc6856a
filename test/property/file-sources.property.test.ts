/**
 * The file sources against any file: every line after the header is accounted for exactly
 * once — a record that validates, or a coded rejection naming its own line — in file order,
 * and reading never throws (but for a CSV whose header lacks a required column, and an NDJSON
 * file of blank lines or that opens a JSON array over several lines).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/local/clocks.js';
import { CsvTickSource, NdjsonTickSource } from '../../src/adapters/sources/file-tick-source.js';
import { validateTick } from '../../src/domain/validate-tick.js';
import type { SourceItem } from '../../src/ports/tick-source.port.js';
import { REJECT_CODES } from '../oracles.js';

const NOW = Date.UTC(2024, 5, 1);
const clock = new ManualClock(NOW);
let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-file-prop-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Text with no line break of its own: no LF, and no CR at its end (CR LF is a line break); a CR inside is text. */
const inline = (arb: fc.Arbitrary<string>) => arb.map((s) => s.replace(/\n/g, ' ').replace(/\r$/, ' '));
const anyText = inline(
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    // Carriage returns where a line has them: in a field, between JSON tokens, at the start.
    fc.string({ unit: fc.constantFrom('a', '1', ',', '"', '{', '}', ':', ' ', '\r'), maxLength: 30 }),
  ),
);

const csvField = fc.oneof(
  fc.constantFrom('AAPL', 'msft', '^GSPC', '../x', "'; DROP", '', '"', '"a,b"', '"open', 'ＡＡＰＬ', 'a\rb', '\r'),
  fc.integer({ min: -5, max: 2_000_000_000_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.date({ min: new Date(0), max: new Date(NOW), noInvalidDate: true }).map((d) => d.toISOString()),
  inline(fc.string({ maxLength: 12 })),
);
const csvRow = fc.oneof(
  { weight: 3, arbitrary: fc.array(csvField, { minLength: 4, maxLength: 4 }).map((f) => f.join(',')) },
  { weight: 1, arbitrary: fc.array(csvField, { minLength: 0, maxLength: 7 }).map((f) => f.join(',')) },
  { weight: 1, arbitrary: anyText },
);

const ndjsonLine = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          symbol: fc.oneof(fc.constantFrom('AAPL', 'brk-b', '../x'), fc.string({ maxLength: 20 })),
          timestamp: fc.oneof(fc.integer({ min: -1, max: NOW + 2 * 86_400_000 }), fc.string({ maxLength: 30 })),
          price: fc.oneof(fc.double(), fc.integer(), fc.string({ maxLength: 8 })),
          volume: fc.oneof(fc.integer({ min: -3, max: 10_000 }), fc.double()),
          source: fc.oneof(fc.constantFrom('file', 'yahoo'), fc.string({ maxLength: 40 })),
        },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: anyText },
  // Rarely, a record over the 64 KiB a stream record may have.
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 60_000, max: 70_000 })
      .map((size) => JSON.stringify({ symbol: 'AAPL', timestamp: NOW - 1, price: 1, volume: 1, note: 'x'.repeat(size) })),
  },
);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** What a NDJSON line must come out as, worked out naively: its code, or 'record'. */
function ndjsonVerdict(line: string): string {
  if (Buffer.byteLength(line) > 64 * 1024) return 'TOO_LARGE';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'INVALID_JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'NOT_AN_OBJECT';
  const record = { source: 'ndjson', ...value };
  if (Buffer.byteLength(JSON.stringify(record)) > 64 * 1024) return 'TOO_LARGE';
  const r = validateTick(record, { now: NOW });
  return r.ok ? 'record' : r.code;
}

async function readAll(source: { items(): AsyncIterable<SourceItem> }): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of source.items()) out.push(item);
  return out;
}

/** Each non-blank line `i` (1-based, from `first`) is one item that names line i, in order. */
function checkAccounted(items: SourceItem[], lines: readonly string[], first: number, label: string): void {
  const expected = lines.flatMap((line, i) => (line.trim() === '' ? [] : [first + i]));
  expect(items.map((item) => (item.kind === 'flush' ? undefined : item.origin))).toEqual(expected.map((no) => `${label}:${no}`));
  for (const item of items) {
    // A record passes ingest as the producer sends it: its JSON text.
    if (item.kind === 'record') expect(validateTick(JSON.stringify(item.record), { now: NOW }).ok).toBe(true);
    else if (item.kind === 'reject') {
      expect(REJECT_CODES.has(item.code)).toBe(true);
      expect(item.message).toMatch(new RegExp(`^${label} line ${item.origin?.split(':')[1]}: .{10,}`));
    }
  }
}

describe('file sources (property)', () => {
  it('CSV: every row after the header is one record or one coded rejection at its line, whatever the row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(csvRow, { maxLength: 40 }), fc.boolean(), fc.constantFrom('\n', '\r\n'), async (rows, bom, eol) => {
        const label = `p${n++}.csv`;
        const path = join(dir, label);
        await writeFile(path, `${bom ? '\uFEFF' : ''}symbol,timestamp,price,volume${eol}${rows.join(eol)}${eol}`);
        checkAccounted(await readAll(new CsvTickSource({ path, clock })), rows, 2, label);
      }),
      { numRuns: 150 },
    );
  });

  it('NDJSON: every line is one record or one coded rejection at its line, whatever the line', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ndjsonLine, { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.constantFrom('\n', '\r\n'),
        async (lines, bom, eol) => {
          const label = `p${n++}.ndjson`;
          const path = join(dir, label);
          // The BOM belongs to no line: the first line is read as if it were not there.
          await writeFile(path, `${bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`);
          const source = new NdjsonTickSource({ path, clock });
          // A file of blank lines, or a JSON array of records (begun over lines, or on one), is
          // not NDJSON at all: said at once.
          const head = lines.find((l) => l.trim() !== '')?.trimStart();
          const arrayOfRecords = (text: string) => {
            const value = JSON.parse(text) as unknown;
            return Array.isArray(value) && value.some((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
          };
          if (head === undefined || (head.startsWith('[') && (!isJson(head) || arrayOfRecords(head)))) {
            await expect(readAll(source)).rejects.toThrow(
              head === undefined ? /is empty \(blank lines only\)$/ : /this is a JSON array, not NDJSON/,
            );
            return;
          }
          const items = await readAll(source);
          checkAccounted(items, lines, 1, label);
          const verdicts = items.map((item) => (item.kind === 'reject' ? item.code : item.kind));
          expect(verdicts).toEqual(lines.filter((l) => l.trim() !== '').map(ndjsonVerdict));
        },
      ),
      { numRuns: 150 },
    );
  });
});

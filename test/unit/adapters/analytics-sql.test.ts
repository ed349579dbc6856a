import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbCatalog } from '../../../src/adapters/local/duckdb-catalog.js';
import { FolderLake } from '../../../src/adapters/local/folder-lake.js';
import { type AppliedSource, bindQuery, querySql, queryValues } from '../../../src/adapters/shared/analytics-sql.js';
import { duckDbType, LAKE_COLUMNS, LAKE_PARTITION_KEYS } from '../../../src/adapters/shared/lake-schema.js';
import { partitionOf } from '../../../src/domain/enrich.js';
import { checkQueryParams } from '../../../src/domain/query-params.js';
import { QUERY_NAMES } from '../../../src/ports/analytics-engine.port.js';

const SOURCES: AppliedSource[] = [
  { kind: 'lake', table: '"tickflow"."ticks"' },
  { kind: 'materialised', table: '"applied_ticks"' },
];

function bound(name: (typeof QUERY_NAMES)[number], source: AppliedSource, symbols = ['AAPL', 'EURUSD=X']) {
  const checked = checkQueryParams({ from: '2024-01-02', to: '2024-01-09', short: 3, long: 7, maxPoints: 100 });
  if (!checked.ok) throw new Error(checked.message);
  return bindQuery(querySql(name, source), queryValues(checked, symbols, 6));
}

/** The operand right after position `at` (a call with balanced parentheses, or a word). */
function operandAt(sql: string, at: number): string {
  let depth = 0;
  for (let i = at; i < sql.length; i++) {
    const c = sql[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return sql.slice(at, i + 1);
    } else if (depth === 0 && /[\s,]/.test(c ?? '')) return sql.slice(at, i);
  }
  return sql.slice(at);
}

describe('the shared SQL texts', () => {
  it('hold no text value: the symbols are bound placeholders, each in a WHERE (Athena takes ? nowhere else); numbers are casts of their digits', () => {
    for (const name of QUERY_NAMES) {
      for (const source of SOURCES) {
        const { sql, values } = bound(name, source);
        expect(sql).not.toMatch(/AAPL|EURUSD|:[a-z_]+/);
        expect(values).toEqual([
          { type: 'varchar', value: 'AAPL' },
          { type: 'varchar', value: 'EURUSD=X' },
        ]);
        expect(sql.match(/\?/g)).toHaveLength(2);
        expect(sql).toMatch(/WHERE\s+"symbol" IN \(\?, \?\)/);
        expect(sql).toContain('CAST(20240102 AS BIGINT)');
      }
    }
  });

  it('keep to what Trino and DuckDB mean alike: no DuckDB-only syntax, no division that is not in DOUBLE', () => {
    let divisions = 0;
    for (const name of QUERY_NAMES) {
      for (const source of SOURCES) {
        const { sql } = bound(name, source);
        expect(sql).not.toMatch(/::|\/\/|->>|\bEXCLUDE\b|\bQUALIFY\b|\bILIKE\b|GROUP BY ALL|ORDER BY ALL|\$\d|`|\blist_|\bstruct_/i);
        // DuckDB divides integers and decimals in DOUBLE, Trino in the operands' type: divide only where one side is DOUBLE.
        for (const m of sql.matchAll(/ \/ /g)) {
          const right = operandAt(sql, (m.index ?? 0) + 3);
          const left = sql.slice(0, m.index);
          const ok = /^CAST\(.* AS DOUBLE\)$/s.test(right) || right.startsWith('power(') || left.endsWith('AS DOUBLE)');
          expect([name, right, ok]).toEqual([name, right, true]);
          divisions++;
        }
      }
    }
    expect(divisions).toBeGreaterThan(10);
  });

  it('read the lake once: each WITH table is read by one FROM or JOIN at most (Trino runs a WITH table again at each reference, and Athena bills each scan)', () => {
    for (const name of QUERY_NAMES) {
      for (const source of SOURCES) {
        const sql = querySql(name, source);
        const tables = [...sql.matchAll(/"([a-z_0-9]+)" AS \(/g)].map((m) => m[1] as string);
        expect(tables).toContain('applied');
        const reads = tables.map((t) => [name, t, sql.match(new RegExp(`(?:FROM|JOIN) "${t}"(?![\\w.])`, 'g'))?.length ?? 0]);
        expect(reads.filter(([, , n]) => (n as number) > 1)).toEqual([]);
        // Every table is read (no unused stage whose definition the regex would miss), the last by the final SELECT.
        expect(reads.filter(([, , n]) => n === 0)).toEqual([]);
      }
    }
  });

  it('expand a symbol list into one placeholder each and refuse a missing value', () => {
    expect(
      bindQuery('"symbol" IN (:symbols) AND "n" >= :short', {
        symbols: [{ type: 'varchar', value: 'A' }],
        short: { type: 'bigint', value: 5 },
      }).sql,
    ).toBe('"symbol" IN (?) AND "n" >= CAST(5 AS BIGINT)');
    expect(() => bindQuery('"n" >= :short', { short: { type: 'bigint', value: 1.5 } })).toThrow(
      'an SQL number must be a safe integer, got 1.5',
    );
    expect(() => bindQuery('SELECT :nope', {})).toThrow('no value for the SQL parameter :nope');
    expect(() => bindQuery('IN (:symbols)', { symbols: [] })).toThrow(RangeError);
  });
});

describe('the DuckDB rendering of the lake schema', () => {
  const roots: string[] = [];
  afterAll(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

  it('the view and the cache table have the columns and types of LAKE_COLUMNS and the partition keys', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickflow-schema-'));
    roots.push(root);
    const t = Date.UTC(2024, 0, 2);
    await new FolderLake(root).writeSymbolDay('b1', 'AAPL', partitionOf(t), [
      {
        symbol: 'AAPL',
        timestamp: t,
        units: 1,
        price: 0.01,
        volume: 1,
        source: 's',
        ingestedAt: t,
        sequence: '1',
        partition: partitionOf(t),
      },
    ]);
    const expected = [...LAKE_COLUMNS, ...LAKE_PARTITION_KEYS].map((c) => [c.name, duckDbType(c.type, 2)]);
    for (const cache of [false, ':memory:'] as const) {
      const catalog = new DuckDbCatalog({ lake: root, priceDecimals: 2, cache });
      const described = await catalog.withLake(async (connection) =>
        (await connection.runAndReadAll('DESCRIBE "lake_ticks"')).getRowsJson(),
      );
      await catalog.close();
      expect(described.map((r) => [r[0], r[1]]).filter(([n]) => n !== 'object')).toEqual(expected);
    }
  });
});

import * as duckdb from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckDbValues } from '../../src/adapters/local/duckdb-catalog.js';
import { bindQuery, exactMeanCtes } from '../../src/adapters/shared/analytics-sql.js';
import { ratioToDouble } from '../../src/domain/exact.js';
import { nearestDouble } from '../oracles.js';

let instance: duckdb.DuckDBInstance;
let connection: duckdb.DuckDBConnection;
beforeAll(async () => {
  instance = await duckdb.DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** The SQL's SMA of sums N over a period S (prices with 0 decimals: D = S), one query for all. */
async function sqlMeans(sums: readonly bigint[], period: number): Promise<number[]> {
  const { ctes, output } = exactMeanCtes('input');
  const sql = `WITH "input" AS (
    SELECT "i", CAST("n" AS DECIMAL(38, 0)) AS "sum_short", CAST(NULL AS DECIMAL(38, 0)) AS "sum_long"
    FROM (SELECT unnest(:sums) AS "n", generate_subscripts(:sums, 1) AS "i")
  ),
  ${ctes}
  SELECT "sma_short" FROM "${output}" ORDER BY "i"`;
  const list = sums.map((n) => ({ type: 'varchar' as const, value: n.toString() }));
  // bindQuery expands a list into separate placeholders; rebuild it as one list value here.
  const bound = bindQuery(sql.replace(/:sums/g, '[:sums]'), {
    sums: list,
    short: { type: 'bigint', value: period },
    long: { type: 'bigint', value: period + 1 },
    scale: { type: 'bigint', value: 1 },
  });
  const reader = await connection.runAndReadAll(bound.sql, ...duckDbValues(duckdb, bound.values));
  return reader.getRowsJson().map((r) => r[0] as number);
}

const TWO_53 = 2n ** 53n;

/** Sums whose mean is exactly halfway between two doubles: ties, rounded to the even one. */
const tieArb = fc
  .tuple(fc.integer({ min: 1, max: 19 }), fc.bigInt({ min: 2n ** 52n, max: 2n ** 53n - 1n }), fc.constantFrom(1, 3, 5, 7))
  .filter(([k, , odd]) => 2 ** k * odd <= 1_000_000)
  .map(([k, q, odd]) => ({ n: (2n * q + 1n) * BigInt(odd), period: 2 ** k * odd }));

/** Sums whose mean sits just below or above a power of two, where the exponent estimate may be off by one. */
const nearPowerArb = fc
  .tuple(fc.integer({ min: 4, max: 52 }), fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: -3, max: 3 }))
  .map(([e, period, r]) => ({ n: 2n ** BigInt(e) * BigInt(period) + BigInt(r), period }))
  .filter(({ n }) => n >= TWO_53);

/** Any sum a window of top-range prices can have. */
const anyArb = fc
  .tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.bigInt({ min: 1n, max: TWO_53 - 1n }))
  .map(([period, mean]) => ({ n: mean * BigInt(period) + BigInt(period - 1), period }));

describe('the SQL exact mean (property)', () => {
  it('rounds N / S once to the nearest double, ties to even, as SmaWindow does, across 2^53', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(tieArb, nearPowerArb, anyArb), { minLength: 1, maxLength: 40 }), async (cases) => {
        for (const period of new Set(cases.map((c) => c.period))) {
          const sums = cases.filter((c) => c.period === period).map((c) => c.n);
          const got = await sqlMeans(sums, period);
          expect(got).toEqual(sums.map((n) => ratioToDouble(n, BigInt(period))));
          expect(got).toEqual(sums.map((n) => nearestDouble(n, BigInt(period))));
        }
      }),
      { numRuns: 150 },
    );
  });
});

/**
 * The SQL of the named queries (DESIGN.md §6): one text per query, run unchanged by Athena
 * (Trino) and DuckDB. It keeps to what both dialects mean the same way: window functions
 * (`lag` with an expression offset, running sums, aggregates over a partition),
 * `min_by`/`max_by`, `GROUPING SETS`, DECIMAL sums and products, `||`, `lpad`, CAST; no
 * decimal division (DuckDB answers in DOUBLE, Trino in DECIMAL), no `::`, no integer `/`
 * (DuckDB divides in DOUBLE, Trino truncates), and every number cast to BIGINT (a bare
 * literal is typed INTEGER when small). Parameters are written `:name` here; `bindQuery`
 * binds the symbols positionally (`?`, which Athena takes only in a WHERE clause) and writes
 * the checked whole numbers into the text. Each WITH table is read by one other at most:
 * Trino runs a WITH table again at each reference, so a second reader would read (and
 * bill) the lake a second time.
 */
import type { CheckedQueryParams } from '../../domain/query-params.js';
import type { QueryName, ResultColumn, ResultRow, RunOptions } from '../../ports/analytics-engine.port.js';

/** A bound parameter; its type decides how DuckDB binds it and how Athena writes it. */
export type SqlValue = { readonly type: 'varchar'; readonly value: string } | { readonly type: 'bigint'; readonly value: number };

/** A query ready to run: SQL with `?` placeholders and the values in placeholder order. */
export interface BoundQuery {
  readonly sql: string;
  readonly values: readonly SqlValue[];
}

/**
 * Where a query reads applied ticks from: the lake table itself (the arrival-order rule is
 * computed in SQL, `appliedTicksSql`), or a table that already holds that rule's output for
 * every symbol and day (the DuckDB cache).
 */
export type AppliedSource = { readonly kind: 'lake' | 'materialised'; readonly table: string };

const DAY = `"year" * 10000 + "month" * 100 + "day"`;
const DATE_OF_DAY = `CAST(lpad(CAST("year" AS VARCHAR), 4, '0') || '-' || lpad(CAST("month" AS VARCHAR), 2, '0') || '-' || lpad(CAST("day" AS VARCHAR), 2, '0') AS DATE)`;

/** The columns of the applied ticks, in order (the DuckDB cache stores exactly these). */
const APPLIED_COLUMNS = '"symbol", "timestamp", "price", "volume", "year", "month", "day", "prev_price", "prev_day"';

/**
 * The applied ticks (DESIGN.md §3) of the chosen symbols and days, from the lake table: in
 * arrival order (`lpad(sequence, 64, '0')`), a tick applies when its timestamp is later than
 * every earlier arrival's. Ticks of days before `from` cannot make a later tick late (their
 * timestamps are smaller), so they are pruned; days after `to` can, so they are read and
 * filtered after the rule. Each applied tick also carries the price and day of the applied
 * tick before it (`prev_price`, `prev_day`; NULL for the first one read), so returns need no
 * second sort; a query uses them only when `prev_day` is within its range, which makes the
 * result the same whether the history before `from` was read or not.
 *
 * @example
 * appliedTicksSql('"tickflow"."ticks"'); // 'SELECT "symbol", "timestamp", … FROM (…) AS "applied_rows" WHERE …'
 */
export function appliedTicksSql(table: string): string {
  return `SELECT ${APPLIED_COLUMNS}
  FROM (
    SELECT "symbol", "timestamp", "price", "volume", "year", "month", "day",
      lag("price") OVER (PARTITION BY "symbol" ORDER BY "timestamp") AS "prev_price",
      lag(${DAY}) OVER (PARTITION BY "symbol" ORDER BY "timestamp") AS "prev_day"
    FROM (
      SELECT "symbol", "timestamp", "price", "volume", "year", "month", "day",
        max("timestamp") OVER (
          PARTITION BY "symbol" ORDER BY lpad("sequence", 64, '0'), "timestamp"
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS "earlier_max"
      FROM ${table}
      WHERE "symbol" IN (:symbols) AND "year" BETWEEN :from_year AND :max_year AND ${DAY} >= :from_day
    ) AS "arrivals"
    WHERE "earlier_max" IS NULL OR "timestamp" > "earlier_max"
  ) AS "applied_rows"
  WHERE ${DAY} <= :to_day`;
}

function appliedCte(source: AppliedSource): string {
  const body =
    source.kind === 'lake'
      ? appliedTicksSql(source.table)
      : `SELECT ${APPLIED_COLUMNS}
  FROM ${source.table}
  WHERE "symbol" IN (:symbols) AND ${DAY} BETWEEN :from_day AND :to_day`;
  return `"applied" AS (\n  ${body}\n)`;
}

const DAILY_OHLC = `SELECT "symbol", ${DATE_OF_DAY} AS "day",
  min_by("price", "timestamp") AS "open", max("price") AS "high", min("price") AS "low",
  max_by("price", "timestamp") AS "close", CAST(sum("volume") AS BIGINT) AS "volume", count(*) AS "ticks"
FROM "applied"
GROUP BY "symbol", "year", "month", "day"
ORDER BY 1, 2`;

const VOLUME_TREND = `"daily" AS (
  SELECT "symbol", "year", "month", "day", count(*) AS "ticks", CAST(sum("volume") AS BIGINT) AS "volume"
  FROM "applied" GROUP BY "symbol", "year", "month", "day"
),
"running" AS (
  SELECT "symbol", "year", "month", "day", "ticks", "volume",
    row_number() OVER (PARTITION BY "symbol" ORDER BY "year", "month", "day") AS "n",
    sum("volume") OVER (PARTITION BY "symbol" ORDER BY "year", "month", "day" ROWS UNBOUNDED PRECEDING) AS "cumulative"
  FROM "daily"
)
SELECT "symbol", ${DATE_OF_DAY} AS "day", "ticks", "volume",
  CAST("cumulative" - coalesce(lag("cumulative", :short) OVER (PARTITION BY "symbol" ORDER BY "n"), 0) AS DOUBLE) / least("n", :short) AS "volume_ma_short",
  CAST("cumulative" - coalesce(lag("cumulative", :long) OVER (PARTITION BY "symbol" ORDER BY "n"), 0) AS DOUBLE) / least("n", :long) AS "volume_ma_long"
FROM "running"
ORDER BY 1, 2`;

/**
 * One pass over the ticks answers both levels (GROUPING SETS): a row per symbol (its ticks'
 * count and tick-to-tick volatility) and a row per symbol-day (its close), told apart by
 * `"symbol_level"`; the daily returns are the closes' own, in the days' order.
 */
const VOLATILITY = `"tick_returns" AS (
  SELECT "symbol", "year", "month", "day", "timestamp", "price",
    CASE WHEN "prev_day" >= :from_day THEN ln(CAST("price" AS DOUBLE) / CAST("prev_price" AS DOUBLE)) END AS "r"
  FROM "applied"
),
"levels" AS (
  SELECT "symbol", "year", "month", "day", grouping("year") AS "symbol_level",
    count(*) AS "ticks", stddev_samp("r") AS "tick_volatility", max_by("price", "timestamp") AS "close"
  FROM "tick_returns"
  GROUP BY GROUPING SETS (("symbol"), ("symbol", "year", "month", "day"))
),
"daily_returns" AS (
  SELECT "symbol", "symbol_level", "ticks", "tick_volatility",
    ln(CAST("close" AS DOUBLE) / CAST(lag("close") OVER (PARTITION BY "symbol", "symbol_level" ORDER BY "year", "month", "day") AS DOUBLE)) AS "r"
  FROM "levels"
)
SELECT "symbol",
  max(CASE WHEN "symbol_level" = 1 THEN "ticks" END) AS "ticks",
  max(CASE WHEN "symbol_level" = 1 THEN "tick_volatility" END) AS "tick_volatility",
  count(CASE WHEN "symbol_level" = 0 THEN 1 END) AS "days",
  stddev_samp(CASE WHEN "symbol_level" = 0 THEN "r" END) AS "daily_volatility",
  stddev_samp(CASE WHEN "symbol_level" = 0 THEN "r" END) * sqrt(252) AS "annualised_volatility"
FROM "daily_returns"
GROUP BY "symbol"
ORDER BY 1`;

/**
 * SMA sums and the crossover sign (DESIGN.md §3) over the applied ticks: running DECIMAL sums
 * of the prices, ΣS = running(n) − running(n − S) (exact: DECIMAL(38, d)); the sign of
 * L·ΣS − S·ΣL, exact in DECIMAL. A tick signals when its sign is non-zero and differs from
 * the last non-zero sign before it, so a touch (sign 0) neither signals nor resets. That last
 * sign comes from a running max of 2·timestamp + (1 when positive) over the earlier non-zero
 * rows (timestamps increase, so the max is the latest row, and its parity is its sign): one
 * pass, where a lag over the non-zero rows alone would need the ticks read a second time to
 * mark them (Trino reads a WITH table again at each reference).
 */
const SMA_AND_CROSSINGS = `"windows" AS (
  SELECT "symbol", "timestamp", "price", "volume",
    row_number() OVER (PARTITION BY "symbol" ORDER BY "timestamp") AS "n",
    sum("price") OVER (PARTITION BY "symbol" ORDER BY "timestamp" ROWS UNBOUNDED PRECEDING) AS "running"
  FROM "applied"
),
"sums" AS (
  SELECT "symbol", "timestamp", "price", "volume",
    CASE WHEN "n" >= :short THEN "running" - coalesce(lag("running", :short) OVER (PARTITION BY "symbol" ORDER BY "timestamp"), 0) END AS "sum_short",
    CASE WHEN "n" >= :long THEN "running" - coalesce(lag("running", :long) OVER (PARTITION BY "symbol" ORDER BY "timestamp"), 0) END AS "sum_long"
  FROM "windows"
),
"signs" AS (
  SELECT "symbol", "timestamp", "price", "volume", "sum_short", "sum_long",
    CAST(sign(:long * "sum_short" - :short * "sum_long") AS INTEGER) AS "cross_sign"
  FROM "sums"
),
"signed" AS (
  SELECT "symbol", "timestamp", "price", "volume", "sum_short", "sum_long", "cross_sign",
    max(CASE WHEN "cross_sign" <> 0 THEN 2 * "timestamp" + CASE WHEN "cross_sign" > 0 THEN 1 ELSE 0 END END) OVER (
      PARTITION BY "symbol" ORDER BY "timestamp" ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS "last_code"
  FROM "signs"
),
"marked" AS (
  SELECT "symbol", "timestamp", "price", "volume", "sum_short", "sum_long",
    CASE WHEN "cross_sign" <> 0 AND "last_code" IS NOT NULL
      AND "cross_sign" <> CASE WHEN abs("last_code" % 2) = 1 THEN 1 ELSE -1 END
      THEN CASE WHEN "cross_sign" > 0 THEN 'GOLDEN_CROSS' ELSE 'DEATH_CROSS' END END AS "signal"
  FROM "signed"
)`;

const TWO_POW_53 = '9007199254740992';

/**
 * CTEs that add `sma_short` and `sma_long` to `input` (which has `sum_short`, `sum_long`): the
 * exact mean ΣS / S rounded once to the nearest double, as `SmaWindow.value` does. The sum
 * is scaled to integer units N, and D = S·10^d (only for the rows that need a mean: casts of
 * wide decimals are slow). Below 2^53, N / D is one IEEE division of two exact doubles, the
 * same in every engine. Above, a double division would round twice, so the quotient is
 * rounded by hand with integer DECIMAL arithmetic: find e with 2^e ≤ N/D < 2^(e+1) (a double
 * estimate, corrected by exact comparison), take q = ⌊N·2^(52−e) / D⌋ (a double estimate,
 * then the exact floor of the small remainder), round half to even, and scale the 53-bit
 * integer back by 2^(e−52) — exact in a double.
 *
 * @example
 * const { ctes, output } = exactMeanCtes('crossings'); // `"mean_0" AS (…), …`; read "sma_short", "sma_long" from `output`
 */
export function exactMeanCtes(input: string): { ctes: string; output: string } {
  const means = [
    { m: 'short', n: '"n_short"', d: '(:short * :scale)' },
    { m: 'long', n: '"n_long"', d: '(:long * :scale)' },
  ];
  const stage = (name: string, from: string, column: (x: (typeof means)[number]) => string) =>
    `"${name}" AS (\n  SELECT *, ${means.map(column).join(',\n    ')}\n  FROM "${from}"\n)`;
  const ctes = [
    stage('mean_0', input, ({ m }) => `CAST("sum_${m}" * :scale AS DECIMAL(38, 0)) AS "n_${m}"`),
    stage(
      'mean_1',
      'mean_0',
      ({ m, n, d }) =>
        `CASE WHEN ${n} >= ${TWO_POW_53} THEN CAST(floor(log2(CAST(${n} AS DOUBLE) / CAST(${d} AS DOUBLE))) AS BIGINT) END AS "e0_${m}"`,
    ),
    stage(
      'mean_2',
      'mean_1',
      ({ m, n, d }) =>
        `CASE WHEN ${n} < CAST(${d} AS DECIMAL(38, 0)) * CAST(power(2, "e0_${m}") AS BIGINT) THEN "e0_${m}" - 1
      WHEN ${n} >= CAST(${d} AS DECIMAL(38, 0)) * CAST(power(2, "e0_${m}" + 1) AS BIGINT) THEN "e0_${m}" + 1
      ELSE "e0_${m}" END AS "e_${m}"`,
    ),
    stage('mean_3', 'mean_2', ({ m, n }) => `${n} * CAST(power(2, 52 - "e_${m}") AS BIGINT) AS "x_${m}"`),
    stage('mean_4', 'mean_3', ({ m, d }) => `CAST(CAST("x_${m}" AS DOUBLE) / CAST(${d} AS DOUBLE) AS BIGINT) AS "q0_${m}"`),
    stage('mean_5', 'mean_4', ({ m, d }) => `"x_${m}" - CAST("q0_${m}" AS DECIMAL(38, 0)) * ${d} AS "r0_${m}"`),
    stage(
      'mean_6',
      'mean_5',
      ({ m, d }) => `CAST(floor(CAST(CAST("r0_${m}" AS BIGINT) AS DOUBLE) / CAST(${d} AS DOUBLE)) AS BIGINT) AS "f_${m}"`,
    ),
    stage(
      'mean_7',
      'mean_6',
      ({ m, d }) => `"q0_${m}" + "f_${m}" AS "q_${m}", "r0_${m}" - CAST("f_${m}" AS DECIMAL(38, 0)) * ${d} AS "r_${m}"`,
    ),
    stage(
      'means',
      'mean_7',
      ({ m, n, d }) => `CASE WHEN ${n} IS NULL THEN NULL
      WHEN ${n} < ${TWO_POW_53} THEN CAST(CAST(${n} AS BIGINT) AS DOUBLE) / CAST(${d} AS DOUBLE)
      ELSE CAST("q_${m}" + CASE WHEN 2 * "r_${m}" > ${d} OR (2 * "r_${m}" = ${d} AND "q_${m}" % 2 <> 0) THEN 1 ELSE 0 END AS DOUBLE)
        / power(2, 52 - "e_${m}") END AS "sma_${m}"`,
    ),
  ];
  return { ctes: ctes.join(',\n'), output: 'means' };
}

function crossoversSql(): string {
  const means = exactMeanCtes('crossings');
  return `${SMA_AND_CROSSINGS},
"crossings" AS (
  SELECT "symbol", "timestamp", "price", "sum_short", "sum_long", "signal" FROM "marked" WHERE "signal" IS NOT NULL
),
${means.ctes}
SELECT "symbol" || '#' || CAST("timestamp" AS VARCHAR) || '#' || "signal" AS "id", "symbol", "signal",
  CASE WHEN "signal" = 'GOLDEN_CROSS' THEN 'UPTREND' ELSE 'DOWNTREND' END AS "trend",
  "timestamp", "price", "sma_short", "sma_long"
FROM "${means.output}"
ORDER BY "timestamp", "symbol", "signal"`;
}

function seriesSql(): string {
  const means = exactMeanCtes('kept');
  // Each stage reads the one before it once: a symbol's span and point count, and each
  // group's ticks and volume, are window aggregates over the rows, not joins back to them.
  return `${SMA_AND_CROSSINGS},
"spanned" AS (
  SELECT *, min("timestamp") OVER (PARTITION BY "symbol") AS "first_ts", max("timestamp") OVER (PARTITION BY "symbol") AS "last_ts",
    count(*) OVER (PARTITION BY "symbol") AS "points"
  FROM "marked"
),
"bucketed" AS (
  SELECT *,
    CAST(floor(CAST("timestamp" - "first_ts" AS DOUBLE) * :buckets / CAST("last_ts" - "first_ts" + 1 AS DOUBLE)) AS BIGINT) AS "bucket"
  FROM "spanned"
),
"ranked" AS (
  SELECT "symbol", "timestamp", "price", "volume", "sum_short", "sum_long", "signal", "first_ts", "last_ts", "points",
    row_number() OVER (PARTITION BY "symbol", "bucket" ORDER BY "price", "timestamp") AS "low_rank",
    row_number() OVER (PARTITION BY "symbol", "bucket" ORDER BY "price" DESC, "timestamp") AS "high_rank"
  FROM "bucketed"
),
"flagged" AS (
  SELECT "symbol", "timestamp", "price", "volume", "sum_short", "sum_long", "signal",
    ("points" <= :max_points OR "low_rank" = 1 OR "high_rank" = 1 OR "signal" IS NOT NULL
      OR "timestamp" = "first_ts" OR "timestamp" = "last_ts") AS "keep"
  FROM "ranked"
),
"grouped" AS (
  -- Each tick stands with the next kept tick at or after it (the last tick is kept): the
  -- group is the number of kept ticks before it.
  SELECT *, coalesce(sum(CASE WHEN "keep" THEN 1 ELSE 0 END) OVER (
    PARTITION BY "symbol" ORDER BY "timestamp" ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS "grp"
  FROM "flagged"
),
"totalled" AS (
  SELECT *, count(*) OVER (PARTITION BY "symbol", "grp") AS "ticks", sum("volume") OVER (PARTITION BY "symbol", "grp") AS "volume_sum"
  FROM "grouped"
),
"kept" AS (
  SELECT "symbol", "timestamp", "price", CAST("volume_sum" AS BIGINT) AS "volume", "ticks", "sum_short", "sum_long", "signal"
  FROM "totalled"
  WHERE "keep"
),
${means.ctes}
SELECT "symbol", "timestamp", "price", "volume", "ticks", "sma_short", "sma_long", "signal"
FROM "${means.output}"
ORDER BY "symbol", "timestamp"`;
}

/** The body of each query after the shared `"applied"` CTE. */
const BODIES: Readonly<Record<QueryName, string>> = {
  'daily-ohlc': DAILY_OHLC,
  'volume-trend': VOLUME_TREND,
  volatility: VOLATILITY,
  crossovers: crossoversSql(),
  series: seriesSql(),
};

/**
 * The SQL text of a query with `:name` placeholders, reading applied ticks from `source`.
 *
 * @example
 * querySql('volatility', { kind: 'lake', table: '"tickflow"."ticks"' }); // 'WITH "applied" AS (…), "tick_returns" AS (…) SELECT …'
 */
export function querySql(name: QueryName, source: AppliedSource): string {
  const body = BODIES[name];
  // A body that starts with a CTE continues the WITH list; one that starts with SELECT ends it.
  return body.startsWith('SELECT') ? `WITH ${appliedCte(source)}\n${body}` : `WITH ${appliedCte(source)},\n${body}`;
}

/**
 * The named values of a query's placeholders, from checked parameters and the lake's price
 * decimals. `symbols` must already be resolved (the lake's own list when none was asked).
 *
 * @example
 * queryValues(checked, ['AAPL'], 6).scale; // { type: 'bigint', value: 1000000 }
 */
export function queryValues(
  params: CheckedQueryParams,
  symbols: readonly string[],
  priceDecimals: number,
  options: {
    /**
     * The latest year a lake partition can have (default 9999: no bound). Ingest refuses
     * ticks more than a day ahead of its clock, so the year of now + 1 day bounds every
     * partition written by then; under Athena's partition projection the bound keeps a
     * query from listing a century of empty years. (Not `to`: a later tick that arrived
     * first still makes an earlier one late.)
     */
    maxYear?: number;
  } = {},
): Record<string, SqlValue | SqlValue[]> {
  const bigint = (value: number): SqlValue => ({ type: 'bigint', value });
  const maxPoints = params.maxPoints;
  return {
    symbols: symbols.map((value) => ({ type: 'varchar', value })),
    from_year: bigint(Math.floor(params.fromDay / 10_000)),
    max_year: bigint(options.maxYear ?? 9999),
    from_day: bigint(params.fromDay),
    to_day: bigint(params.toDay),
    short: bigint(params.short),
    long: bigint(params.long),
    scale: bigint(10 ** priceDecimals),
    max_points: bigint(maxPoints ?? Number.MAX_SAFE_INTEGER),
    buckets: bigint(maxPoints === undefined ? 1 : Math.floor((maxPoints - 2) / 2)),
  };
}

/**
 * Turns `:name` placeholders into positional `?` (a list into `?, ?, …`) for text values,
 * collected in placeholder order: text (symbols) never enters the SQL. Whole numbers are
 * written into the text as `CAST(n AS BIGINT)`, so both engines type them alike: Athena takes
 * `?` only in a `WHERE` clause (its parameterized queries' documented limit), and the
 * numbers stand in window offsets, `CASE`s and the exact-mean stages; a safe integer's
 * digits, checked here, cannot carry SQL.
 *
 * @example
 * bindQuery('SELECT 1 WHERE "symbol" IN (:symbols) AND "n" >= :short', { symbols: [{ type: 'varchar', value: 'AAPL' }], short: { type: 'bigint', value: 5 } });
 * // { sql: 'SELECT 1 WHERE "symbol" IN (?) AND "n" >= CAST(5 AS BIGINT)', values: [{ type: 'varchar', value: 'AAPL' }] }
 */
export function bindQuery(sql: string, named: Readonly<Record<string, SqlValue | readonly SqlValue[]>>): BoundQuery {
  const values: SqlValue[] = [];
  const placeholder = (v: SqlValue) => {
    if (v.type === 'bigint') {
      if (!Number.isSafeInteger(v.value)) throw new RangeError(`an SQL number must be a safe integer, got ${String(v.value)}`);
      return `CAST(${v.value} AS BIGINT)`;
    }
    values.push(v);
    return '?';
  };
  const text = sql.replace(/:([a-z_]+)/g, (_, key: string) => {
    const value = named[key];
    if (value === undefined) throw new RangeError(`no value for the SQL parameter :${key}`);
    if (Array.isArray(value)) {
      if (value.length === 0) throw new RangeError(`the SQL list parameter :${key} is empty`);
      return value.map(placeholder).join(', ');
    }
    return placeholder(value as SqlValue);
  });
  return { sql: text, values };
}

/** SQL types whose values come as numbers. */
const NUMERIC_TYPE = /^(tinyint|smallint|integer|int|bigint|hugeint|real|float|double|decimal)/;

/**
 * Makes a row of typed values from a row of cells (text, numbers or null): numbers for
 * numeric SQL types (a decimal to its nearest double), text for the rest, deciding each
 * column's conversion once: for turning many rows.
 *
 * @example
 * rowTyper([{ name: 'symbol', type: 'varchar' }, { name: 'close', type: 'decimal(18,6)' }])(['AAPL', '187.430000']); // { symbol: 'AAPL', close: 187.43 }
 */
export function rowTyper(columns: readonly ResultColumn[]): (cells: readonly (string | number | null)[]) => ResultRow {
  const numeric = columns.map((c) => NUMERIC_TYPE.test(c.type));
  return (cells) => {
    const row: Record<string, string | number | null> = {};
    columns.forEach((c, i) => {
      const v = cells[i] ?? null;
      row[c.name] = v === null || typeof v === 'number' || !numeric[i] ? v : Number(v);
    });
    return row;
  };
}

/**
 * Takes one batch of a result's rows (as cells): every row to `onRows`, typed, if given, and
 * the first into `kept` until it holds `keep`. The one way both engines keep and hand on rows.
 *
 * @example
 * await takeRows(page, typed, kept, 20, options.onRows);
 */
export async function takeRows(
  cells: readonly (readonly (string | number | null)[])[],
  typed: (cells: readonly (string | number | null)[]) => ResultRow,
  kept: ResultRow[],
  keep: number,
  onRows: RunOptions['onRows'],
): Promise<void> {
  if (onRows === undefined) {
    for (const row of cells) {
      if (kept.length >= keep) return;
      kept.push(typed(row));
    }
    return;
  }
  const batch = cells.map(typed);
  for (const row of batch) if (kept.length < keep) kept.push(row);
  await onRows(batch);
}

/**
 * How many rows a query keeps in memory under `options`: `maxRows`, or every row. Throws a
 * RangeError for a `maxRows` that is not a whole number from 0.
 *
 * @example
 * rowsToKeep({ maxRows: 20 }); // 20
 * rowsToKeep({});              // Infinity
 */
export function rowsToKeep(options: RunOptions): number {
  const { maxRows } = options;
  if (maxRows === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(maxRows) || maxRows < 0) throw new RangeError(`maxRows must be a whole number from 0, got ${String(maxRows)}`);
  return maxRows;
}

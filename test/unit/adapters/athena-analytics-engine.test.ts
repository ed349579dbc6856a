import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsOutput,
  GetQueryRuntimeStatisticsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { AthenaAnalyticsEngine, athenaParameter } from '../../../src/adapters/aws/athena-analytics-engine.js';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { QUERY_NAMES } from '../../../src/ports/analytics-engine.port.js';
import { InvalidQueryError, QueryError } from '../../../src/ports/errors.js';

const REGION = { region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };
const OUTPUT = 's3://my-lake/results/daily-ohlc/q-1.csv';

/** An engine on mocked clients; waiting moves a manual clock instead of sleeping. */
function setup(options: { timeoutMs?: number; now?: number } = {}) {
  const athena = new AthenaClient(REGION);
  const s3 = new S3Client(REGION);
  const clock = new ManualClock(options.now ?? 0);
  const waits: number[] = [];
  const engine = new AthenaAnalyticsEngine({
    athena,
    s3,
    workgroup: 'analytics',
    outputLocation: 's3://my-lake/results',
    database: 'tickflow',
    table: 'ticks',
    bucket: 'my-lake',
    clock,
    timeoutMs: options.timeoutMs,
    sleep: async (ms) => {
      waits.push(ms);
      clock.advance(ms);
    },
  });
  return { engine, athena: mockClient(athena), s3: mockClient(s3), waits };
}

const column = (Name: string, Type: string, extra: object = {}) => ({ Name, Type, ...extra });
const row = (...values: (string | undefined)[]) => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });
const METADATA = {
  ColumnInfo: [
    column('symbol', 'varchar'),
    column('day', 'date'),
    column('open', 'decimal', { Precision: 18, Scale: 6 }),
    column('volume', 'bigint'),
    column('sma', 'double'),
  ],
};

function succeeded(mock: ReturnType<typeof setup>['athena'], location = OUTPUT) {
  mock.on(GetQueryExecutionCommand).resolves({
    QueryExecution: { QueryExecutionId: 'q-1', Status: { State: 'SUCCEEDED' }, ResultConfiguration: { OutputLocation: location } },
  });
}

describe('AthenaAnalyticsEngine', () => {
  it('starts the query in the workgroup with the symbols as ExecutionParameters, never in the SQL text, and every ? in a WHERE', async () => {
    const { engine, athena } = setup();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    succeeded(athena);
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: METADATA, Rows: [] } });

    await engine.run('crossovers', { symbols: ['EURUSD=X', 'brk-b'], from: '2024-01-02', to: '2024-01-31', short: 3, long: 9 });

    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(input?.WorkGroup).toBe('analytics');
    expect(input?.QueryExecutionContext).toEqual({ Catalog: 'AwsDataCatalog', Database: 'tickflow' });
    expect(input?.ResultConfiguration).toEqual({ OutputLocation: 's3://my-lake/results/crossovers/' });
    expect(input?.QueryString).toContain('FROM "tickflow"."ticks"');
    expect(input?.QueryString).toContain('"symbol" IN (?, ?)');
    expect(input?.QueryString).not.toMatch(/EURUSD|BRK-B|2024-01/);
    // Athena takes ? only in WHERE: the numbers are checked whole numbers, written into the text.
    expect(input?.ExecutionParameters).toEqual(["'EURUSD=X'", "'BRK-B'"]);
    expect((input?.QueryString?.match(/\?/g) ?? []).length).toBe(2);
    for (const n of [2024, 20240102, 20240131, 3, 9, 1000000]) expect(input?.QueryString).toContain(`CAST(${n} AS BIGINT)`);
  });

  it('reads no partition after the year of now + 1 day, which no tick can be in: projection lists no empty century', async () => {
    for (const [now, year] of [
      [Date.UTC(2024, 5, 1), 2024],
      [Date.UTC(2024, 11, 31, 12), 2025],
    ] as const) {
      const { engine, athena } = setup({ now });
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
      succeeded(athena);
      athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: METADATA, Rows: [] } });
      await engine.run('volatility', { symbols: ['AAPL'], from: '2023-03-01' });
      const sql = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.QueryString ?? '';
      expect(sql).toContain(`"year" BETWEEN CAST(2023 AS BIGINT) AND CAST(${year} AS BIGINT)`);
    }
  });

  it('puts a ? nowhere but in a WHERE clause, in any query', async () => {
    for (const name of QUERY_NAMES) {
      const { engine, athena } = setup();
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
      succeeded(athena);
      athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: METADATA, Rows: [] } });
      await engine.run(name, { symbols: ['AAPL', 'MSFT'], maxPoints: 100 });
      const sql = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.QueryString ?? '';
      // Each ? sits in `"symbol" IN (?, ?)` right after a WHERE.
      expect(sql.match(/\?/g)).toHaveLength(2);
      expect(sql).toMatch(/WHERE\s+"symbol" IN \(\?, \?\)/);
    }
  });

  it('pages through GetQueryResults, skips the header row once, and types each value from the column metadata', async () => {
    const { engine, athena } = setup();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    succeeded(athena);
    const pages: GetQueryResultsOutput[] = [
      {
        ResultSet: {
          ResultSetMetadata: METADATA,
          Rows: [row('symbol', 'day', 'open', 'volume', 'sma'), row('AAPL', '2024-01-02', '187.430000', '100', '187.1')],
        },
        NextToken: 'page-2',
      },
      {
        ResultSet: { ResultSetMetadata: METADATA, Rows: [row('symbol', '2024-01-03', '9007199254.740991', '5', undefined)] },
        NextToken: 'page-3',
      },
      { ResultSet: { ResultSetMetadata: METADATA, Rows: [row('^GSPC', '2024-01-04', '0.000001', '0', '1e-7')] } },
    ];
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves(pages[0] as GetQueryResultsOutput)
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' })
      .resolves(pages[1] as GetQueryResultsOutput)
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-3' })
      .resolves(pages[2] as GetQueryResultsOutput);

    const result = await engine.run('daily-ohlc', { symbols: ['AAPL'] });

    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(3);
    expect(result.rowCount).toBe(3);
    expect(result.queryId).toBe('q-1');
    expect(result.location).toBe(OUTPUT);
    expect(result.columns.map((c) => c.type)).toEqual(['varchar', 'date', 'decimal(18,6)', 'bigint', 'double']);
    expect(result.rows).toEqual([
      { symbol: 'AAPL', day: '2024-01-02', open: 187.43, volume: 100, sma: 187.1 },
      // A data row that happens to hold a column's name on a later page is kept; a decimal
      // becomes its nearest double.
      { symbol: 'symbol', day: '2024-01-03', open: Number('9007199254.740991'), volume: 5, sma: null },
      { symbol: '^GSPC', day: '2024-01-04', open: 0.000001, volume: 0, sma: 1e-7 },
    ]);
  });

  it('stops paging once maxRows rows are read, takes the count from the runtime statistics, and pages on to count without them', async () => {
    // 3 pages of 2 rows (the first also has the header): 6 rows in all.
    const page = (n: number): GetQueryResultsOutput => ({
      ResultSet: {
        ResultSetMetadata: METADATA,
        Rows: [
          ...(n === 1 ? [row('symbol', 'day', 'open', 'volume', 'sma')] : []),
          row(`S${n}A`, '2024-01-02', '1.000000', '1', '1'),
          row(`S${n}B`, '2024-01-02', '2.000000', '2', '2'),
        ],
      },
      ...(n < 3 ? { NextToken: `page-${n + 1}` } : {}),
    });
    const paged = (mock: ReturnType<typeof setup>['athena']) => {
      mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
      succeeded(mock);
      mock
        .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
        .resolves(page(1))
        .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' })
        .resolves(page(2))
        .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-3' })
        .resolves(page(3));
    };

    const withStatistics = setup();
    paged(withStatistics.athena);
    withStatistics.athena.on(GetQueryRuntimeStatisticsCommand).resolves({ QueryRuntimeStatistics: { Rows: { OutputRows: 6 } } });
    const head = await withStatistics.engine.run('daily-ohlc', { symbols: ['AAPL'] }, { maxRows: 2 });
    expect(head.rows.map((r) => r.symbol)).toEqual(['S1A', 'S1B']);
    expect(head.rowCount).toBe(6);
    expect(withStatistics.athena.commandCalls(GetQueryResultsCommand)).toHaveLength(1);

    const without = setup();
    paged(without.athena);
    without.athena
      .on(GetQueryRuntimeStatisticsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const counted = await without.engine.run('daily-ohlc', { symbols: ['AAPL'] }, { maxRows: 3 });
    expect(counted.rows.map((r) => r.symbol)).toEqual(['S1A', 'S1B', 'S2A']);
    expect(counted.rowCount).toBe(6);
    expect(without.athena.commandCalls(GetQueryResultsCommand)).toHaveLength(3);

    const streamed = setup();
    paged(streamed.athena);
    const batches: string[][] = [];
    const all = await streamed.engine.run(
      'daily-ohlc',
      { symbols: ['AAPL'] },
      { maxRows: 1, onRows: (rows) => void batches.push(rows.map((r) => String(r.symbol))) },
    );
    expect(batches).toEqual([
      ['S1A', 'S1B'],
      ['S2A', 'S2B'],
      ['S3A', 'S3B'],
    ]);
    expect(all.rows.map((r) => r.symbol)).toEqual(['S1A']);
    expect(all.rowCount).toBe(6);
    expect(streamed.athena.commandCalls(GetQueryRuntimeStatisticsCommand)).toHaveLength(0);
  });

  it("polls with exponential backoff until the query ends, and turns FAILED into a QueryError carrying Athena's reason", async () => {
    const { engine, athena, waits } = setup();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-9' });
    const state = (State: 'QUEUED' | 'RUNNING' | 'FAILED', extra: object = {}) => ({
      QueryExecution: { QueryExecutionId: 'q-9', Status: { State, ...extra } },
    });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(state('QUEUED'))
      .resolvesOnce(state('RUNNING'))
      .resolvesOnce(state('RUNNING'))
      .resolves(state('FAILED', { StateChangeReason: "SYNTAX_ERROR: line 3:8: Column 'x' cannot be resolved" }));

    const error = await engine.run('volatility', { symbols: ['AAPL'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toBe("Athena query q-9 failed: SYNTAX_ERROR: line 3:8: Column 'x' cannot be resolved");
    expect(waits).toEqual([200, 400, 800, 1600]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('polls on through a throttled status check, and when it gives up, stops the query and names it', async () => {
    // Athena's GetQueryExecution quota is low and shared by the account: throttling is no news of the query.
    const throttled = () =>
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const once = setup();
    once.athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    once.athena
      .on(GetQueryExecutionCommand)
      .rejectsOnce(throttled())
      .resolves({
        QueryExecution: { QueryExecutionId: 'q-1', Status: { State: 'SUCCEEDED' }, ResultConfiguration: { OutputLocation: OUTPUT } },
      });
    once.athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: METADATA, Rows: [] } });
    expect((await once.engine.run('daily-ohlc', { symbols: ['AAPL'] })).queryId).toBe('q-1');
    expect(once.athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(0);

    const always = setup({ timeoutMs: 60_000 });
    always.athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    always.athena.on(GetQueryExecutionCommand).rejects(throttled());
    always.athena.on(StopQueryExecutionCommand).resolves({});
    const error = await always.engine.run('daily-ohlc', { symbols: ['AAPL'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toBe(
      'the status of Athena query q-2 could not be read (ThrottlingException: Rate exceeded); it was stopped',
    );
    expect(always.athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'q-2' }]);
    // Polled until the deadline, not given up at the first throttle.
    expect(always.athena.commandCalls(GetQueryExecutionCommand).length).toBeGreaterThan(5);

    // An error no retry can fix (access denied) stops it at once.
    const denied = setup();
    denied.athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    denied.athena.on(GetQueryExecutionCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    denied.athena.on(StopQueryExecutionCommand).resolves({});
    await expect(denied.engine.run('daily-ohlc', { symbols: ['AAPL'] })).rejects.toThrow(
      /q-3 could not be read \(AccessDeniedException: no\)/,
    );
    expect(denied.athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(1);
    expect(denied.athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('reports a cancelled query with the reason from AthenaError when there is no state change reason', async () => {
    const { engine, athena } = setup();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'CANCELLED', AthenaError: { ErrorCategory: 2, ErrorMessage: 'Query cancelled by user' } } },
    });
    await expect(engine.run('volatility', { symbols: ['AAPL'] })).rejects.toThrow(
      'Athena query q-3 was cancelled: Query cancelled by user',
    );
  });

  describe('stopped by its signal', () => {
    it("while the query runs: stops the query and rejects with the signal's reason, reading no result", async () => {
      const { engine, athena } = setup();
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-7' });
      const stop = new AbortController();
      let polls = 0;
      athena.on(GetQueryExecutionCommand).callsFake(async () => {
        if (++polls === 3) stop.abort(new Error('out of time'));
        return { QueryExecution: { Status: { State: 'RUNNING' } } };
      });
      athena.on(StopQueryExecutionCommand).resolves({});
      await expect(engine.run('daily-ohlc', { symbols: ['AAPL'] }, { signal: stop.signal })).rejects.toThrow('out of time');
      expect(polls).toBe(3);
      expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'q-7' }]);
      expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
    });

    it('in the wait between polls: at once, without sleeping it out', async () => {
      const athena = new AthenaClient(REGION);
      const mock = mockClient(athena);
      const engine = new AthenaAnalyticsEngine({
        athena,
        workgroup: 'analytics',
        outputLocation: 's3://my-lake/results',
        database: 'tickflow',
        table: 'ticks',
        bucket: 'my-lake',
        pollMs: 60_000, // real time: only the abort can end this test in time
      });
      mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-8' });
      mock.on(StopQueryExecutionCommand).resolves({});
      const stop = new AbortController();
      setTimeout(() => stop.abort(new Error('Ctrl-C')), 20);
      const started = Date.now();
      await expect(engine.run('daily-ohlc', { symbols: ['AAPL'] }, { signal: stop.signal })).rejects.toThrow('Ctrl-C');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(mock.commandCalls(GetQueryExecutionCommand)).toHaveLength(0);
      expect(mock.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
    });

    it('before it starts: sends nothing', async () => {
      const { engine, athena, s3 } = setup();
      const stop = new AbortController();
      stop.abort(new Error('never mind'));
      await expect(engine.run('daily-ohlc', {}, { signal: stop.signal })).rejects.toThrow('never mind');
      expect(athena.calls()).toHaveLength(0);
      expect(s3.calls()).toHaveLength(0);
    });

    it('while the rows are read: rejects, and reads no further page', async () => {
      const { engine, athena } = setup();
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
      succeeded(athena);
      const stop = new AbortController();
      const page = { ResultSet: { ResultSetMetadata: METADATA, Rows: [row('AAPL', '2024-01-02', '187.430000', '100', '1.5')] } };
      athena
        .on(GetQueryResultsCommand)
        .resolvesOnce({ ...page, NextToken: 'p2' })
        .resolvesOnce({ ...page, NextToken: 'p3' })
        .resolvesOnce({ ...page, NextToken: 'p4' })
        .resolves(page);
      const seen: number[] = [];
      const run = engine.run(
        'daily-ohlc',
        { symbols: ['AAPL'] },
        {
          signal: stop.signal,
          onRows: (rows) => {
            seen.push(rows.length);
            if (seen.length === 2) stop.abort(new Error('reader gone'));
          },
        },
      );
      await expect(run).rejects.toThrow('reader gone');
      expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
      expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(0); // it had finished
    });
  });

  it('gives up after the timeout, stops the query, and says so', async () => {
    const { engine, athena, waits } = setup({ timeoutMs: 10_000 });
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-5' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});

    await expect(engine.run('daily-ohlc', { symbols: ['AAPL'] })).rejects.toThrow(
      'Athena query q-5 did not finish within 10 s; it was stopped',
    );
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]?.args[0].input).toEqual({ QueryExecutionId: 'q-5' });
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(5000);
  });

  it("lists the lake's symbols from S3 when a query names none (the symbol projection is injected)", async () => {
    const { engine, athena, s3 } = setup();
    s3.on(ListObjectsV2Command, { Bucket: 'my-lake', Prefix: 'raw/', Delimiter: '/', ContinuationToken: undefined })
      .resolves({
        CommonPrefixes: [{ Prefix: 'raw/symbol=AAPL/' }, { Prefix: 'raw/symbol=EURUSD=X/' }],
        IsTruncated: true,
        NextContinuationToken: 't2',
      })
      .on(ListObjectsV2Command, { ContinuationToken: 't2' })
      .resolves({ CommonPrefixes: [{ Prefix: 'raw/symbol=^GSPC/' }, { Prefix: "raw/symbol=x'; DROP/" }], IsTruncated: false });
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    succeeded(athena);
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: METADATA, Rows: [] } });

    await engine.run('volatility', {});
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(input?.ExecutionParameters?.slice(0, 3)).toEqual(["'AAPL'", "'EURUSD=X'", "'^GSPC'"]);
    expect(input?.QueryString).toContain('"symbol" IN (?, ?, ?)');
  });

  it('refuses a symbol or date with SQL metacharacters before any request is sent', async () => {
    const { engine, athena, s3 } = setup();
    const attempts = [
      engine.run('daily-ohlc', { symbols: ["AAPL'); DROP TABLE ticks; --"] }),
      engine.run('daily-ohlc', { symbols: ['AAPL', "' OR '1'='1"] }),
      engine.run('daily-ohlc', { symbols: ['AAPL'], from: "2024-01-01' OR 1=1 --" }),
      engine.run('daily-ohlc', { symbols: ['AAPL'], to: '2024-01-01; DROP' }),
      engine.run('nope' as (typeof QUERY_NAMES)[number], { symbols: ['AAPL'] }),
    ];
    for (const attempt of attempts) await expect(attempt).rejects.toBeInstanceOf(InvalidQueryError);
    expect(athena.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it('writes parameters as Athena literals', () => {
    expect(athenaParameter({ type: 'varchar', value: 'BRK-B' })).toBe("'BRK-B'");
    expect(athenaParameter({ type: 'varchar', value: "O'Hare" })).toBe("'O''Hare'");
    expect(athenaParameter({ type: 'bigint', value: 20240102 })).toBe('20240102');
    expect(() => athenaParameter({ type: 'bigint', value: 1.5 })).toThrow(RangeError);
  });
});

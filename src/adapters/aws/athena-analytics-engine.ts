import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  GetQueryRuntimeStatisticsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { checkQuery } from '../../domain/query-params.js';
import { normaliseSymbol } from '../../domain/symbol.js';
import { ONE_DAY_MS } from '../../domain/timestamp.js';
import { messageOf } from '../../domain/usecases/ingest-batch.js';
import type { AnalyticsEngine, QueryName, QueryParams, QueryResult, ResultRow, RunOptions } from '../../ports/analytics-engine.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { InvalidQueryError, QueryError } from '../../ports/errors.js';
import { bindQuery, querySql, queryValues, rowsToKeep, rowTyper, type SqlValue, takeRows } from '../shared/analytics-sql.js';
import { checkBucketName, checkGlueName } from './glue-catalog.js';
import { RetryPolicy } from './retry-policy.js';

/** How the Athena engine reaches Athena and the lake. */
export interface AthenaEngineOptions {
  readonly athena: AthenaClient;
  /** Lists the lake's symbols when a query names none (the `symbol` projection needs them). */
  readonly s3?: S3Client;
  readonly workgroup: string;
  /** Where results go: `s3://…/results/`; each query writes `<query>/<query-id>.csv` under it. */
  readonly outputLocation: string;
  readonly database: string;
  readonly table: string;
  /** The lake bucket (for listing symbols). */
  readonly bucket: string;
  /** Price decimals of the lake (default 6). */
  readonly priceDecimals?: number;
  /** Give up (and stop the query) after this long (default 5 minutes). */
  readonly timeoutMs?: number;
  /** First wait between status checks, doubled up to `maxPollMs` (defaults 200 ms and 5 s). */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  readonly clock?: Clock;
  /** How to wait, ending early when the signal aborts (tests pass one that moves a manual clock instead). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Renders a bound value as an Athena execution parameter: Athena substitutes each one as a
 * literal, so text is quoted (and any quote doubled, though checked symbols never hold one).
 *
 * @example
 * athenaParameter({ type: 'varchar', value: 'BRK-B' }); // "'BRK-B'"
 * athenaParameter({ type: 'bigint', value: 20 });        // '20'
 */
export function athenaParameter(value: SqlValue): string {
  if (value.type === 'bigint') {
    if (!Number.isSafeInteger(value.value)) throw new RangeError(`not a whole number: ${value.value}`);
    return String(value.value);
  }
  return `'${value.value.replace(/'/g, "''")}'`;
}

/**
 * The named queries on Amazon Athena over the Glue table: StartQueryExecution in the
 * workgroup with the symbols as `ExecutionParameters` (never in the SQL text; the checked
 * whole-number parameters are written into it, see `bindQuery`), status
 * polled with exponential backoff up to a timeout, a FAILED or CANCELLED query raised as a
 * `QueryError` carrying Athena's reason, results paged through GetQueryResults and typed
 * from the column metadata, and the S3 location of the result CSV returned. An abort of
 * `options.signal` stops the query (if it is still running) and rejects with the signal's reason.
 *
 * @example
 * const engine = new AthenaAnalyticsEngine({ athena: new AthenaClient({}), workgroup: 'primary', outputLocation: 's3://my-lake/results/', database: 'tickflow', table: 'ticks', bucket: 'my-lake' });
 * const { rows, location } = await engine.run('daily-ohlc', { symbols: ['AAPL'], from: '2024-01-01', to: '2024-01-31' });
 */
export class AthenaAnalyticsEngine implements AnalyticsEngine {
  private readonly table: string;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: AthenaEngineOptions) {
    this.table = `"${checkGlueName(options.database)}"."${checkGlueName(options.table)}"`;
    checkBucketName(options.bucket);
    if (!/^s3:\/\/[^/]+/.test(options.outputLocation))
      throw new RangeError(`outputLocation must be an s3:// URL, got ${JSON.stringify(options.outputLocation)}`);
    // Its timer is cleared on an abort: a stopped query must not keep the process alive.
    this.sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }));
    this.now = options.clock ? () => (options.clock as Clock).now() : Date.now;
  }

  async run(name: QueryName, params: QueryParams = {}, options: RunOptions = {}): Promise<QueryResult> {
    try {
      return await this.runQuery(name, params, options);
    } catch (error) {
      // An aborted SDK request rejects with an AbortError of its own: the caller's reason is the error.
      if (options.signal?.aborted) throw options.signal.reason;
      throw error;
    }
  }

  private async runQuery(name: QueryName, params: QueryParams, options: RunOptions): Promise<QueryResult> {
    const checked = checkQuery(name, params);
    const keep = rowsToKeep(options);
    const { signal } = options;
    signal?.throwIfAborted();
    const symbols = checked.symbols ?? (await this.listSymbols(signal));
    if (symbols.length === 0) throw new QueryError(`the data lake s3://${this.options.bucket}/raw/ holds no symbols yet`);
    const bound = bindQuery(
      querySql(name, { kind: 'lake', table: this.table }),
      // No partition after the year of now + 1 day can hold a tick (ingest refuses later ones).
      queryValues(checked, symbols, this.options.priceDecimals ?? 6, { maxYear: new Date(this.now() + ONE_DAY_MS).getUTCFullYear() }),
    );

    const { athena } = this.options;
    const started = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: bound.sql,
        // The symbols (at least one); Athena refuses an empty list.
        ...(bound.values.length > 0 ? { ExecutionParameters: bound.values.map(athenaParameter) } : {}),
        WorkGroup: this.options.workgroup,
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: this.options.database },
        ResultConfiguration: { OutputLocation: `${this.options.outputLocation.replace(/\/?$/, '/')}${name}/` },
      }),
      // Not abortable: a query started with its answer lost would run unseen. An abort
      // meanwhile is seen by the wait, which stops it.
    );
    const queryId = started.QueryExecutionId;
    if (queryId === undefined) throw new QueryError('Athena started no query (no QueryExecutionId)');
    const execution = await this.waitFor(queryId, signal);
    const read = await this.results(queryId, keep, options.onRows, signal);
    return { name, queryId, ...read, location: execution.ResultConfiguration?.OutputLocation ?? '' };
  }

  /** Stops a query that is still running, as far as Athena lets it (any failure ignored, within 10 s). */
  private async stop(queryId: string): Promise<void> {
    await this.options.athena
      .send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }), { abortSignal: AbortSignal.timeout(10_000) })
      .catch(() => undefined);
  }

  private async waitFor(queryId: string, signal: AbortSignal | undefined): Promise<QueryExecution> {
    const { athena } = this.options;
    const deadline = this.now() + (this.options.timeoutMs ?? 300_000);
    let wait = this.options.pollMs ?? 200;
    for (;;) {
      let execution: QueryExecution | undefined;
      try {
        await abortable(this.sleep(wait, signal), signal);
        ({ QueryExecution: execution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }), {
          abortSignal: signal,
        }));
      } catch (error) {
        // Stopped by the caller: the query too, and the caller's reason is the error.
        if (signal?.aborted) {
          await this.stop(queryId);
          throw signal.reason;
        }
        // A throttled or failed poll says nothing about the query: poll on until the deadline.
        // Giving up leaves no query running unseen (and billed): it is stopped, and named.
        if (!RetryPolicy.isTransient(error) || this.now() >= deadline) {
          await this.stop(queryId);
          throw new QueryError(`the status of Athena query ${queryId} could not be read (${messageOf(error)}); it was stopped`);
        }
        wait = Math.min(wait * 2, this.options.maxPollMs ?? 5000);
        continue;
      }
      const status = execution?.Status;
      switch (status?.State) {
        case 'SUCCEEDED':
          return execution as QueryExecution;
        case 'FAILED':
        case 'CANCELLED': {
          const reason = status.StateChangeReason ?? status.AthenaError?.ErrorMessage ?? 'no reason given';
          throw new QueryError(`Athena query ${queryId} ${status.State === 'FAILED' ? 'failed' : 'was cancelled'}: ${reason}`);
        }
      }
      if (this.now() >= deadline) {
        await this.stop(queryId);
        throw new QueryError(
          `Athena query ${queryId} did not finish within ${Math.round((this.options.timeoutMs ?? 300_000) / 1000)} s; it was stopped`,
        );
      }
      wait = Math.min(wait * 2, this.options.maxPollMs ?? 5000);
    }
  }

  /**
   * Pages through the result (1000 rows a call) while rows are wanted: all of them for
   * `onRows`, else the first `keep`. When it stops early, the count comes from the query's
   * runtime statistics, so a result of millions of rows costs one call, not thousands.
   */
  private async results(
    queryId: string,
    keep: number,
    onRows: RunOptions['onRows'],
    signal: AbortSignal | undefined,
  ): Promise<Pick<QueryResult, 'columns' | 'rows' | 'rowCount'>> {
    let columns: { name: string; type: string }[] | undefined;
    let typed: ReturnType<typeof rowTyper> | undefined;
    const rows: ResultRow[] = [];
    let rowCount = 0;
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.options.athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: token, MaxResults: 1000 }),
        { abortSignal: signal },
      );
      signal?.throwIfAborted();
      columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({ name: c.Name ?? '', type: athenaType(c) }));
      const cols = columns;
      typed ??= rowTyper(cols);
      const cells = (page.ResultSet?.Rows ?? []).map((row) => (row.Data ?? []).map((d) => d.VarCharValue ?? null));
      // The first row of a SELECT's first page repeats the column names.
      if (first && cells[0]?.every((v, j) => v === cols[j]?.name)) cells.shift();
      rowCount += cells.length;
      await takeRows(cells, typed, rows, keep, onRows);
      signal?.throwIfAborted();
      first = false;
      token = page.NextToken;
      if (token !== undefined && onRows === undefined && rows.length >= keep) {
        return { columns: cols, rows, rowCount: await this.countRows(queryId, token, rowCount, signal) };
      }
    } while (token !== undefined);
    return { columns: columns ?? [], rows, rowCount };
  }

  /**
   * The rows of a finished query, from its runtime statistics; without them (a role not
   * allowed `athena:GetQueryRuntimeStatistics`, say), by paging through the rest from `token`
   * (`counted` so far) without keeping any.
   */
  private async countRows(queryId: string, token: string, counted: number, signal: AbortSignal | undefined): Promise<number> {
    const { athena } = this.options;
    try {
      const statistics = await athena.send(new GetQueryRuntimeStatisticsCommand({ QueryExecutionId: queryId }), { abortSignal: signal });
      const output = statistics.QueryRuntimeStatistics?.Rows?.OutputRows;
      if (output !== undefined && Number.isSafeInteger(output) && output >= counted) return output;
    } catch {
      // Counted below instead (unless stopped).
      signal?.throwIfAborted();
    }
    let rowCount = counted;
    let next: string | undefined = token;
    while (next !== undefined) {
      const page: GetQueryResultsCommandOutput = await athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: next, MaxResults: 1000 }),
        { abortSignal: signal },
      );
      signal?.throwIfAborted();
      rowCount += page.ResultSet?.Rows?.length ?? 0;
      next = page.NextToken;
    }
    return rowCount;
  }

  private async listSymbols(signal: AbortSignal | undefined): Promise<string[]> {
    const { s3, bucket } = this.options;
    if (s3 === undefined) {
      throw new InvalidQueryError(
        'name the symbols: on Athena the symbol partition is injected from the query (or give the engine an S3 client to list them)',
      );
    }
    const symbols: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'raw/', Delimiter: '/', ContinuationToken: token }), {
        abortSignal: signal,
      });
      for (const p of page.CommonPrefixes ?? []) {
        const m = /^raw\/symbol=([^/]+)\/$/.exec(p.Prefix ?? '');
        if (m?.[1] !== undefined && normaliseSymbol(m[1]) === m[1]) symbols.push(m[1]);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return symbols.sort();
  }
}

/**
 * `work`, or the signal's reason as soon as it aborts (the work itself is left to settle,
 * its rejection handled: an abortable sleep rejects at once on an aborted signal).
 */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function athenaType(c: ColumnInfo): string {
  const type = (c.Type ?? 'varchar').toLowerCase();
  return type === 'decimal' ? `decimal(${c.Precision ?? 38},${c.Scale ?? 0})` : type;
}

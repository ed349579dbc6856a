/**
 * Errors that cross the ports. Expected failures are values; these are the exceptions an
 * adapter throws and a use case turns into a batch item failure (STYLE.md rule 4).
 */

/**
 * A conditional write lost a race (stale version, alert already recorded). Transient: the
 * work is retried after re-reading.
 *
 * @example
 * throw new ConflictError('TREND of AAPL moved from version 3');
 */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/**
 * Another invocation holds the claim on a symbol's pending alerts. Transient.
 *
 * @example
 * throw new InFlightError('alerts of AAPL are being published until 2024-01-02T14:30:30Z');
 */
export class InFlightError extends Error {
  override readonly name = 'InFlightError';
}

/**
 * Configuration is missing or malformed; names the variable and what was expected.
 *
 * @example
 * throw new ConfigError('TICKFLOW_TABLE is not set: the ingest function needs the DynamoDB table name, e.g. tickflow');
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * A source cannot be read (file missing, Yahoo unreachable). The message is for people.
 *
 * @example
 * throw new SourceError('Yahoo Finance is unreachable (fetch failed): check the network or use --source simulated');
 */
export class SourceError extends Error {
  override readonly name = 'SourceError';
}

/**
 * A query's parameters are not acceptable (unknown query, bad symbol or date, bad period);
 * raised before any SQL runs. The message names the parameter.
 *
 * @example
 * throw new InvalidQueryError('from must be a date YYYY-MM-DD, got "2024-13-01"');
 */
export class InvalidQueryError extends Error {
  override readonly name = 'InvalidQueryError';
}

/**
 * A query could not run or did not finish: no lake to read, or the engine failed, was
 * cancelled or timed out. The message carries the engine's reason.
 *
 * @example
 * throw new QueryError('Athena query 1234 failed: SYNTAX_ERROR: line 1:8: Column "x" cannot be resolved');
 */
export class QueryError extends Error {
  override readonly name: string = 'QueryError';
}

/**
 * A `QueryError` whose cause is that the lake holds nothing yet (no `raw/` folder, or no
 * objects in it), as opposed to an engine failure or a damaged object: a caller can say
 * how to write one.
 *
 * @example
 * throw new EmptyLakeError('no data lake at .tickflow/lake (it has no raw/ folder)');
 */
export class EmptyLakeError extends QueryError {
  override readonly name = 'EmptyLakeError';
}

/**
 * A process that starts an Athena query (mocked client) and aborts it, then has nothing
 * left to do: it must print the rejection and exit at once, with 0. `wait`: the abort comes
 * in the engine's minute-long poll wait, whose timer must not be left behind. `start`: it
 * comes while StartQueryExecution is in flight, so the wait begins on an aborted signal,
 * which must not leave an unhandled rejection. Run by test/unit/adapters/athena-abort.test.ts.
 */
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaAnalyticsEngine } from '../../src/adapters/aws/athena-analytics-engine.js';

const when = process.argv[2];
const athena = new AthenaClient({ region: 'us-east-1' });
const mock = mockClient(athena);
const stop = new AbortController();
const calls: string[] = [];
mock.on(StartQueryExecutionCommand).callsFake(async () => {
  calls.push('start');
  if (when === 'start') stop.abort(new Error('out of time'));
  return { QueryExecutionId: 'q-1' };
});
mock.on(GetQueryExecutionCommand).callsFake(async () => {
  calls.push('get');
  return { QueryExecution: { Status: { State: 'RUNNING' } } };
});
mock.on(StopQueryExecutionCommand).callsFake(async () => {
  calls.push('stop');
  return {};
});
const engine = new AthenaAnalyticsEngine({
  athena,
  workgroup: 'primary',
  outputLocation: 's3://my-lake/results/',
  database: 'tickflow',
  table: 'ticks',
  bucket: 'my-lake',
  pollMs: 60_000,
});
if (when === 'wait') setTimeout(() => stop.abort(new Error('Ctrl-C')), 100);
engine.run('daily-ohlc', { symbols: ['AAPL'] }, { signal: stop.signal }).then(
  () => process.stdout.write('resolved\n'),
  (e: Error) => process.stdout.write(`rejected: ${e.message}; calls ${calls.join(',')}\n`),
);

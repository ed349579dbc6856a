/**
 * A process that starts an Athena query (mocked client), waits in the engine's minute-long
 * poll wait, aborts it, and then has nothing left to do: it must exit at once, which it does
 * only if the aborted wait left no timer behind. Run by test/unit/adapters/athena-abort.test.ts.
 */
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaAnalyticsEngine } from '../../src/adapters/aws/athena-analytics-engine.js';

const athena = new AthenaClient({ region: 'us-east-1' });
const mock = mockClient(athena);
mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
mock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
mock.on(StopQueryExecutionCommand).resolves({});
const engine = new AthenaAnalyticsEngine({
  athena,
  workgroup: 'primary',
  outputLocation: 's3://my-lake/results/',
  database: 'tickflow',
  table: 'ticks',
  bucket: 'my-lake',
  pollMs: 60_000,
});
const stop = new AbortController();
setTimeout(() => stop.abort(new Error('Ctrl-C')), 100);
engine.run('daily-ohlc', { symbols: ['AAPL'] }, { signal: stop.signal }).catch((e: Error) => {
  process.stdout.write(`rejected: ${e.message}\n`);
});

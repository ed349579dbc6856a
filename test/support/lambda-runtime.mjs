/**
 * Plays the Lambda Node.js runtime for one execution environment, in a child process run by
 * Node 22 (`test/support/lambda-process.ts` starts it): imports the bundle once — the cold
 * start, timed here in the child — then calls its `handler(event, context)` for each event
 * the parent sends over IPC, and sends back the result or the error, as Lambda would report
 * them. Usage: node lambda-runtime.mjs <bundle.mjs>
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle] = process.argv.slice(2);
const name = bundle?.replace(/^.*\//, '').replace(/\.mjs$/, '') ?? 'function';
const send = (message) => process.send?.(message);

const beforeImport = performance.now();
try {
  const mod = await import(pathToFileURL(bundle).href);
  if (typeof mod.handler !== 'function') throw new TypeError(`${bundle} exports no handler function`);
  // performance.now() counts from the process's start: spawn to handler exported, measured here.
  send({ type: 'ready', node: process.version, importMs: performance.now() - beforeImport, sinceStartMs: performance.now() });
  let invocation = 0;
  process.on('message', async ({ id, event, remainingMs }) => {
    const started = performance.now();
    // A 60 s function, unless the test says how much of it is left.
    const deadline = Date.now() + (remainingMs ?? 60_000);
    const context = {
      awsRequestId: `${name}-${++invocation}`,
      functionName: `tickflow-${name}`,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:tickflow-${name}`,
      memoryLimitInMB: '512',
      logGroupName: `/aws/lambda/tickflow-${name}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    try {
      const result = await mod.handler(event, context);
      send({ type: 'result', id, ok: true, result: result ?? null, ms: performance.now() - started });
    } catch (error) {
      send({ type: 'result', id, ok: false, error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) } });
    }
  });
} catch (error) {
  send({ type: 'ready', failed: { name: error?.name ?? 'Error', message: error?.message ?? String(error) } });
}
process.on('disconnect', () => process.exit(0));

import { SystemClock } from '../adapters/local/clocks.js';
import { DEFAULT_LAKE_DIR, FolderLake } from '../adapters/local/folder-lake.js';
import { JsonLogger } from '../adapters/local/loggers.js';
import { DEFAULT_SYMBOLS } from '../adapters/sources/simulated-tick-source.js';
import { type ProduceSummary, ProduceTicks } from '../domain/usecases/produce-ticks.js';
import { ConfigError, SourceError } from '../ports/errors.js';
import type { FlowObserver } from '../ports/flow-observer.port.js';
import type { StreamFailure, UndeliveredRecord } from '../ports/tick-publisher.port.js';
import type { TickSource } from '../ports/tick-source.port.js';
import { count, durationFlag, intFlag, lakeFlag, parseFlags, symbolsFlag, UsageError } from './args.js';
import { refuseFlags, SIMULATION_FLAGS, SOURCE_FLAGS, sourceFromFlags } from './sources.js';

/** The text of `tickflow produce --help`. */
export const PRODUCE_HELP = `Usage: tickflow produce --stream NAME [options]

Publishes ticks to an Amazon Kinesis data stream (or an emulator such as kinesalite) for the
ingest Lambda: live Yahoo Finance quotes polled every --interval until stopped, or a
simulation or a file. Records go out in PutRecords batches, partition key = symbol; entries
Kinesis refuses for a while (throttling) are retried with backoff. Ctrl-C stops the source,
sends what is buffered and prints what was sent. Records the stream would not take are
printed, and the exit code is 1. A stream that is missing, or refuses access, stops the run
at its first batch, with one line that says why. A source that fails mid-way has what it
read sent, and its error is printed after the summary. Credentials come from the usual AWS
chain (environment, profile, SSO, instance role); they are never printed.

Stream:
  --stream NAME|ARN      the Kinesis stream (required)
  --region R             AWS region (default: AWS_REGION or the AWS config file)
  --endpoint URL         Kinesis endpoint, e.g. http://127.0.0.1:4567 for kinesalite
                         (default: AWS_ENDPOINT_URL_KINESIS, else AWS itself)

Source:
  --source KIND          yahoo (default: live quotes), simulated, csv or ndjson
  --symbols A,B          symbols to poll or simulate (default ${DEFAULT_SYMBOLS.join(',')})
  --interval D           pause between Yahoo polling rounds: 30s (default), 5m, … 1s to 24 days
  --rounds N             stop after N Yahoo polling rounds (default: until Ctrl-C)
  --file PATH            the CSV (symbol,timestamp,price,volume) or NDJSON file
  --ticks N --seed N     size and seed of the simulation (default 10000 and 42)
  --bad-rate F           fraction of malformed records in the simulation (default 0.01)
  --duplicate-rate F     fraction of simulated ticks sent twice (default 0.01)

Other:
  --lake DIR             where rows a source cannot read are quarantined (default ${DEFAULT_LAKE_DIR})
  --quiet                no line per batch on stderr
  -h, --help             this help

Examples:
  tickflow produce --stream tickflow-ticks --symbols AAPL,MSFT --interval 30s
  tickflow produce --stream ticks --endpoint http://127.0.0.1:4567 --region us-east-1 --source simulated --ticks 5000
`;

const STREAM = /^([a-zA-Z0-9_.-]{1,128}|arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})$/;
const QUIET_OBSERVER: FlowObserver = { ingested: () => {}, alerted: () => {}, sourceRejected: () => {} };

/**
 * `tickflow produce`: returns the exit code.
 *
 * @example
 * process.exitCode = await produceCommand(['--stream', 'ticks', '--source', 'simulated']);
 */
export async function produceCommand(argv: readonly string[]): Promise<number> {
  const { from: _from, to: _to, ...sourceFlags } = SOURCE_FLAGS;
  const { flags } = parseFlags('produce', argv, {
    ...sourceFlags,
    stream: { type: 'string' },
    region: { type: 'string' },
    endpoint: { type: 'string' },
    rounds: { type: 'string' },
    lake: { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    process.stdout.write(PRODUCE_HELP);
    return 0;
  }
  if (flags.stream === undefined) throw new UsageError('tickflow produce: --stream NAME is required (the Kinesis stream to publish to)');
  const stream = String(flags.stream);
  if (!STREAM.test(stream))
    throw new UsageError(`tickflow produce: --stream must be a Kinesis stream name or ARN, got ${JSON.stringify(stream)}`);
  const endpoint = flags.endpoint === undefined ? undefined : endpointFlag(String(flags.endpoint));
  const region = flags.region === undefined ? undefined : String(flags.region);
  if (region !== undefined && !/^[a-z]{2}(-[a-z0-9]+)+$/.test(region)) {
    throw new UsageError(`tickflow produce: --region must be an AWS region such as eu-west-1, got ${JSON.stringify(region)}`);
  }
  const quiet = Boolean(flags.quiet);
  const clock = new SystemClock();
  const logger = new JsonLogger({ level: 'warn' });
  const { source, describe } = await produceSource(flags, clock, logger);

  // The SDK's notice that its releases from 2027 need Node 22 is for whoever upgrades the
  // pinned SDK, not for this command's user: eight lines on every run would bury the output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Loaded here, not at the top: `tickflow replay` must not pay for the AWS SDK.
  const { createKinesisClient, KinesisTickPublisher } = await import('../adapters/aws/kinesis-tick-publisher.js');
  const client = createKinesisClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
  // Without a region or credentials every record would fail on its own; say it once, before reading anything.
  const regionProblem = await client.config.region().then(
    (r) => (r ? undefined : 'none'),
    (error: Error) => (/region is missing/i.test(error.message) ? 'none' : error.message),
  );
  if (regionProblem !== undefined) {
    client.destroy();
    throw new UsageError(
      regionProblem === 'none'
        ? 'tickflow produce: no AWS region: give --region R or set AWS_REGION'
        : `tickflow produce: the AWS region cannot be used: ${regionProblem}`,
    );
  }
  const credentialsProblem = await client.config.credentials().then(
    () => undefined,
    (error: Error) => error.message.split('\n')[0],
  );
  if (credentialsProblem !== undefined) {
    client.destroy();
    throw new ConfigError(
      `no AWS credentials (${credentialsProblem}): set them as the SDK reads them (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, an instance role)`,
    );
  }
  // No logger for the publisher: the undelivered records are printed below, one line each.
  const publisher = new KinesisTickPublisher({ client, stream });
  const lake = lakeFlag('produce', flags.lake, DEFAULT_LAKE_DIR);
  const produce = new ProduceTicks({ publisher, rejects: new FolderLake(lake), clock, observer: QUIET_OBSERVER, logger });

  const controller = new AbortController();
  const stop = () => {
    if (!quiet) process.stderr.write('\nstopping: sending what is buffered…\n');
    controller.abort();
  };
  process.once('SIGINT', stop);
  if (!quiet) process.stderr.write(`tickflow produce — ${describe} → Kinesis stream ${stream}${endpoint ? ` at ${endpoint}` : ''}\n`);
  // The running summary, kept so that a source failing mid-way (a damaged .gz, Yahoo gone)
  // still leaves what was sent before it: run() throws then, after sending what it read.
  let sofar: ProduceSummary | undefined;
  let summary: ProduceSummary;
  try {
    summary = await produce.run(source, {
      signal: controller.signal,
      onBatch: (s) => {
        sofar = s;
        if (!quiet)
          process.stderr.write(
            `  sent ${count(s.published)}${s.undelivered.length > 0 ? `, undelivered ${count(s.undelivered.length)}` : ''}\n`,
          );
      },
    });
  } catch (error) {
    if (!(error instanceof SourceError) || sofar === undefined || sofar.read === 0) throw error;
    // As replay says it: the error, then what was done before it.
    printSummary(sofar, { stream, lake, how: ' (the source failed)' });
    const { read, published, undelivered } = sofar;
    process.stderr.write(
      `tickflow produce: ${error.message}\n  Before it: ${count(read)} item(s) read, ${count(published)} record(s) sent to ${stream}` +
        `${undelivered.length > 0 ? `, ${count(undelivered.length)} undelivered (listed above)` : ''}.\n`,
    );
    // The records read before the error went to a stream that refused them all: say that too.
    if (sofar.streamFailure !== undefined) process.stderr.write(streamFailureLine(stream, sofar.streamFailure));
    return 1;
  } finally {
    process.removeListener('SIGINT', stop);
    client.destroy();
  }

  const failure = summary.streamFailure;
  const how = failure !== undefined ? ' (stopped: the stream refuses records)' : controller.signal.aborted ? ' (stopped)' : '';
  printSummary(summary, { stream, lake, how });
  if (failure !== undefined) {
    process.stderr.write(streamFailureLine(stream, failure));
    return 1;
  }
  return summary.undelivered.length === 0 ? 0 : 1;
}

/** The one line that says why the run stopped at a stream that refuses every record, and what to check. */
function streamFailureLine(stream: string, failure: StreamFailure): string {
  const hint =
    failure.errorCode === 'ResourceNotFoundException'
      ? 'check the stream name, the region and the account, and that the stream is ACTIVE'
      : failure.errorCode.startsWith('KMS')
        ? "check the stream's KMS key: that it is enabled, and that the credentials may kms:GenerateDataKey with it"
        : 'check the credentials, and that they may kinesis:PutRecords on it';
  return (
    `tickflow produce: Kinesis stream ${stream} refuses the records: ${failure.errorCode}: ${failure.message.replace(/\.$/, '')}. ` +
    `No retry can get past that, so the source was read no further: ${hint}.\n`
  );
}

/** The run's line on stdout, then each record the stream did not take on stderr, one per line. */
function printSummary(summary: ProduceSummary, context: { stream: string; lake: string; how: string }): void {
  const rejected = Object.entries(summary.sourceRejected)
    .map(([code, n]) => `${code} ${count(n)}`)
    .join(', ');
  process.stdout.write(
    `sent ${count(summary.published)} record(s) to ${context.stream}${context.how}; read ${count(summary.read)}` +
      `${rejected ? `; unreadable rows quarantined in ${context.lake}: ${rejected}` : ''}` +
      `${summary.undelivered.length > 0 ? `; UNDELIVERED ${count(summary.undelivered.length)}` : ''}\n`,
  );
  if (summary.undelivered.length === 0) return;
  process.stderr.write(`Records the stream did not take (partition key, error, data):\n`);
  for (const u of summary.undelivered) process.stderr.write(`  ${undeliveredLine(u)}\n`);
}

async function produceSource(
  flags: Record<string, string | boolean | undefined>,
  clock: SystemClock,
  logger: JsonLogger,
): Promise<{ source: TickSource; describe: string }> {
  const kind = flags.source === undefined ? (flags.file === undefined ? 'yahoo' : undefined) : String(flags.source);
  if (kind !== 'yahoo') {
    if (flags.interval !== undefined || flags.rounds !== undefined) {
      throw new UsageError('tickflow produce: --interval and --rounds apply to --source yahoo only');
    }
    return sourceFromFlags('produce', flags, clock, 6);
  }
  if (flags.file !== undefined) throw new UsageError('tickflow produce: --file needs --source csv or ndjson');
  refuseFlags('produce', flags, SIMULATION_FLAGS, '--source yahoo (live quotes)');
  const intervalMs = durationFlag('produce', 'interval', flags.interval) ?? 30_000;
  // Node's timers hold at most 2^31 − 1 ms (24.8 days); a longer pause would fire at once.
  if (intervalMs < 1000 || intervalMs > 2 ** 31 - 1) {
    throw new UsageError(`tickflow produce: --interval must be from 1s to 24 days, got ${JSON.stringify(flags.interval)}`);
  }
  const rounds = intFlag('produce', 'rounds', flags.rounds, { min: 1 });
  const symbols = symbolsFlag('produce', flags.symbols) ?? [...DEFAULT_SYMBOLS];
  const { YahooQuoteSource } = await import('../adapters/sources/yahoo-tick-source.js');
  return {
    source: new YahooQuoteSource({ symbols, intervalMs, rounds, logger }),
    describe: `Yahoo Finance quotes of ${symbols.join(', ')} every ${intervalMs / 1000}s${rounds ? `, ${rounds} round(s)` : ''}`,
  };
}

function endpointFlag(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    // Shown without anything before an '@': it may be a user and a password.
    const shown = text.replace(/^([^/@]*\/\/)?[^@]*@/, '$1…@');
    throw new UsageError(`tickflow produce: --endpoint must be an http(s) URL such as http://127.0.0.1:4567, got ${JSON.stringify(shown)}`);
  }
  // The URL is printed as the run starts: a password in it would be too (and not echoed here).
  if (url.username !== '' || url.password !== '')
    throw new UsageError(
      'tickflow produce: --endpoint must not carry a user or password; the AWS credentials are read as the SDK reads them',
    );
  return text;
}

function undeliveredLine(u: UndeliveredRecord): string {
  const data = Buffer.from(u.record.data).toString('utf8');
  return `${u.record.partitionKey}  ${u.errorCode}: ${u.message}  ${data.length > 200 ? `${data.slice(0, 200)}…` : data}`;
}

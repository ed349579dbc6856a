/**
 * The environment of the AWS runtime, parsed once at the edge (STYLE.md rule 7). No SDK here:
 * the library entry and the query handler read `parseAthenaConfig` without loading AWS.
 */
import type { LakeEncryption } from '../adapters/aws/s3-lake.js';
import { parseSymbolList } from '../domain/symbol.js';
import { resolveTrendOptions } from '../domain/trend-tracker.js';
import { ConfigError } from '../ports/errors.js';

/** What a Lambda function does, and so which variables it needs. */
export type AwsRole = 'ingest' | 'trend' | 'produce' | 'query';

/** Log levels of `TICKFLOW_LOG_LEVEL`. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Where the produce function reads ticks (`TICKFLOW_SOURCE`): Yahoo Finance quotes, or the
 * seeded simulation (no network; for trying a deployment, and for the offline smoke test).
 *
 * @example
 * const source: ProduceSource = awsConfigFromEnv(process.env, ['produce']).source; // 'yahoo'
 */
export type ProduceSource = 'yahoo' | 'simulated';

/**
 * The Athena engine's configuration, from the environment (`parseAthenaConfig`).
 *
 * @example
 * const { workgroup, outputLocation }: AthenaConfig = parseAthenaConfig(process.env);
 */
export interface AthenaConfig {
  readonly bucket: string;
  readonly workgroup: string;
  /** `s3://…/` under which each query's CSV is written as `<query>/<id>.csv`. */
  readonly outputLocation: string;
  readonly database: string;
  readonly table: string;
  readonly priceDecimals: number;
}

/**
 * The AWS runtime's configuration, parsed once from the environment (`awsConfigFromEnv`).
 *
 * @example
 * const config = awsConfigFromEnv(process.env, ['ingest']);
 * config.bucket; // 'tickflow-lake'
 */
export interface AwsConfig {
  readonly region: string;
  /** Kinesis stream name or ARN (`TICKFLOW_STREAM`). */
  readonly stream?: string;
  /** S3 bucket of the data lake (`TICKFLOW_BUCKET`). */
  readonly bucket?: string;
  /** DynamoDB table (`TICKFLOW_TABLE`). */
  readonly table?: string;
  /** SNS topic of the alerts (`TICKFLOW_TOPIC_ARN`). */
  readonly topicArn?: string;
  /** Symbols the produce function polls (`TICKFLOW_SYMBOLS`). */
  readonly symbols?: readonly string[];
  /** Where the produce function reads ticks (`TICKFLOW_SOURCE`, default `yahoo`). */
  readonly source: ProduceSource;
  /** Ticks per invocation of the simulated source (`TICKFLOW_SIMULATED_TICKS`, default 100). */
  readonly simulatedTicks: number;
  /** Athena and Glue, for the query function (from `TICKFLOW_BUCKET` and `TICKFLOW_ATHENA_*`, `TICKFLOW_GLUE_*`). */
  readonly athena?: AthenaConfig;
  readonly priceDecimals: number;
  readonly short: number;
  readonly long: number;
  readonly encryption: LakeEncryption;
  readonly tickTtlSeconds: number;
  /** Path-style S3 URLs, for emulators on a host name such as `localhost`. */
  readonly s3ForcePathStyle: boolean;
  readonly logLevel: LogLevel;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The variables each role cannot do without. */
const REQUIRED: Record<AwsRole, readonly string[]> = {
  ingest: ['TICKFLOW_BUCKET', 'TICKFLOW_TABLE'],
  trend: ['TICKFLOW_TABLE', 'TICKFLOW_TOPIC_ARN'],
  produce: ['TICKFLOW_STREAM', 'TICKFLOW_SYMBOLS'],
  query: ['TICKFLOW_BUCKET'],
};

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses and checks the environment of a tickflow Lambda function (or any process running
 * the AWS adapters): every variable that is set must be well-formed, and those the roles
 * need must be set; a `ConfigError` names the first variable that is not and what was
 * expected. Endpoints are not configured here: the SDK reads `AWS_ENDPOINT_URL_KINESIS`,
 * `_S3`, `_DYNAMODB`, `_SNS`, `_ATHENA`, `_GLUE` itself (that is how the same code runs against emulators).
 *
 * @example
 * const config = awsConfigFromEnv({ AWS_REGION: 'eu-west-1', TICKFLOW_TABLE: 'tickflow', TICKFLOW_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts' }, ['trend']);
 */
export function awsConfigFromEnv(env: Env, roles: readonly AwsRole[] = []): AwsConfig {
  for (const role of roles) {
    for (const name of REQUIRED[role]) {
      if (!env[name]) throw new ConfigError(`${name} is not set: the ${role} function needs ${describe(name)}`);
    }
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region)
    throw new ConfigError('AWS_REGION is not set: the AWS region of the stream, bucket, table and topic is expected, e.g. eu-west-1');
  // Named as set: a bad AWS_DEFAULT_REGION must not be reported as AWS_REGION.
  check(env.AWS_REGION ? 'AWS_REGION' : 'AWS_DEFAULT_REGION', region, /^[a-z]{2}(-[a-z0-9]+)+$/, 'an AWS region such as eu-west-1');
  const stream = optional(
    env,
    'TICKFLOW_STREAM',
    /^([a-zA-Z0-9_.-]{1,128}|arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})$/,
  );
  const bucket = optional(env, 'TICKFLOW_BUCKET', BUCKET);
  const table = optional(env, 'TICKFLOW_TABLE', /^[a-zA-Z0-9_.-]{3,255}$/);
  const topicArn = optional(env, 'TICKFLOW_TOPIC_ARN', /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]{1,256}(\.fifo)?$/);
  let symbols: string[] | undefined;
  if (env.TICKFLOW_SYMBOLS) {
    const list = parseSymbolList(env.TICKFLOW_SYMBOLS);
    if (!list.ok) throw new ConfigError(`TICKFLOW_SYMBOLS: ${list.message}; expected a comma-separated list such as AAPL,MSFT,BRK-B`);
    symbols = list.symbols;
  }
  const priceDecimals = wholeNumber(env, 'TICKFLOW_PRICE_DECIMALS', 6, 0, 9);
  // LATEST holds the last `long` prices, and DynamoDB caps an item at 400 KB: 1000 at most, as the CDK app allows.
  const short = wholeNumber(env, 'TICKFLOW_SHORT', 5, 1, MAX_DEPLOYED_PERIOD - 1);
  const long = wholeNumber(env, 'TICKFLOW_LONG', 20, 2, MAX_DEPLOYED_PERIOD);
  try {
    resolveTrendOptions({ short, long, priceDecimals });
  } catch (error) {
    throw new ConfigError(`TICKFLOW_SHORT / TICKFLOW_LONG: ${(error as Error).message}`);
  }
  return {
    region,
    stream,
    bucket,
    table,
    topicArn,
    symbols,
    source: oneOf(env, 'TICKFLOW_SOURCE', ['yahoo', 'simulated'], 'yahoo'),
    simulatedTicks: wholeNumber(env, 'TICKFLOW_SIMULATED_TICKS', 100, 1, 10_000),
    // Without a bucket there is no lake to query, but a malformed Athena or Glue variable is still named.
    athena: bucket === undefined ? void athenaSettings(env) : parseAthenaConfig(env),
    priceDecimals,
    short,
    long,
    encryption: encryptionOf(env),
    tickTtlSeconds: wholeNumber(env, 'TICKFLOW_TICK_TTL_DAYS', 7, 1, 3650) * 86_400,
    s3ForcePathStyle: flag(env, 'TICKFLOW_S3_FORCE_PATH_STYLE'),
    logLevel: oneOf(env, 'TICKFLOW_LOG_LEVEL', LOG_LEVELS, 'info'),
  };
}

/**
 * Reads the query function's configuration once, at cold start, with an error naming the
 * variable that is missing or wrong:
 * `TICKFLOW_BUCKET` (required: the lake bucket), `TICKFLOW_ATHENA_WORKGROUP` (default
 * `primary`), `TICKFLOW_ATHENA_OUTPUT` (default `s3://<bucket>/results/`),
 * `TICKFLOW_GLUE_DATABASE` (default `tickflow`), `TICKFLOW_GLUE_TABLE` (default `ticks`),
 * `TICKFLOW_PRICE_DECIMALS` (default 6).
 *
 * @example
 * const config = parseAthenaConfig(process.env); // { bucket: 'my-lake', workgroup: 'primary', … }
 */
export function parseAthenaConfig(env: Env): AthenaConfig {
  const bucket = env.TICKFLOW_BUCKET;
  if (bucket === undefined || bucket === '')
    throw new ConfigError('TICKFLOW_BUCKET is not set: the S3 bucket of the data lake is required');
  if (!BUCKET.test(bucket)) throw new ConfigError(`TICKFLOW_BUCKET must be an S3 bucket name, got ${JSON.stringify(bucket)}`);
  const { outputLocation = `s3://${bucket}/results/`, ...rest } = athenaSettings(env);
  return { bucket, ...rest, outputLocation: outputLocation.endsWith('/') ? outputLocation : `${outputLocation}/` };
}

/** The Athena and Glue variables checked, with their defaults (the output's depends on the bucket). */
function athenaSettings(env: Env): Omit<AthenaConfig, 'bucket' | 'outputLocation'> & { outputLocation?: string } {
  const name = (variable: string, fallback: string) => {
    const value = env[variable] || fallback;
    if (!/^[a-z0-9_]{1,255}$/.test(value))
      throw new ConfigError(`${variable} must be a Glue name (lower-case letters, digits, _), got ${JSON.stringify(value)}`);
    return value;
  };
  const workgroup = env.TICKFLOW_ATHENA_WORKGROUP || 'primary';
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(workgroup))
    throw new ConfigError(`TICKFLOW_ATHENA_WORKGROUP must be an Athena workgroup name, got ${JSON.stringify(workgroup)}`);
  const outputLocation = env.TICKFLOW_ATHENA_OUTPUT || undefined;
  if (outputLocation !== undefined && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(outputLocation))
    throw new ConfigError(`TICKFLOW_ATHENA_OUTPUT must be an s3:// URL, got ${JSON.stringify(outputLocation)}`);
  return {
    workgroup,
    ...(outputLocation === undefined ? {} : { outputLocation }),
    database: name('TICKFLOW_GLUE_DATABASE', 'tickflow'),
    table: name('TICKFLOW_GLUE_TABLE', 'ticks'),
    // The same rule as every other function's, so one value works for all of them.
    priceDecimals: wholeNumber(env, 'TICKFLOW_PRICE_DECIMALS', 6, 0, 9),
  };
}

/**
 * What a required variable should hold, for the `ConfigError` of a missing one.
 *
 * @example
 * describeVariable('TICKFLOW_TABLE'); // 'the DynamoDB table name, e.g. tickflow'
 */
export function describeVariable(name: string): string {
  return (
    {
      TICKFLOW_BUCKET: 'the S3 bucket of the data lake, e.g. tickflow-lake',
      TICKFLOW_TABLE: 'the DynamoDB table name, e.g. tickflow',
      TICKFLOW_TOPIC_ARN: 'the ARN of the SNS topic for alerts, e.g. arn:aws:sns:eu-west-1:123456789012:tickflow-alerts',
      TICKFLOW_STREAM: 'the Kinesis stream name or ARN, e.g. tickflow-ticks',
      TICKFLOW_SYMBOLS: 'the symbols to poll, e.g. AAPL,MSFT,BRK-B',
    }[name] ?? name
  );
}

const describe = describeVariable;

function check(name: string, value: string, pattern: RegExp, expected: string): void {
  if (!pattern.test(value)) throw new ConfigError(`${name} is ${JSON.stringify(value)}: expected ${expected}`);
}

function optional(env: Env, name: string, pattern: RegExp): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  check(name, value, pattern, describe(name));
  return value;
}

/** The longest SMA period a deployment takes (the local flow takes up to `MAX_PERIOD`). */
const MAX_DEPLOYED_PERIOD = 1000;

function wholeNumber(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = env[name];
  if (!value) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw new ConfigError(
      `${name} is ${JSON.stringify(value)}: expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}`,
    );
  }
  return n;
}

function flag(env: Env, name: string): boolean {
  return oneOf(env, name, ['true', 'false'], 'false') === 'true';
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const value = env[name];
  if (!value) return fallback;
  if (!(values as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} is ${JSON.stringify(value)}: expected one of ${values.join(', ')}`);
  }
  return value as T;
}

function encryptionOf(env: Env): LakeEncryption {
  const mode = oneOf(env, 'TICKFLOW_SSE', ['AES256', 'aws:kms', 'bucket-default'], 'bucket-default');
  const kmsKeyId = env.TICKFLOW_SSE_KMS_KEY_ID || undefined;
  if (kmsKeyId !== undefined && mode !== 'aws:kms')
    throw new ConfigError('TICKFLOW_SSE_KMS_KEY_ID is set: expected TICKFLOW_SSE=aws:kms with it');
  if (mode === 'aws:kms') return kmsKeyId === undefined ? { mode } : { mode, kmsKeyId };
  return { mode };
}

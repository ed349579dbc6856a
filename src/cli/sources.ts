import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { CsvTickSource, checkFileToRead, isGzip, NdjsonTickSource } from '../adapters/sources/file-tick-source.js';
import { SimulatedTickSource } from '../adapters/sources/simulated-tick-source.js';
import type { Clock } from '../ports/clock.port.js';
import type { TickSource } from '../ports/tick-source.port.js';
import { dateFlag, type Flags, intFlag, rateFlag, symbolsFlag, UsageError } from './args.js';

/** Source kinds the commands accept. */
export const SOURCE_KINDS = ['simulated', 'csv', 'ndjson', 'yahoo'] as const;

type SourceKind = (typeof SOURCE_KINDS)[number];

/** The flags only a simulation uses. */
export const SIMULATION_FLAGS = ['ticks', 'seed', 'bad-rate', 'duplicate-rate'] as const;
const YAHOO_FLAGS = ['from', 'to', 'interval'] as const;
/** The source flags each kind has no use for: given with it, they are refused rather than ignored. */
const FLAGS_NOT_FOR: Record<SourceKind, readonly string[]> = {
  simulated: ['file', ...YAHOO_FLAGS],
  csv: ['symbols', ...SIMULATION_FLAGS, ...YAHOO_FLAGS],
  ndjson: ['symbols', ...SIMULATION_FLAGS, ...YAHOO_FLAGS],
  yahoo: ['file', ...SIMULATION_FLAGS],
};

/**
 * Refuses the first of `names` that was given: a flag the chosen mode has no use for is a
 * mistake to point out, not a setting to drop without a word.
 *
 * @example
 * refuseFlags('replay', flags, ['ticks'], '--source csv'); // UsageError when --ticks was given
 */
export function refuseFlags(command: string, flags: Flags, names: readonly string[], mode: string): void {
  const given = names.find((name) => flags[name] !== undefined);
  if (given !== undefined)
    throw new UsageError(`tickflow ${command}: --${given} does not apply to ${mode} (see tickflow ${command} --help)`);
}

/** The `--source` flags every command that reads ticks shares, for parseArgs. */
export const SOURCE_FLAGS = {
  source: { type: 'string' },
  file: { type: 'string' },
  symbols: { type: 'string' },
  ticks: { type: 'string' },
  seed: { type: 'string' },
  'bad-rate': { type: 'string' },
  'duplicate-rate': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  interval: { type: 'string' },
} as const;

/** Help text for the source flags. */
export const SOURCE_HELP = `Sources:
  --source KIND          simulated (default), csv, ndjson or yahoo
  --file PATH            the CSV (header symbol,timestamp,price,volume) or NDJSON file,
                         plain or gzip'd (a lake object replays too); --source is taken
                         from the extension when omitted (.csv; .ndjson, .jsonl, .json;
                         each may end in .gz), else from the first line ({ is NDJSON);
                         timestamps ISO 8601 (UTC unless it names a zone) or epoch
                         milliseconds (not seconds)
  --symbols A,B          symbols to simulate or fetch (default AAPL,MSFT,GOOG,AMZN,TSLA)
  --ticks N              simulated ticks (default 10000; 1k, 2.5M also work); the
                         --duplicate-rate copies come on top
  --seed N               simulation seed: the same seed replays the same market (default 42)
  --bad-rate F           fraction of malformed records mixed into the simulation (default 0.01)
  --duplicate-rate F     fraction of simulated ticks sent twice (default 0.01)
  --from DATE --to DATE  Yahoo history range, YYYY-MM-DD (default: the last 30 days)
  --interval I           Yahoo bar interval: 1m, 5m, 15m, 1h or 1d (default 1d)`;

/**
 * Builds the tick source the flags ask for.
 *
 * @example
 * const source = await sourceFromFlags('replay', flags, clock, 6);
 */
export async function sourceFromFlags(
  command: string,
  flags: Flags,
  clock: Clock,
  priceDecimals: number,
  defaults: { ticks?: number } = {},
): Promise<{ source: TickSource; total?: number; describe: string }> {
  const file = flags.file === undefined ? undefined : String(flags.file);
  let kind = flags.source === undefined ? undefined : String(flags.source);
  if (kind === undefined) kind = file === undefined ? 'simulated' : await fileKind(command, file);
  if (!(SOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`tickflow ${command}: --source must be one of ${SOURCE_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  refuseFlags(command, flags, FLAGS_NOT_FOR[kind as SourceKind], `--source ${kind}`);
  const symbols = symbolsFlag(command, flags.symbols);
  if (kind === 'csv' || kind === 'ndjson') {
    if (file === undefined) throw new UsageError(`tickflow ${command}: --source ${kind} needs --file PATH`);
    await checkFileToRead(file); // before a lake folder is made for it
    const source =
      kind === 'csv' ? new CsvTickSource({ path: file, clock, priceDecimals }) : new NdjsonTickSource({ path: file, clock, priceDecimals });
    return { source, describe: `${kind} file ${file}` };
  }
  if (kind === 'yahoo') {
    const { YahooChartSource } = await import('../adapters/sources/yahoo-tick-source.js');
    const to = dateFlag(command, 'to', flags.to) ?? new Date(clock.now()).toISOString().slice(0, 10);
    const from = dateFlag(command, 'from', flags.from) ?? new Date(clock.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    if (from > to) throw new UsageError(`tickflow ${command}: --from ${from} is after --to ${to}`);
    const interval = String(flags.interval ?? '1d');
    if (!['1m', '5m', '15m', '1h', '1d'].includes(interval))
      throw new UsageError(`tickflow ${command}: --interval must be 1m, 5m, 15m, 1h or 1d, got ${JSON.stringify(interval)}`);
    const list = symbols ?? ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'TSLA'];
    return {
      source: new YahooChartSource({ symbols: list, period1: from, period2: to, interval: interval as '1d' }),
      describe: `Yahoo Finance ${interval} bars of ${list.join(', ')} from ${from} to ${to}`,
    };
  }
  const ticks = intFlag(command, 'ticks', flags.ticks, { min: 1 }) ?? defaults.ticks ?? 10_000;
  const seed = intFlag(command, 'seed', flags.seed, { min: 0, max: 2 ** 32 - 1 }) ?? 42;
  const source = new SimulatedTickSource({
    symbols,
    ticks,
    seed,
    badRate: rateFlag(command, 'bad-rate', flags['bad-rate']) ?? 0.01,
    duplicateRate: rateFlag(command, 'duplicate-rate', flags['duplicate-rate']) ?? 0.01,
  });
  const n = (symbols ?? ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'TSLA']).length;
  return {
    source,
    total: ticks,
    describe: `simulated market of ${n} symbol${n === 1 ? '' : 's'}, ${ticks.toLocaleString('en-US')} ticks, seed ${seed}`,
  };
}

/**
 * A file's kind from its extension (.csv; .ndjson, .jsonl, .json; each may end in .gz),
 * else from its first line (gunzipped if need be): NDJSON if it starts with `{`, CSV
 * otherwise. A file that cannot be read is left to the source, which names the error; a
 * pipe (`/dev/stdin`, `<(…)`) cannot be peeked at without losing what is read, so it needs `--source`.
 */
async function fileKind(command: string, path: string): Promise<'csv' | 'ndjson'> {
  const ext = extname(path.replace(/\.gz$/i, '')).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl' || ext === '.json') return 'ndjson';
  const found = await stat(path).catch(() => undefined);
  if (found !== undefined && !found.isFile() && !found.isDirectory()) {
    throw new UsageError(
      `tickflow ${command}: ${path} is not a regular file, so its first line cannot be read ahead to tell CSV from NDJSON: give --source csv or --source ndjson`,
    );
  }
  try {
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
      const bytes = buffer.subarray(0, bytesRead);
      // The start of a gzip'd file inflates on its own (a sync flush accepts a cut stream).
      const head = (isGzip(bytes) ? gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH }) : bytes)
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .trimStart();
      return head.startsWith('{') || head === '' ? 'ndjson' : 'csv';
    } finally {
      await handle.close();
    }
  } catch {
    return 'ndjson';
  }
}

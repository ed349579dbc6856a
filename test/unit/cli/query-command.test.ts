import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_COLUMNS, QUERY_NAMES } from '../../../src/ports/analytics-engine.port.js';
import { runCli } from '../../support/run-cli.js';

const FIXTURE = 'test/fixtures/ticks.csv';
let dir: string;
let lake: string;
let lake2: string;
let replayOut: string;
let alerts: { id: string; price: number; smaShort: number; smaLong: number }[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-query-cli-'));
  lake = join(dir, 'the lake'); // a space: the printed commands must quote it
  const json = await runCli(['replay', '--file', FIXTURE, '--json', '--lake', lake, '--quiet']);
  alerts = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  // A lake of its own: one lake holds prices at one number of decimals (a replay at others is refused).
  lake2 = join(dir, 'the lake at 2');
  replayOut = (await runCli(['replay', '--file', FIXTURE, '--lake', lake2, '--quiet', '--short', '3', '--long', '8', '--decimals', '2']))
    .stdout;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The words of a printed shell command (handles the single quotes `replay` uses). */
function words(command: string): string[] {
  return [...command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] as string),
  );
}

describe('tickflow query', () => {
  it('prints a table and the path of the stored CSV', async () => {
    const { code, stdout, stderr } = await runCli(['query', 'daily-ohlc', '--lake', lake]);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toMatch(/^tickflow query daily-ohlc — \d+ rows\n/);
    expect(stdout).toMatch(/\n {2}symbol {2}day +open +high +low +close +volume +ticks\n/);
    expect(stdout).toMatch(/\n {2}AAPL {4}2024-01-02 +187\.43 +192\.43 +184\.93 +192\.43 +30090 +60\n/);
    const path = /\nresult: (.+\.csv)\n$/.exec(stdout)?.[1] as string;
    expect(path).toMatch(new RegExp(`^${lake}/results/daily-ohlc/[0-9a-f-]{36}\\.csv$`));
    expect(readFileSync(path, 'utf8').split('\r\n')[0]).toBe(QUERY_COLUMNS['daily-ohlc'].join(','));
  });

  it("--json gives one row per line; crossovers equal the replay's alerts", async () => {
    const { code, stdout, stderr } = await runCli(['query', 'crossovers', '--lake', lake, '--json']);
    expect(code).toBe(0);
    const rows = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.id, r.price, r.sma_short, r.sma_long])).toEqual(alerts.map((a) => [a.id, a.price, a.smaShort, a.smaLong]));
    expect(existsSync(stderr.trim())).toBe(true);
  });

  it('a result longer than the table: the table counts every row and shows 50, --json prints every row', async () => {
    const table = await runCli(['query', 'series', '--lake', lake]);
    expect(table.code).toBe(0);
    const csv = readFileSync(/\nresult: (.+\.csv)\n$/.exec(table.stdout)?.[1] as string, 'utf8')
      .trim()
      .split('\r\n');
    const total = csv.length - 1;
    expect(total).toBeGreaterThan(50);
    expect(table.stdout).toMatch(new RegExp(`^tickflow query series — ${total.toLocaleString('en-US')} rows\n`));
    expect(table.stdout.split('\n').filter((l) => /^ {2}[A-Z]+ +\d{13} /.test(l))).toHaveLength(50);
    expect(table.stdout).toContain(`… and ${(total - 50).toLocaleString('en-US')} more rows`);
    const json = await runCli(['query', 'series', '--lake', lake, '--json']);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => `${r.symbol},${r.timestamp}`)).toEqual(csv.slice(1).map((l) => l.split(',').slice(0, 2).join(',')));
  });

  it('Ctrl-C or a kill stops the query: exit 130 or 143, no result kept, nothing left listening', async () => {
    const listeners = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const results = join(lake, 'results', 'series');
    const before = existsSync(results) ? readdirSync(results) : [];
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const running = runCli(['query', 'series', '--lake', lake, '--json']);
      process.emit(signal);
      const run = await running;
      expect([run.code, run.stderr, run.stdout]).toEqual([code, 'tickflow query: interrupted; no result was kept\n', '']);
    }
    expect(existsSync(results) ? readdirSync(results) : []).toEqual(before);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(listeners);
  });

  it('--csv prints the stored CSV', async () => {
    const { code, stdout, stderr } = await runCli(['query', 'volatility', '--lake', lake, '--csv', '--symbols', 'msft,aapl']);
    expect(code).toBe(0);
    expect(stdout).toBe(readFileSync(stderr.trim(), 'utf8'));
    expect(stdout.split('\r\n').map((l) => l.split(',')[0])).toEqual(['symbol', 'AAPL', 'MSFT', '']);
  });

  it('the commands replay prints next run as printed, with the lake, decimals and periods of the replay', async () => {
    const commands = replayOut
      .split('\n')
      .filter((l) => l.startsWith('  tickflow query '))
      .map((l) => words(l.trim()).slice(1));
    expect(commands.map((c) => c[1])).toEqual([...QUERY_NAMES]);
    for (const argv of commands) {
      // The replay's periods go to the queries that take them (a flag a query cannot use is refused).
      const periods = ['volume-trend', 'crossovers', 'series'].includes(argv[1] as string) ? ['--short', '3', '--long', '8'] : [];
      expect(argv).toEqual(expect.arrayContaining(['--lake', lake2, '--decimals', '2', ...periods]));
      if (periods.length === 0) expect(argv).not.toContain('--short');
      const { code, stderr } = await runCli(argv);
      expect([argv[1], code, stderr]).toEqual([argv[1], 0, '']);
    }
  });

  it('refuses a symbol or date with SQL metacharacters before any query runs (exit 2, one line)', async () => {
    for (const [flag, value] of [
      ['--symbols', "AAPL');DROP TABLE ticks;--"],
      ['--symbols', "' OR 1=1 --"],
      ['--from', "2024-01-01' OR '1'='1"],
      ['--to', '2024-01-02;'],
    ] as const) {
      const fresh = join(dir, `untouched-${flag.slice(2)}`);
      await mkdir(join(fresh, 'raw'), { recursive: true });
      const { code, stdout, stderr } = await runCli(['query', 'daily-ohlc', '--lake', fresh, flag, value]);
      expect([code, stdout]).toEqual([2, '']);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^tickflow query: --(symbols|from|to)/);
      // Nothing ran: no cache database, no results.
      expect(existsSync(join(fresh, '.cache'))).toBe(false);
      expect(existsSync(join(fresh, 'results'))).toBe(false);
    }
  });

  it('explains a missing or empty lake, an unknown query and bad periods in one line', async () => {
    const missing = await runCli(['query', 'volatility', '--lake', join(dir, 'nowhere')]);
    expect([missing.code, missing.stderr]).toEqual([
      1,
      `tickflow query: no data lake at ${join(dir, 'nowhere')} (it has no raw/ folder); run tickflow replay first, or give --lake DIR\n`,
    ]);
    await mkdir(join(dir, 'empty', 'raw'), { recursive: true });
    const empty = await runCli(['query', 'volatility', '--lake', join(dir, 'empty')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toMatch(/holds no ticks yet \(raw\/ has no objects\); run tickflow replay first, or give --lake DIR$/);
    // A damaged object: the message names it, and replaying is not the remedy.
    const damaged = join(dir, 'damaged', 'raw', 'symbol=AAPL', 'year=2024', 'month=01', 'day=02');
    await mkdir(damaged, { recursive: true });
    await writeFile(join(damaged, 'b1.ndjson.gz'), 'not gzip');
    const broken = await runCli(['query', 'volatility', '--lake', join(dir, 'damaged')]);
    expect(broken.code).toBe(1);
    expect(broken.stderr.trim()).toMatch(/^tickflow query: an object in the data lake at .* cannot be read: IO Error: .*b1\.ndjson\.gz$/);
    const unknown = await runCli(['query', 'vwap']);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([2, `tickflow query: unknown query "vwap"; queries: ${QUERY_NAMES.join(', ')}`]);
    const none = await runCli(['query']);
    expect(none.code).toBe(2);
    // Refusals name the flag, as the user wrote it.
    for (const [args, message] of [
      [['crossovers', '--short', '30'], '--short (30) must be less than --long (20)'],
      [['series', '--long', '2000000'], '--long must be a whole number ≥ 2 and ≤ 1000000, got "2000000"'],
      [['series', '--max-points', '20000000'], '--max-points must be a whole number ≥ 4 and ≤ 10000000, got "20000000"'],
      [['volatility', '--from', '2024-06-30', '--to', '2024-01-01'], '--from 2024-06-30 is after --to 2024-01-01'],
    ] as const) {
      const run = await runCli(['query', ...args, '--lake', lake]);
      expect([run.code, run.stderr.trim()]).toEqual([2, `tickflow query: ${message}`]);
    }
    // A flag the query has no use for is refused, not silently ignored.
    for (const [query, flag] of [
      ['daily-ohlc', '--max-points'],
      ['volatility', '--short'],
      ['volume-trend', '--max-points'],
      ['daily-ohlc', '--long'],
    ] as const) {
      const run = await runCli(['query', query, '--lake', lake, flag, '10']);
      expect([run.code, run.stderr.trim()]).toEqual([2, `tickflow query: ${flag} does not apply to ${query} (see tickflow query --help)`]);
    }
    expect((await runCli(['query', 'series', '--lake', lake, '--max-points', '10', '--short', '3', '--csv'])).code).toBe(0);
  });

  it('without the cache, refuses a lake whose path DuckDB would read as a pattern, rather than read other folders', async () => {
    // A lake at `g*` would also read `gX`: DuckDB's glob has no escape.
    const starred = join(dir, 'g*');
    await cp(lake, starred, { recursive: true });
    await cp(lake2, join(dir, 'gX'), { recursive: true });
    const run = await runCli(['query', 'daily-ohlc', '--lake', starred, '--no-cache', '--csv']);
    expect([run.code, run.stderr.trim()]).toEqual([
      1,
      `tickflow query: the data lake at ${starred} cannot be read without the cache: its path holds * ? or [, which DuckDB would read as a pattern (leave the cache on, or move the lake)`,
    ]);
    // With the cache, the files are listed and bound: only the lake's own.
    const cached = await runCli(['query', 'daily-ohlc', '--lake', starred, '--csv']);
    const own = await runCli(['query', 'daily-ohlc', '--lake', lake, '--csv']);
    expect([cached.code, cached.stdout]).toEqual([0, own.stdout]);
  });

  it('explains itself with --help', async () => {
    const { code, stdout } = await runCli(['query', '--help']);
    expect(code).toBe(0);
    for (const name of QUERY_NAMES) expect(stdout).toContain(`  ${name} `);
  });
});

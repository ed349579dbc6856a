import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeLines } from '../../../src/adapters/shared/lake-codec.js';
import { replay } from '../../../src/container/replay.js';
import { bruteForceSignals } from '../../oracles.js';
import { writeCutGzipCsv } from '../../support/cut-gzip.js';
import { runCli } from '../../support/run-cli.js';

const FIXTURE = 'test/fixtures/ticks.csv';
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempLake(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-cli-'));
  dirs.push(dir);
  return join(dir, 'lake');
}

/** The fixture's good rows, read by plain string splitting, and the oracle's signals per symbol. */
function expectedFromFixture(): { symbol: string; timestamp: number; signal: string }[] {
  const rows = readFileSync(FIXTURE, 'utf8').split('\n').slice(1);
  const bySymbol = new Map<string, { timestamp: number; units: number }[]>();
  for (const row of rows) {
    const f = row.split(',');
    if (f.length !== 4 || !/^[a-zA-Z]+$/.test(f[0] ?? '') || Number.isNaN(Number(f[2]))) continue;
    const symbol = (f[0] as string).toUpperCase();
    const ts = /^\d+$/.test(f[1] as string) ? Number(f[1]) : Date.parse(f[1] as string);
    const list = bySymbol.get(symbol) ?? [];
    list.push({ timestamp: ts, units: Math.round(Number(f[2]) * 100) });
    bySymbol.set(symbol, list);
  }
  return [...bySymbol].flatMap(([symbol, ticks]) =>
    bruteForceSignals(ticks, 5, 20, 2).map((s) => ({ symbol, timestamp: s.timestamp, signal: s.signal })),
  );
}

describe('tickflow replay', () => {
  it('says when the lake already held ticks of an earlier run, which queries weigh together with this one', async () => {
    const lake = await tempLake();
    const note = 'already held ticks of an earlier run';
    const first = await runCli(['replay', '--ticks', '300', '--lake', lake, '--quiet']);
    expect(first.stdout).not.toContain(note);
    const second = await runCli(['replay', '--ticks', '300', '--lake', lake, '--quiet']);
    expect(second.stdout).toContain(`Note: ${lake} ${note}`);
    expect(second.stdout).toContain('Give a new --lake to keep runs apart.');
  });

  it('records the decimals a lake is written with, and refuses to write it at others; queries read it at them', async () => {
    const lake = await tempLake();
    expect((await runCli(['replay', '--ticks', '300', '--lake', lake, '--quiet', '--decimals', '4'])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(lake, '.tickflow-lake.json'), 'utf8'))).toEqual({ priceDecimals: 4 });
    const objects = async () => (await readdir(join(lake, 'raw'), { recursive: true })).filter((f) => f.endsWith('.gz')).length;
    const before = await objects();
    const other = await runCli(['replay', '--ticks', '300', '--lake', lake, '--quiet']);
    expect([other.code, other.stderr.trim()]).toEqual([
      2,
      `tickflow replay: the lake at ${lake} holds prices written with --decimals 4; give --decimals 4, or another --lake`,
    ]);
    expect(await objects()).toBe(before); // refused before any work
    // The library's replay() refuses it too.
    await expect(replay([], { lake, priceDecimals: 6 })).rejects.toThrow(
      new RangeError(`priceDecimals 6 cannot be written into this lake: the lake at ${lake} holds prices written with 4 decimals`),
    );
    // A query reads the lake at its decimals without being told, and refuses others.
    const told = await runCli(['query', 'daily-ohlc', '--lake', lake, '--decimals', '4', '--csv']);
    const untold = await runCli(['query', 'daily-ohlc', '--lake', lake, '--csv']);
    expect([untold.code, untold.stdout]).toEqual([0, told.stdout]);
    expect((await runCli(['query', 'daily-ohlc', '--lake', lake, '--decimals', '6'])).code).toBe(2);
    // A settings file that does not say the decimals is said to be so.
    await writeFile(join(lake, '.tickflow-lake.json'), '{"priceDecimals": "six"}');
    const bad = await runCli(['query', 'daily-ohlc', '--lake', lake]);
    expect([bad.code, bad.stderr.trim()]).toEqual([
      2,
      `tickflow query: ${join(lake, '.tickflow-lake.json')} does not say the lake's price decimals (0-9): "{\\"priceDecimals\\": \\"six\\"}"`,
    ]);
  });

  it('a file that fails mid-way (a cut .gz): exit 1, its error, and what got through before it', async () => {
    const lake = await tempLake();
    const path = join(lake, '..', 'cut.csv.gz');
    const whole = await writeCutGzipCsv(path);
    const run = await runCli(['replay', '--file', path, '--lake', lake, '--quiet']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^tickflow replay: cannot read .*cut\\.csv\\.gz: unexpected end of file\\n  Before it: ${whole.toLocaleString('en-US')} ticks in, ${whole.toLocaleString('en-US')} accepted, 0 rejected, [\\d,]+ alerts, all through the flow and in the lake at `,
      ),
    );
  });

  it('Ctrl-C stops reading, puts what was read through the flow into whole lake objects, and prints its summary', async () => {
    const lake = await tempLake();
    const listeners = process.listenerCount('SIGINT');
    const running = runCli(['replay', '--ticks', '3M', '--lake', lake, '--quiet']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    process.emit('SIGINT');
    const run = await running;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('tickflow replay: interrupted; finishing the ticks already read');
    const read = Number(/ticks in +([\d,]+)/.exec(run.stdout)?.[1]?.replace(/,/g, ''));
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(3_000_000);
    expect(run.stdout).toContain(`INTERRUPTED: stopped reading after ${read.toLocaleString('en-US')} ticks`);
    const files = (await readdir(lake, { recursive: true })).map(String);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files.some((f) => f.endsWith('.ndjson.gz'))).toBe(true);
    // Nothing left listening: a later SIGINT is not this run's.
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  it('a lake that fails mid-run: exit 1, its cause shown once, and a summary that says what undelivered means', async () => {
    const lake = await tempLake();
    // A file where the folder of one symbol's objects should be: the probe of raw/ passes, every AAPL write fails.
    await mkdir(join(lake, 'raw'), { recursive: true });
    await writeFile(join(lake, 'raw', 'symbol=AAPL'), 'not a folder');
    const run = await runCli(['replay', '--ticks', '2000', '--lake', lake, '--quiet']);
    expect(run.code).toBe(1);
    const causes = run.stderr.split('\n').filter((l) => l.includes('ENOTDIR'));
    expect(causes).toHaveLength(1);
    expect(JSON.parse(causes[0] as string)).toMatchObject({
      level: 'warn',
      message: 'ingest: lake writes failed; the batch will be delivered again',
    });
    expect(run.stdout).toMatch(
      /UNDELIVERED +[\d,]+ +records the flow could not process after retries \(not counted above; some may be in the store/,
    );
  });

  it('tells CSV from NDJSON by the first line when the extension does not say', async () => {
    const dir = join(await tempLake(), '..');
    const row = (i: number) => ({ symbol: 'AAPL', timestamp: 1704205800000 + i * 1000, price: 100 + (i % 7), volume: 1 });
    const rows = Array.from({ length: 30 }, (_, i) => row(i));
    await writeFile(join(dir, 'ticks.txt'), `symbol,timestamp,price,volume\n${rows.map((r) => Object.values(r).join(',')).join('\n')}\n`);
    await writeFile(join(dir, 'ticks.log'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    for (const [name, kind] of [
      ['ticks.txt', 'csv'],
      ['ticks.log', 'ndjson'],
    ]) {
      const run = await runCli(['replay', '--file', join(dir, name as string), '--no-lake', '--quiet']);
      expect(run.stdout).toContain(`${kind} file ${join(dir, name as string)}`);
      expect(run.stdout).toMatch(/accepted +30 /);
    }
  });

  it('shows the last price and the day range as exactly as the lake keeps them', async () => {
    const csv = join(await tempLake(), '..', 'six.csv');
    await writeFile(
      csv,
      'symbol,timestamp,price,volume\nAAPL,1704205800000,187.451235,1\nAAPL,1704205801000,190,1\nAAPL,1704205802000,187.4,1\n',
    );
    const run = await runCli(['replay', '--file', csv, '--no-lake', '--quiet']);
    expect(run.stdout).toMatch(/\n {2}AAPL +187\.4 +190 +187\.4 /);
    await writeFile(csv, 'symbol,timestamp,price,volume\nAAPL,1704205800000,187.451235,1\n');
    expect((await runCli(['replay', '--file', csv, '--no-lake', '--quiet'])).stdout).toMatch(
      /\n {2}AAPL +187\.451235 +187\.451235 +187\.451235 /,
    );
    const whole = await runCli(['replay', '--file', csv, '--no-lake', '--quiet', '--decimals', '0']);
    expect(whole.stdout).toMatch(/\n {2}AAPL +187 +187 +187 /);
  });

  it('keeps the per-symbol table in columns for symbols of any allowed length (up to 16)', async () => {
    const csv = join(await tempLake(), '..', 'long.csv');
    await writeFile(csv, 'symbol,timestamp,price,volume\nA,1704205800000,1,1\nABCDEFGHIJKLMNOP,1704205800000,2,1\n');
    const run = await runCli(['replay', '--file', csv, '--no-lake', '--quiet']);
    const table =
      run.stdout
        .slice(run.stdout.indexOf('\n  symbol') + 1)
        .split('\n\n')[0]
        ?.trimEnd()
        .split('\n') ?? [];
    expect(table.map((line) => line.trim().split(/ +/)[0])).toEqual(['symbol', 'A', 'ABCDEFGHIJKLMNOP']);
    // Every column is padded to a fixed width, so aligned rows are as long as the header.
    expect(new Set(table.map((line) => line.trimEnd().length)).size).toBe(1);
  });

  it('--json on a CSV gives the expected alerts, one JSON object per line, in time order', async () => {
    const { code, stdout, stderr } = await runCli(['replay', '--file', FIXTURE, '--json', '--lake', await tempLake()]);
    expect(code).toBe(0);
    const alerts = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const expected = expectedFromFixture().sort((a, b) => a.timestamp - b.timestamp);
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect(new Set(expected.map((e) => e.signal))).toEqual(new Set(['GOLDEN_CROSS', 'DEATH_CROSS']));
    expect(alerts.map((a) => ({ symbol: a.symbol, timestamp: Date.parse(a.timestamp), signal: a.signal }))).toEqual(expected);
    expect(Object.keys(alerts[0]).sort()).toEqual(['id', 'price', 'signal', 'smaLong', 'smaShort', 'symbol', 'timestamp', 'trend']);
    expect(stderr).toContain('tickflow replay — csv file test/fixtures/ticks.csv');
  });

  it('reports bad CSV rows with their line numbers and goes on', async () => {
    const { code, stdout, stderr } = await runCli(['replay', '--file', FIXTURE, '--no-lake']);
    expect(code).toBe(0);
    // The summary says it all: no log line beside it (a run's warnings are for what went wrong).
    expect(stderr).toBe('');
    expect(stdout).toMatch(/rejected\s+4\s/);
    expect(stdout).toContain('ticks.csv line 56: price must be a finite number > 0, got "abc"');
    expect(stdout).toContain('ticks.csv line 67: symbol must be');
    expect(stdout).toContain('ticks.csv line 74: expected 4 fields, got 3');
    expect(stdout).toContain('ticks.csv line 89: a quoted field is not closed');
    expect(stdout).toMatch(/duplicates 1, late 1/);
  });

  it('writes the lake with raw/ objects per symbol-day and rejected/ for the quarantined rows', async () => {
    // Two levels that do not exist yet: made before the run, the probe file written and removed.
    const lake = join(await tempLake(), 'nested', 'lake');
    await runCli(['replay', '--file', FIXTURE, '--lake', lake, '--quiet']);
    expect((await readdir(lake)).sort()).toEqual(['.tickflow-lake.json', 'raw', 'rejected']);
    expect((await readdir(join(lake, 'raw'))).sort()).toEqual(['symbol=AAPL', 'symbol=MSFT']);
    const rejected = (await readdir(join(lake, 'rejected'), { recursive: true })).filter((f) => String(f).endsWith('.ndjson.gz'));
    expect(rejected).toHaveLength(1);
    const lines = await decodeLines(await readFile(join(lake, 'rejected', String(rejected[0]))));
    expect(lines.map((l) => JSON.parse(l).code).sort()).toEqual(['BAD_PRICE', 'BAD_ROW', 'BAD_ROW', 'BAD_SYMBOL']);
    expect(String(rejected[0])).toMatch(
      new RegExp(`^year=${new Date().getUTCFullYear()}/month=\\d\\d/day=\\d\\d/source-[0-9a-z]+-[0-9a-z]+-ticks.csv_56.ndjson.gz$`),
    );
  });

  it('refuses a bad flag, a bad value and a missing file with one clear line and a non-zero exit', async () => {
    const unknown = await runCli(['replay', '--tiks', '5']);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([2, "tickflow replay: unknown option '--tiks' (see tickflow replay --help)"]);
    const bad = await runCli(['replay', '--ticks', 'many']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'tickflow replay: --ticks must be a whole number ≥ 1, got "many"']);
    const periods = await runCli(['replay', '--short', '20', '--long', '5']);
    expect(periods.code).toBe(2);
    const missing = await runCli(['replay', '--file', 'nope.csv']);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'tickflow replay: cannot read nope.csv: no such file']);
    const symbols = await runCli(['replay', '--symbols', 'AAPL,../x']);
    expect(symbols.code).toBe(2);
    expect(symbols.stderr).toContain('not a valid symbol: "../x"');
  });

  it('refuses, before any work and in one line, what it would otherwise ignore or trip over later', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickflow-cli-'));
    dirs.push(dir);
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const cases: [string[], string][] = [
      [['--ticks', '-1'], 'tickflow replay: --ticks must be a whole number ≥ 1, got "-1"'],
      [['--long', '100000000'], 'tickflow replay: --long must be a whole number ≥ 2 and ≤ 1000000, got "100000000"'],
      [['extra'], 'tickflow replay: unexpected argument "extra" (see tickflow replay --help)'],
      [['--ticks', '10', '--ticks=20'], 'tickflow replay: --ticks is given twice; give it once (see tickflow replay --help)'],
      [
        ['--lake', '-dir'],
        'tickflow replay: --lake takes a value; for one that starts with a dash, write --lake=-… (see tickflow replay --help)',
      ],
      [['--file', FIXTURE, '--ticks', '5'], 'tickflow replay: --ticks does not apply to --source csv (see tickflow replay --help)'],
      [['--file', FIXTURE, '--symbols', 'MSFT'], 'tickflow replay: --symbols does not apply to --source csv (see tickflow replay --help)'],
      [['--from', '2024-01-01'], 'tickflow replay: --from does not apply to --source simulated (see tickflow replay --help)'],
      [['--source', 'yahoo', '--from', '2024-06-30', '--to', '2024-01-01'], 'tickflow replay: --from 2024-06-30 is after --to 2024-01-01'],
      [['--lake', file], `tickflow replay: --lake must be a folder, but ${file} is not one`],
      [['--lake', join(file, 'sub')], `tickflow replay: --lake must be a folder, but ${join(file, 'sub')} cannot be one (ENOTDIR)`],
      [['--lake='], 'tickflow replay: --lake needs a folder path'],
      [
        ['--lake', 'test/fixtures/with-raw-file'],
        'tickflow replay: --lake must be a folder it can write, but test/fixtures/with-raw-file/raw is not a folder',
      ],
      // A pipe or a device cannot be read ahead without losing what is read.
      [
        ['--file', '/dev/null'],
        'tickflow replay: /dev/null is not a regular file, so its first line cannot be read ahead to tell CSV from NDJSON: give --source csv or --source ndjson',
      ],
      [
        ['--lake', '/proc/tickflow-lake'],
        'tickflow replay: --lake must be a folder it can write, but /proc/tickflow-lake cannot be created (ENOENT)',
      ],
      [['--report='], 'tickflow replay: --report needs a file path'],
      [['--report', 'nowhere/'], 'tickflow replay: --report nowhere/ is a folder; name a file in it, e.g. nowhere/report.html'],
      // The report replaces its file: a name that is not .html is refused, not overwritten.
      [
        ['--report', 'package.json'],
        'tickflow replay: --report package.json: the report is an HTML file and replaces what is there, so its name must end in .html or .htm, e.g. report.html',
      ],
      [['--bad-rate='], 'tickflow replay: --bad-rate must be a fraction in [0, 1), got ""'],
      [['--report', dir], `tickflow replay: --report ${dir} is a folder; name a file in it, e.g. ${join(dir, 'report.html')}`],
      [
        ['--report', join(dir, 'nowhere', 'r.html')],
        `tickflow replay: --report ${join(dir, 'nowhere', 'r.html')}: there is no folder ${join(dir, 'nowhere')} to write it in`,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(['replay', '--quiet', ...(args.some((a) => a.startsWith('--lake')) ? [] : ['--no-lake']), ...args]);
      expect([run.code, run.stderr.trim(), run.stdout]).toEqual([2, message, '']);
    }
    // Nothing is made before every flag has passed: a refused run leaves no lake folder behind.
    const fresh = join(dir, 'new-lake');
    for (const bad of [
      ['--source', 'foo'],
      ['--ticks', '-1'],
      ['--file', join(dir, 'missing.csv')],
      ['--report', join(dir, 'r.txt')],
    ]) {
      const run = await runCli(['replay', '--quiet', '--lake', fresh, ...bad]);
      expect([bad[0], run.code, existsSync(fresh)]).toEqual([bad[0], bad[0] === '--file' ? 1 : 2, false]);
    }
  });

  it('prints the summary and says so in one line when the report cannot be written after the run', async () => {
    // Passes the checks before the run (a new file in a folder that exists) and fails at the
    // write, even for root: nothing can be created in /proc.
    const path = '/proc/tickflow-report.html';
    const run = await runCli(['replay', '--quiet', '--no-lake', '--ticks', '500', '--report', path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/ticks in\s+504/);
    expect(run.stdout).toContain(`REPORT NOT WRITTEN: ${path}: ENOENT`);
  });

  it('points out ticks that look like epoch seconds read as milliseconds (valid, so kept)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickflow-cli-'));
    dirs.push(dir);
    const csv = (ts: number) => `symbol,timestamp,price,volume\nAAPL,${ts},100,1\nMSFT,${ts + 1},100,1\n`;
    await writeFile(join(dir, 'seconds.csv'), csv(1704205800));
    await writeFile(join(dir, 'ms.csv'), csv(1704205800000));
    const seconds = await runCli(['replay', '--quiet', '--no-lake', '--file', join(dir, 'seconds.csv')]);
    expect(seconds.code).toBe(0);
    expect(seconds.stdout).toMatch(/accepted\s+2\s/);
    expect(seconds.stdout).toContain(
      'Note: the last ticks of AAPL, MSFT are dated 1970-01-20. Epoch timestamps are read as\n  milliseconds',
    );
    const ms = await runCli(['replay', '--quiet', '--no-lake', '--file', join(dir, 'ms.csv')]);
    expect(ms.stdout).toMatch(/accepted\s+2\s/);
    expect(ms.stdout).not.toContain('Note:');
  });

  it('explains itself with --help', async () => {
    const { code, stdout } = await runCli(['replay', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: tickflow replay [options]');
    expect(stdout).toContain('--source KIND');
  });

  it('by default replays a seeded simulation: the same seed gives the same alerts', async () => {
    const a = await runCli(['replay', '--no-lake', '--json', '--ticks', '3000', '--seed', '9']);
    const b = await runCli(['replay', '--no-lake', '--json', '--ticks', '3000', '--seed', '9']);
    expect(a.code).toBe(0);
    expect(a.stdout.length).toBeGreaterThan(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stderr).toMatch(/rejected\s+\d+\s+\S/);
  });

  it('--lambda-events runs the handlers on Lambda-shaped events and prints the same alerts', async () => {
    const direct = await runCli(['replay', '--no-lake', '--json', '--ticks', '3000', '--seed', '4', '--bad-rate', '0.02']);
    const lambda = await runCli([
      'replay',
      '--no-lake',
      '--json',
      '--ticks',
      '3000',
      '--seed',
      '4',
      '--bad-rate',
      '0.02',
      '--lambda-events',
    ]);
    expect(lambda.code).toBe(0);
    expect(lambda.stdout.split('\n').length).toBeGreaterThan(5);
    expect(lambda.stdout).toBe(direct.stdout);
    const counts = (text: string) => text.split('\n').filter((l) => /^\s+(ticks in|accepted|rejected|alerts)\s/.test(l));
    expect(counts(lambda.stderr)).toEqual(counts(direct.stderr));
  });
});

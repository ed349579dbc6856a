import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../../src/cli/report-command.js';
import type { AnalyticsEngine, QueryResult } from '../../../src/ports/analytics-engine.port.js';
import { writeEightDecimalCsv } from '../../support/eight-decimal-csv.js';
import { runCli } from '../../support/run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-report-cli-'));
  await mkdir(join(dir, 'lake'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('tickflow report', () => {
  it('needs --out, and says so in one line', async () => {
    const r = await runCli(['report', '--lake', dir]);
    expect([r.code, r.stderr.trim()]).toEqual([2, 'tickflow report: --out FILE.html is required (see tickflow report --help)']);
  });

  it('says clearly, in one line, when there is no lake or the lake holds no ticks', async () => {
    const none = await runCli(['report', '--lake', join(dir, 'nope'), '--out', join(dir, 'r.html')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no data lake at');
    await mkdir(join(dir, 'empty', 'raw'), { recursive: true });
    const empty = await runCli(['report', '--lake', join(dir, 'empty'), '--out', join(dir, 'r.html')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim().split('\n')).toHaveLength(1);
    expect(empty.stderr).toContain('holds no ticks yet');
  });

  it('writes the report of what the engine returns, with the symbols and dates asked for', async () => {
    const asked: unknown[] = [];
    const engine: AnalyticsEngine = {
      async run(name, params): Promise<QueryResult> {
        asked.push({ name, symbols: params.symbols, from: params.from, to: params.to });
        const rows =
          name === 'crossovers'
            ? [
                {
                  symbol: 'AAPL',
                  timestamp: 1704205802000,
                  signal: 'GOLDEN_CROSS',
                  trend: 'UPTREND',
                  price: 2,
                  sma_short: 2,
                  sma_long: 1.5,
                },
              ]
            : [0, 1, 2, 3].map((i) => ({
                symbol: 'AAPL',
                timestamp: 1704205800000 + i * 1000,
                price: 1 + i,
                volume: 10,
                sma_short: null,
                sma_long: null,
              }));
        return { name, queryId: name, columns: [], rows, rowCount: rows.length, location: '' };
      },
    };
    const out = join(dir, 'engine.html');
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => writes.push(chunk) > 0) as typeof process.stdout.write;
    try {
      expect(await reportCommand(['--out', out, '--symbols', 'aapl', '--from', '2024-01-02', '--to', '2024-01-03'], { engine })).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(asked).toContainEqual({ name: 'crossovers', symbols: ['AAPL'], from: '2024-01-02', to: '2024-01-03' });
    expect(writes.join('')).toMatch(/^Report: .*engine\.html \(0\.\d MB\): 1 symbol, 4 points drawn, 1 alert —/);
    const html = await readFile(out, 'utf8');
    expect(html).toContain('"describe":"lake .tickflow/lake, AAPL, 2024-01-02 to 2024-01-03"');
  });

  it('counts every applied tick and all their volume, as the replay’s own report does, when the lake holds more ticks than it draws', async () => {
    const lake = join(dir, 'lake-many');
    const recorded = join(dir, 'recorded.html');
    const replayed = await runCli(['replay', '--ticks', '12000', '--symbols', 'AAA,BBB', '--lake', lake, '--report', recorded, '--quiet']);
    expect(replayed.code).toBe(0);
    const fromLake = join(dir, 'from-lake.html');
    expect((await runCli(['report', '--lake', lake, '--out', fromLake])).code).toBe(0);
    /** Per symbol: ticks and the total of the volume bars, from the data the page embeds. */
    const totals = async (file: string) => {
      const html = await readFile(file, 'utf8');
      const json = /<script type="application\/json" id="tickflow-data">(.*?)<\/script>/s.exec(html)?.[1] as string;
      const data = JSON.parse(json) as { series: { symbol: string; ticks: number; volume: number[] }[] };
      return data.series.map((s) => [s.symbol, s.ticks, s.volume.reduce((n, v) => n + v, 0)]);
    };
    const fromReplay = await totals(recorded);
    // About 6,000 applied ticks a symbol: more than the 4 × 1,024 points the lake's series is asked for.
    for (const [, ticks] of fromReplay) expect(ticks).toBeGreaterThan(5000);
    expect(await totals(fromLake)).toEqual(fromReplay);
  });

  it('reads a lake written with --decimals 8 as the replay wrote it when given the same --decimals', async () => {
    // Prices that move only in the 7th and 8th decimals: at 6 decimals they are all 1.
    const csv = await writeEightDecimalCsv(join(dir, 'tiny.csv'), 7);
    const lake = join(dir, 'lake8');
    const replay = await runCli(['replay', '--file', csv, '--decimals', '8', '--lake', lake]);
    const alerts = Number(/alerts\s+([\d,]+)/.exec(replay.stdout)?.[1]?.replace(/,/g, ''));
    expect(alerts).toBeGreaterThan(0);
    const at8 = await runCli(['report', '--lake', lake, '--out', join(dir, 'r8.html'), '--decimals', '8']);
    expect(at8.code).toBe(0);
    expect(at8.stdout).toContain(`1 symbol, 200 points drawn, ${alerts} alert${alerts === 1 ? '' : 's'} —`);
    // Without --decimals, the decimals the lake was written with; others are refused, not rounded to.
    const recorded = await runCli(['report', '--lake', lake, '--out', join(dir, 'r.html')]);
    expect(recorded.stdout).toContain(`1 symbol, 200 points drawn, ${alerts} alert${alerts === 1 ? '' : 's'} —`);
    const at6 = await runCli(['report', '--lake', lake, '--out', join(dir, 'r6.html'), '--decimals', '6']);
    expect([at6.code, at6.stderr.trim()]).toEqual([
      2,
      `tickflow report: --decimals 6, but the lake at ${lake} holds prices written with 8; leave --decimals out`,
    ]);
    expect((await runCli(['report', '--lake', lake, '--out', join(dir, 'r.html'), '--decimals', '10'])).code).toBe(2);
  });
});

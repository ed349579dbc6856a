import { mkdirSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChartSeries } from '../../src/domain/chart-series.js';
import { launchChromium, watch } from '../support/browser.js';
import { writeEightDecimalCsv } from '../support/eight-decimal-csv.js';
import { runCli } from '../support/run-cli.js';

const ARTIFACTS = 'test-results';
let browser: Browser;
let dir: string;
beforeAll(async () => {
  browser = await launchChromium();
  dir = await mkdtemp(join(tmpdir(), 'tickflow-report-'));
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

interface JsonAlert {
  symbol: string;
  signal: string;
  timestamp: string;
  price: number;
  smaShort: number;
  smaLong: number;
}
interface Marker {
  time: number;
  position: string;
  shape: string;
  color: string;
  id: string;
}

/** Replays with `--json --report` and returns the alerts the run printed and the report's path. */
async function replayWithReport(name: string, args: string[]): Promise<{ path: string; alerts: JsonAlert[]; summary: string }> {
  const path = join(dir, name);
  const { code, stdout, stderr } = await runCli(['replay', ...args, '--no-lake', '--quiet', '--json', '--report', path]);
  expect(code, stderr).toBe(0);
  const alerts = stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JsonAlert);
  return { path, alerts, summary: stderr };
}

/** Opens a report from disk and waits for its first chart to be drawn. */
async function open(path: string): Promise<{ page: Page; seen: ReturnType<typeof watch> }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const seen = watch(page);
  await page.goto(pathToFileURL(path).href);
  await page.waitForFunction(() => (window as unknown as { __tickflow?: { drawnAt?: number } }).__tickflow?.drawnAt !== undefined);
  return { page, seen };
}

/** Shows each symbol in turn (through the picker) and collects the markers handed to its chart. */
async function markersBySymbol(page: Page): Promise<Record<string, Marker[]>> {
  const symbols = await page.evaluate(() => (window as unknown as { __tickflow: { symbols: string[] } }).__tickflow.symbols);
  const out: Record<string, Marker[]> = {};
  for (const symbol of symbols) {
    if (symbols.length > 1) await page.click(`#picker button[data-symbol="${symbol}"]`);
    out[symbol] = await page.evaluate(
      (s) => (window as unknown as { __tickflow: { markers: Record<string, Marker[]> } }).__tickflow.markers[s] as Marker[],
      symbol,
    );
  }
  return out;
}

function expectMarkersAreTheAlerts(markers: Record<string, Marker[]>, alerts: JsonAlert[]): void {
  const symbols = [...new Set(alerts.map((a) => a.symbol))].sort();
  for (const symbol of symbols) {
    const mine = alerts.filter((a) => a.symbol === symbol);
    const drawn = markers[symbol] ?? [];
    expect(drawn.length, symbol).toBe(mine.length);
    expect(drawn.map((m) => Math.round(m.time * 1000))).toEqual(mine.map((a) => Date.parse(a.timestamp)));
    expect(drawn.map((m) => m.id)).toEqual(mine.map((a) => `${a.symbol}#${Date.parse(a.timestamp)}#${a.signal}`));
    for (const [i, m] of drawn.entries()) {
      const golden = mine[i]?.signal === 'GOLDEN_CROSS';
      expect([m.shape, m.position, m.color]).toEqual(golden ? ['arrowUp', 'belowBar', '#15803d'] : ['arrowDown', 'aboveBar', '#dc2626']);
    }
  }
  expect(Object.values(markers).reduce((n, m) => n + m.length, 0)).toBe(alerts.length);
}

describe('the chart report in a real browser', () => {
  it('a report of the CSV fixture draws exactly the run’s alerts as markers, both SMAs, with no request and no console error', async () => {
    const { path, alerts, summary } = await replayWithReport('fixture.html', ['--file', 'test/fixtures/ticks.csv']);
    expect(alerts.length).toBeGreaterThanOrEqual(4);
    const { page, seen } = await open(path);

    const markers = await markersBySymbol(page);
    expect(Object.keys(markers).sort()).toEqual(['AAPL', 'MSFT']);
    expectMarkersAreTheAlerts(markers, alerts);

    const series = await page.evaluate(
      () => (window as unknown as { __tickflow: { series: Record<string, Record<string, number>> } }).__tickflow.series,
    );
    for (const symbol of ['AAPL', 'MSFT']) {
      const s = series[symbol] as Record<string, number>;
      expect(s.price).toBeGreaterThan(20);
      // SMA-short is defined from the 5th applied tick, SMA-long from the 20th.
      expect(s.smaShort).toBe((s.price as number) - 4);
      expect(s.smaLong).toBe((s.price as number) - 19);
      expect(s.volume).toBe(s.price);
    }

    // The run summary is the run's.
    const ticksIn = /ticks in\s+([\d,]+)/.exec(summary)?.[1];
    expect(await page.textContent('#stat-ticks-in')).toBe(ticksIn);
    expect(await page.textContent('#stat-rejected')).toContain('4');
    expect(await page.textContent('#stat-accepted')).toContain('duplicates 1 · late 1');

    // A row of the alerts table takes the chart to its point and shows the tooltip there.
    const first = alerts.find((a) => a.symbol === 'MSFT') as JsonAlert;
    await page.click('input[name="scope"][value="all"]');
    await page.click(`#alert-rows tr[data-id="${first.symbol}#${Date.parse(first.timestamp)}#${first.signal}"]`);
    await page.waitForSelector('.tip:not([hidden])');
    const tip = await page.textContent('.tip');
    expect(tip).toContain(first.signal === 'GOLDEN_CROSS' ? 'Golden Cross · MSFT' : 'Death Cross · MSFT');
    expect(tip).toContain(first.timestamp.replace('T', ' ').replace('.000Z', ''));
    expect(await page.getAttribute('#picker button[data-symbol="MSFT"]', 'aria-pressed')).toBe('true');

    expect(seen.requests).toEqual([pathToFileURL(path).href]);
    expect(seen.errors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'report-fixture.png'), fullPage: true });
    await page.close();
  });

  it('a downsampled report of a long simulation keeps every alert’s point and marker', async () => {
    const { path, alerts } = await replayWithReport('long.html', ['--ticks', '60k', '--seed', '3', '--symbols', 'AAPL,MSFT,GOOG']);
    const data = JSON.parse(
      /<script type="application\/json" id="tickflow-data">(.*?)<\/script>/s.exec(await readFile(path, 'utf8'))?.[1] ?? 'null',
    ) as { series: ChartSeries[] };
    for (const s of data.series) {
      expect(s.ticksPerBar, s.symbol).toBeGreaterThan(1); // ~20,000 ticks per symbol do not fit 1,024 buckets
      expect(s.t.length).toBeLessThan(s.ticks);
      const times = new Set(s.t);
      for (const a of alerts.filter((x) => x.symbol === s.symbol)) expect(times.has(Date.parse(a.timestamp))).toBe(true);
    }
    const { page, seen } = await open(path);
    expectMarkersAreTheAlerts(await markersBySymbol(page), alerts);
    expect(seen.requests).toEqual([pathToFileURL(path).href]);
    expect(seen.errors).toEqual([]);
    await page.close();
  });

  it('shows the prices of a lake at 8 decimals to their last digit, in the table and the tooltip', async () => {
    const csv = await writeEightDecimalCsv(join(dir, 'eight.csv'), 11);
    const { path, alerts } = await replayWithReport('eight.html', ['--file', csv, '--decimals', '8']);
    const first = alerts[0] as JsonAlert;
    expect(String(first.price)).toMatch(/^1\.\d{7,8}$|^0\.\d{7,8}$/);
    const { page, seen } = await open(path);
    const id = `${first.symbol}#${Date.parse(first.timestamp)}#${first.signal}`;
    expect(await page.textContent(`#alert-rows tr[data-id="${id}"] td:nth-child(5)`)).toBe(String(first.price));
    // Every row: the averages exactly when 9 decimals hold them, else to the price's decimals,
    // never rounded to 6 (where they would read 1).
    const average = (n: number, price: number) =>
      Number(n.toFixed(9)) === n ? String(n) : String(Number(n.toFixed(Math.max(6, (String(price).split('.')[1] ?? '').length))));
    const rows = await page.$$eval('#alert-rows tr', (trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-id'),
        ...Array.from(tr.querySelectorAll('td'))
          .slice(4, 7)
          .map((td) => td.textContent),
      ]),
    );
    const byId = new Map(alerts.map((a) => [`${a.symbol}#${Date.parse(a.timestamp)}#${a.signal}`, a]));
    expect(rows.length).toBeGreaterThan(0);
    for (const [rowId, price, smaShort, smaLong] of rows) {
      const a = byId.get(rowId as string) as JsonAlert;
      expect([price, smaShort, smaLong], rowId as string).toEqual([
        String(a.price),
        average(a.smaShort, a.price),
        average(a.smaLong, a.price),
      ]);
    }
    // The case that matters is there: an average no 9 decimals hold.
    expect(
      rows.some(
        ([rowId]) =>
          Number((byId.get(rowId as string) as JsonAlert).smaLong.toFixed(9)) !== (byId.get(rowId as string) as JsonAlert).smaLong,
      ),
    ).toBe(true);
    await page.click(`#alert-rows tr[data-id="${id}"]`);
    await page.waitForSelector('.tip:not([hidden])');
    expect(await page.textContent('.tip')).toContain(`price ${first.price}`);
    expect(seen.errors).toEqual([]);
    await page.close();
  });

  it('saves a screenshot of the README’s report (docs/report.png when UPDATE_SCREENSHOT=1)', async () => {
    const { path } = await replayWithReport('readme.html', ['--ticks', '5000', '--seed', '42']);
    const { page, seen } = await open(path);
    await page.screenshot({ path: join(ARTIFACTS, 'report.png') });
    if (process.env.UPDATE_SCREENSHOT === '1') await copyFile(join(ARTIFACTS, 'report.png'), 'docs/report.png');
    expect(seen.errors).toEqual([]);
    await page.close();
  });
});

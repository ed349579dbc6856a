/**
 * How big the chart report of a large replay is, and how fast Debian's chromium opens and
 * draws it: `tickflow replay --ticks N --symbols <10> --report FILE`, then the file opened
 * from disk three times; `drawnAt` is the page's own `performance.now()` (from the start of
 * navigation) once its first chart has painted.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { launchChromium } from '../test/support/browser.js';
import { runCli } from '../test/support/run-cli.js';

const SYMBOLS = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'TSLA', 'META', 'NVDA', 'NFLX', 'ORCL', 'IBM'];
const SIZES = (process.env.TICKS ?? '100k,1M').split(',');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

it('report size and draw time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-bench-'));
  const browser = await launchChromium();
  const rows: string[][] = [
    ['ticks', 'symbols', 'alerts', 'report', 'points drawn (max/symbol)', 'open → first chart drawn', 'switch symbol'],
  ];
  try {
    for (const ticks of SIZES) {
      const path = join(dir, `report-${ticks}.html`);
      const r = await runCli(['replay', '--ticks', ticks, '--symbols', SYMBOLS.join(','), '--no-lake', '--quiet', '--report', path]);
      expect(r.code, r.stderr).toBe(0);
      const bytes = (await stat(path)).size;
      const opens: number[] = [];
      const switches: number[] = [];
      let points = 0;
      let alerts = 0;
      for (let run = 0; run < 3; run++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        await page.goto(pathToFileURL(path).href);
        await page.waitForFunction(() => (window as unknown as { __tickflow?: { drawnAt?: number } }).__tickflow?.drawnAt !== undefined);
        opens.push(await page.evaluate(() => (window as unknown as { __tickflow: { drawnAt: number } }).__tickflow.drawnAt));
        for (const symbol of SYMBOLS.slice(1)) {
          await page.click(`#picker button[data-symbol="${symbol}"]`);
          await page.waitForFunction(
            (s) => (window as unknown as { __tickflow: { drawMs: Record<string, number> } }).__tickflow.drawMs[s] !== undefined,
            symbol,
          );
        }
        const state = await page.evaluate(
          () =>
            (
              window as unknown as {
                __tickflow: {
                  drawMs: Record<string, number>;
                  series: Record<string, { price: number }>;
                  markers: Record<string, unknown[]>;
                };
              }
            ).__tickflow,
        );
        switches.push(...SYMBOLS.slice(1).map((s) => state.drawMs[s] as number));
        points = Math.max(...Object.values(state.series).map((s) => s.price));
        alerts = Object.values(state.markers).reduce((n, m) => n + m.length, 0);
        await page.close();
      }
      rows.push([
        ticks,
        String(SYMBOLS.length),
        alerts.toLocaleString('en-US'),
        `${(bytes / 1e6).toFixed(1)} MB`,
        points.toLocaleString('en-US'),
        `${Math.round(median(opens))} ms`,
        `${Math.round(median(switches))} ms`,
      ]);
    }
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length))) ?? [];
  console.log(
    `\n${rows.map((r) => r.map((c, i) => c.padStart(widths[i] as number)).join('  ')).join('\n')}\n(median of 3 opens in headless chromium; "switch symbol" is from the click to the chart painted)\n`,
  );
});

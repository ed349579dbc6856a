import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardCommand } from '../../src/cli/dashboard-command.js';
import { launchChromium, until, watch } from '../support/browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync('test-results', { recursive: true });
});
afterAll(async () => browser?.close());

interface PageState {
  snapshots: number;
  updates: number;
  connected: boolean;
  symbol: string;
  alerts: number;
  drawn: number;
  markers: Record<string, unknown[]>;
}

const count = (text: string | null) => Number((text ?? '').replace(/,/g, ''));

/** True when a fresh server can listen on the port: nothing holds it any more. */
async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('tickflow dashboard in a real browser', () => {
  it('updates live, keeps its state across a reconnect, and Ctrl-C frees the port', async () => {
    const signals = new EventEmitter();
    let out = '';
    const exit = dashboardCommand(['--port', '0', '--seed', '7', '--symbols', 'AAPL,MSFT,GOOG', '--speed', '400'], {
      signals,
      write: (text) => {
        out += text;
      },
    });
    const url = await until('the dashboard to print its URL', () => /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1]);
    const port = Number(new URL(url).port);
    expect(await portIsFree(port)).toBe(false);

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const seen = watch(page);
    const state = () => page.evaluate(() => (window as unknown as { __tickflow: PageState }).__tickflow);
    const ticksIn = async () => count(await page.textContent('#stat-ticks-in'));
    await page.goto(url);

    // The counters advance as ticks pass through the flow, and alerts appear as they fire.
    const first = await until('ticks to arrive', async () => (await ticksIn()) > 0 && ticksIn());
    await until('the counters to advance', async () => (await ticksIn()) > first);
    await until('an alert in the page', async () => (await page.locator('#feed li').count()) > 0);
    expect(count(await page.textContent('#stat-accepted'))).toBeGreaterThan(0);
    expect(count(await page.textContent('#stat-alerts'))).toBeGreaterThan(0);
    expect(await page.textContent('#status')).toBe('live');
    await until('a marker on the chart', async () => {
      const s = await state();
      return (s.markers[s.symbol]?.length ?? 0) > 0;
    });
    expect((await state()).updates).toBeGreaterThan(0);
    await page.screenshot({ path: join('test-results', 'dashboard.png') });

    // Reconnect: the page comes back with the current state, not from zero.
    const before = await ticksIn();
    const alertsBefore = (await state()).alerts;
    await page.reload();
    await until('the snapshot after the reload', async () => (await state()).snapshots === 1);
    expect(await ticksIn()).toBeGreaterThanOrEqual(before);
    expect((await state()).alerts).toBeGreaterThanOrEqual(alertsBefore);
    expect(await page.locator('#feed li').count()).toBeGreaterThan(0);
    expect((await state()).drawn).toBeGreaterThan(0);
    await until('the counters to advance after the reload', async () => (await ticksIn()) > before);

    expect(seen.errors).toEqual([]);
    expect(seen.requests.every((r) => r.startsWith(url))).toBe(true);

    // Ctrl-C with the page still connected: the command ends, the server and its port are released.
    signals.emit('SIGINT');
    expect(await exit).toBe(0);
    expect(out).toMatch(/stopped: [\d,]+ ticks in, [\d,]+ alerts; the port is closed/);
    expect(await portIsFree(port)).toBe(true);
    await expect(fetch(url)).rejects.toThrow();
    await until('the page to see the server go', async () => (await page.textContent('#status')) === 'reconnecting…');
    await page.close();
  });
});

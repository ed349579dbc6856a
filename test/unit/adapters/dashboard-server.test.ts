import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardServer, type DashboardSnapshot } from '../../../src/adapters/local/dashboard-server.js';
import type { IngestReport } from '../../../src/ports/flow-observer.port.js';
import type { Tick } from '../../../src/ports/model.js';
import { until } from '../../support/browser.js';

const servers: DashboardServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function report(ticks: Tick[]): IngestReport {
  return { accepted: ticks, applied: ticks.length, duplicates: 0, late: 0, rejected: { BAD_PRICE: 1 }, rejections: [], retried: 0 };
}
const tick = (i: number): Tick => ({
  symbol: 'AAPL',
  timestamp: 1704205800000 + i * 1000,
  price: 100 + (i % 7),
  units: (100 + (i % 7)) * 1e6,
  volume: 10,
});

/** Reads server-sent events from a URL until `stop` says enough. */
async function events(url: string, stop: (seen: { event: string; data: DashboardSnapshot }[]) => boolean) {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const seen: { event: string; data: DashboardSnapshot }[] = [];
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  while (!stop(seen)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) seen.push({ event, data: JSON.parse(data) });
      end = buffer.indexOf('\n\n');
    }
  }
  controller.abort();
  return { seen, headers: response.headers };
}

async function start(): Promise<{ server: DashboardServer; url: string; port: number }> {
  const server = new DashboardServer({ short: 2, long: 3, flushMs: 20 });
  servers.push(server);
  return { server, ...(await server.listen(0)) };
}

describe('DashboardServer', () => {
  it('sends a connecting page the whole current state first, then what changes', async () => {
    const { server, url } = await start();
    server.ingested(report([tick(0), tick(1), tick(2)]));
    let fed = false;
    const { seen, headers } = await events(`${url}events`, (s) => {
      if (s.length > 0 && !fed) {
        fed = true;
        server.ingested(report([tick(3), tick(4)]));
      }
      return s.some((e) => e.event === 'update' && e.data.counts.accepted === 5);
    });
    expect(headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(seen[0]?.event).toBe('snapshot');
    expect(seen[0]?.data.counts.accepted).toBe(3);
    expect(seen[0]?.data.series[0]?.t).toHaveLength(3);
    const update = seen.find((e) => e.event === 'update' && e.data.counts.accepted === 5)?.data;
    expect(update?.counts.rejected).toEqual({ BAD_PRICE: 2 });
    // The update carries what the snapshot may not have had; the page keeps the points later than its own.
    expect(update?.series[0]?.t.slice(-2)).toEqual([tick(3).timestamp, tick(4).timestamp]);
  });

  it('a page that reconnects starts from the current state, not from zero', async () => {
    const { server, url } = await start();
    server.ingested(report(Array.from({ length: 50 }, (_, i) => tick(i))));
    server.alerted([
      {
        id: 'AAPL#1#GOLDEN_CROSS',
        symbol: 'AAPL',
        signal: 'GOLDEN_CROSS',
        trend: 'UPTREND',
        timestamp: 1704205803000,
        price: 1,
        smaShort: 2,
        smaLong: 1,
      },
    ]);
    await until('a push', async () => ((await (await fetch(`${url}state`)).json()) as DashboardSnapshot).alerts.length === 1);
    const again = await events(`${url}events`, (s) => s.length > 0);
    expect(again.seen[0]?.event).toBe('snapshot');
    expect(again.seen[0]?.data.counts.ticksIn).toBe(51); // 50 accepted, 1 rejected
    expect(again.seen[0]?.data.alerts.map((a) => a.id)).toEqual(['AAPL#1#GOLDEN_CROSS']);
  });

  it('serves the page, and refuses other hosts, other methods and other paths', async () => {
    const { url, port } = await start();
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('connect-src &#39;self&#39;');
    expect((await fetch(`${url}nope`)).status).toBe(404);
    expect((await fetch(`${url}state`, { method: 'POST' })).status).toBe(405);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/state', headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('closes with pages connected: their streams end and the port is free', async () => {
    const { server, url, port } = await start();
    const streaming = fetch(`${url}events`);
    const response = await streaming;
    const reading = response.text();
    await server.close();
    await expect(reading).resolves.toContain('event: snapshot');
    const again = new DashboardServer();
    servers.push(again);
    await expect(again.listen(port)).resolves.toEqual({ url, port });
  });
});

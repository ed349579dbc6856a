import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ChartSeries, SeriesDownsampler } from '../../domain/chart-series.js';
import { type FlowCounts, FlowStats } from '../../domain/flow-stats.js';
import { resolveTrendOptions, type TrendOptions } from '../../domain/trend-tracker.js';
import type { Clock } from '../../ports/clock.port.js';
import type { FlowObserver, IngestReport } from '../../ports/flow-observer.port.js';
import type { Alert, RejectCode } from '../../ports/model.js';
import { type ChartClient, htmlPage, type PageAlert, pageAlert } from './chart-page.js';
import { ChartRecorder } from './chart-recorder.js';
import { SystemClock } from './clocks.js';

/**
 * Options of a `DashboardServer`.
 *
 * @example
 * const options: DashboardServerOptions = { short: 5, long: 20, describe: 'simulated market', flushMs: 250 };
 */
export interface DashboardServerOptions extends TrendOptions {
  readonly title?: string;
  /** One line saying what runs, e.g. `simulated market of 5 symbols`. */
  readonly describe?: string;
  /** How often changes are pushed to the pages (default 250 ms). */
  readonly flushMs?: number;
  /** Buckets per symbol of the state a page catches up from (default 1,024). */
  readonly maxBuckets?: number;
  readonly clock?: Clock;
}

/**
 * What the flow behind a dashboard is doing.
 *
 * @example
 * dashboard.setStatus('finished' satisfies DashboardState);
 */
export type DashboardState = 'running' | 'finished' | 'failed' | 'stopping';

/**
 * The whole current state: what a page draws when it (re)connects.
 *
 * @example
 * const snap: DashboardSnapshot = await (await fetch(`${url}state`)).json();
 */
export interface DashboardSnapshot {
  readonly status: { readonly state: DashboardState; readonly message?: string };
  readonly counts: FlowCounts;
  /** Ticks in per second over the last two seconds. */
  readonly rate: number;
  readonly series: ChartSeries[];
  readonly alerts: PageAlert[];
}

/**
 * What changed since the last push: new points per symbol (downsampled), new alerts, and the counters.
 *
 * @example
 * events.addEventListener('update', (e) => { const u: DashboardUpdate = JSON.parse(e.data); });
 */
export type DashboardUpdate = DashboardSnapshot;

interface Boot {
  readonly title: string;
  readonly describe?: string;
  readonly short: number;
  readonly long: number;
}

/** Buckets per symbol per push: up to 64 ticks go as they are, more are downsampled (crossovers kept). */
const PUSH_BUCKETS = 64;
/** A page that has not read this much of what was sent is dropped; it reconnects and catches up. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

const BODY = `<header><h1 id="title">tickflow dashboard</h1><p><span id="status" class="status">connecting…</span> <span id="about"></span></p></header>
<main>
<section><h2>Flow</h2><dl class="stats">
<div><dt>ticks/s</dt><dd id="stat-rate">0</dd></div>
<div><dt>ticks in</dt><dd id="stat-ticks-in">0</dd></div>
<div><dt>accepted</dt><dd><span id="stat-accepted">0</span><small id="stat-accepted-note"></small></dd></div>
<div><dt>rejected</dt><dd><span id="stat-rejected">0</span><small id="stat-rejected-codes"></small></dd></div>
<div><dt>alerts</dt><dd><span id="stat-alerts">0</span><small id="stat-alerts-note"></small></dd></div>
</dl></section>
<section id="charts"><nav class="picker" id="picker" aria-label="Symbols"></nav><div id="chart"></div><p class="note" id="drawn"></p></section>
<section><h2>Alerts, newest first</h2><ul class="feed" id="feed"></ul></section>
</main>`;

/**
 * The live dashboard: a `FlowObserver` that keeps the flow's counters and each symbol's
 * chart state (a `ChartRecorder`), and a small HTTP server on 127.0.0.1 that serves one page
 * and pushes changes to it with Server-Sent Events. Every `flushMs` the points applied since
 * the last push (downsampled per symbol, crossovers kept), the new alerts and the counters go
 * to every page as one `update` event. A page that connects — first time, or again after a
 * drop — first receives a `snapshot` event with the whole current state, so it catches up
 * from where the flow is, not from zero. `GET /state` returns the same snapshot as JSON.
 *
 * @example
 * const dashboard = new DashboardServer({ short: 5, long: 20 });
 * const { url } = await dashboard.listen(0);
 * await replay(source, { observers: [dashboard] });
 * await dashboard.close();
 */
export class DashboardServer implements FlowObserver {
  private readonly stats = new FlowStats();
  private readonly recorder: ChartRecorder;
  private readonly clock: Clock;
  private readonly page: string;
  private pending = new Map<string, SeriesDownsampler>();
  private fresh: Alert[] = [];
  private status: { state: DashboardState; message?: string } = { state: 'running' };
  private readonly clients = new Set<ServerResponse>();
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private samples: { at: number; ticksIn: number }[] = [];
  private rate = 0;
  private changed = true;
  private lastSent = 0;

  constructor(private readonly options: DashboardServerOptions = {}) {
    const trend = resolveTrendOptions(options);
    this.clock = options.clock ?? new SystemClock();
    this.recorder = new ChartRecorder({
      ...trend,
      maxBuckets: options.maxBuckets,
      onPoint: (symbol, point, volume, crossover) => {
        let samples = this.pending.get(symbol);
        if (samples === undefined) {
          samples = new SeriesDownsampler(PUSH_BUCKETS);
          this.pending.set(symbol, samples);
        }
        samples.push(point, volume, crossover);
      },
    });
    const boot: Boot = { title: options.title ?? 'tickflow dashboard', describe: options.describe, short: trend.short, long: trend.long };
    this.page = htmlPage({ title: boot.title, connect: "'self'", body: BODY, data: boot, main: dashboardPage.toString() });
  }

  ingested(report: IngestReport): void {
    this.stats.ingested(report);
    this.recorder.ingested(report);
    this.changed = true;
  }

  alerted(alerts: readonly Alert[]): void {
    this.stats.alerted(alerts);
    this.recorder.alerted(alerts);
    this.fresh.push(...alerts);
    this.changed = true;
  }

  sourceRejected(code: RejectCode, message: string): void {
    this.stats.sourceRejected(code, message);
    this.changed = true;
  }

  /** Says what the flow is doing (shown on the page). */
  setStatus(state: DashboardState, message?: string): void {
    this.status = message === undefined ? { state } : { state, message };
    this.changed = true;
  }

  /** The counters so far. */
  get counts(): FlowCounts {
    return this.stats.counts;
  }

  /** The whole current state, as a page receives it on connecting. */
  snapshot(): DashboardSnapshot {
    return {
      status: this.status,
      counts: structuredClone(this.stats.counts),
      rate: this.rate,
      series: this.recorder.series(),
      alerts: this.recorder.alerts().map(pageAlert),
    };
  }

  /** Starts serving on 127.0.0.1 (`port` 0 picks a free one) and pushing changes. */
  async listen(port = 0): Promise<{ url: string; port: number }> {
    if (this.server !== undefined) throw new Error('the dashboard is already listening');
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.lastSent = this.clock.now();
    this.timer = setInterval(() => this.flush(), this.options.flushMs ?? 250);
    const bound = (server.address() as AddressInfo).port;
    return { url: `http://127.0.0.1:${bound}/`, port: bound };
  }

  /** Ends every page's event stream and closes the server: the port is free when this resolves. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const res of this.clients) res.end();
    this.clients.clear();
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // Only pages served from here (not another site resolving its name to 127.0.0.1).
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(req.headers.host ?? '')) {
      plain(res, 403, 'forbidden host');
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'method not allowed');
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(this.page);
    } else if (path === '/state') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(this.snapshot()));
    } else if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      res.write(event('snapshot', this.snapshot()));
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
    } else if (path === '/favicon.ico') {
      res.writeHead(204).end();
    } else {
      plain(res, 404, 'not found');
    }
  }

  private flush(): void {
    const now = this.clock.now();
    const ticksIn = this.stats.counts.ticksIn;
    this.samples.push({ at: now, ticksIn });
    while (this.samples.length > 2 && now - (this.samples[0] as { at: number }).at > 2000) this.samples.shift();
    const oldest = this.samples[0] as { at: number; ticksIn: number };
    const rate = now > oldest.at ? Math.round(((ticksIn - oldest.ticksIn) * 1000) / (now - oldest.at)) : 0;
    if (rate !== this.rate) this.changed = true;
    this.rate = rate;
    if (!this.changed) {
      if (now - this.lastSent >= HEARTBEAT_MS) this.broadcast(': keep-alive\n\n', now);
      return;
    }
    const update: DashboardUpdate = {
      status: this.status,
      counts: structuredClone(this.stats.counts),
      rate,
      series: [...this.pending].map(([symbol, samples]) => samples.toSeries(symbol)),
      alerts: this.fresh.map(pageAlert),
    };
    this.pending = new Map();
    this.fresh = [];
    this.changed = false;
    this.broadcast(event('update', update), now);
  }

  private broadcast(text: string, now: number): void {
    this.lastSent = now;
    for (const res of this.clients) {
      if (res.writableLength > MAX_BACKLOG_BYTES) {
        res.destroy();
        this.clients.delete(res);
        continue;
      }
      res.write(text);
    }
  }
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/** The dashboard page's own browser code (shipped as source text: self-contained). */
function dashboardPage(core: ChartClient, boot: Boot): void {
  type Alert = PageAlert;
  type Series = {
    t: number[];
    price: number[];
    smaShort: (number | null)[];
    smaLong: (number | null)[];
    volumeT: number[];
    volume: number[];
    ticks: number;
    ticksPerBar: number;
  };
  type Store = { series: Series; alerts: Alert[]; ids: Set<string> };
  /** Points a page keeps per symbol before it catches up again from the server's downsampled state. */
  const LIMIT = 20_000;
  const FEED = 100;
  const state = {
    snapshots: 0,
    updates: 0,
    resyncs: 0,
    connected: false,
    status: 'connecting',
    symbol: '',
    counts: undefined as FlowCounts | undefined,
    rate: 0,
    alerts: 0,
    /** Points of the shown symbol's price line. */
    drawn: 0,
    markers: {} as Record<string, unknown[]>,
  };
  (window as unknown as { __tickflow: typeof state }).__tickflow = state;
  const $ = (id: string) => document.getElementById(id) as HTMLElement;
  const { el, fmtCount, fmtTime } = core;
  $('title').textContent = boot.title;
  $('about').textContent = [boot.describe, `SMA ${boot.short}/${boot.long}`].filter((x) => x !== undefined && x !== '').join(' · ');

  const chart = core.createSymbolChart($('chart'), { short: boot.short, long: boot.long });
  const stores = new Map<string, Store>();
  let feed: Alert[] = [];
  let serverState = 'running';

  function emptySeries(): Series {
    return { t: [], price: [], smaShort: [], smaLong: [], volumeT: [], volume: [], ticks: 0, ticksPerBar: 1 };
  }
  function storeOf(symbol: string): Store {
    let store = stores.get(symbol);
    if (store === undefined) {
      store = { series: emptySeries(), alerts: [], ids: new Set() };
      stores.set(symbol, store);
      renderPicker();
    }
    return store;
  }
  function addAlert(a: Alert): boolean {
    const store = storeOf(a.symbol);
    if (store.ids.has(a.id)) return false;
    store.ids.add(a.id);
    store.alerts.push(a);
    feed.push(a);
    state.alerts++;
    return true;
  }

  function renderPicker(): void {
    const picker = $('picker');
    const symbols = [...stores.keys()].sort();
    picker.replaceChildren(
      ...symbols.map((symbol) => {
        const b = el('button', { type: 'button', 'data-symbol': symbol, 'aria-pressed': String(symbol === state.symbol) }, symbol);
        b.addEventListener('click', () => select(symbol));
        return b;
      }),
    );
    picker.hidden = symbols.length <= 1;
  }

  function select(symbol: string): void {
    const store = stores.get(symbol);
    if (store === undefined) return;
    state.symbol = symbol;
    chart.show(store.series, store.alerts);
    state.markers[symbol] = chart.markers();
    $('picker')
      .querySelectorAll('button')
      .forEach((b) => {
        b.setAttribute('aria-pressed', String(b.dataset.symbol === symbol));
      });
    note();
  }

  function note(): void {
    const store = stores.get(state.symbol);
    if (store === undefined) return;
    state.drawn = chart.counts().price;
    $('drawn').textContent = `${state.symbol}: ${fmtCount(store.series.t.length)} points drawn, ${fmtCount(store.alerts.length)} alerts`;
  }

  function renderCounters(s: { counts: FlowCounts; rate: number; status: { state: string; message?: string } }): void {
    const c = s.counts;
    state.counts = c;
    state.rate = s.rate;
    serverState = s.status.state;
    $('stat-rate').textContent = fmtCount(s.rate);
    $('stat-ticks-in').textContent = fmtCount(c.ticksIn);
    $('stat-accepted').textContent = fmtCount(c.accepted);
    $('stat-accepted-note').textContent =
      `applied ${fmtCount(c.applied)} · duplicates ${fmtCount(c.duplicates)} · late ${fmtCount(c.late)}`;
    $('stat-rejected').textContent = fmtCount(c.rejectedTotal);
    $('stat-rejected-codes').textContent = Object.entries(c.rejected)
      .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
      .map(([code, n]) => `${code} ${fmtCount(n ?? 0)}`)
      .join(' · ');
    $('stat-alerts').textContent = fmtCount(c.alerts.GOLDEN_CROSS + c.alerts.DEATH_CROSS);
    $('stat-alerts-note').textContent = `Golden Cross ${fmtCount(c.alerts.GOLDEN_CROSS)} · Death Cross ${fmtCount(c.alerts.DEATH_CROSS)}`;
    renderStatus(s.status.message);
  }

  function renderStatus(message?: string): void {
    const badge = $('status');
    const text = !state.connected
      ? state.snapshots === 0
        ? 'connecting…'
        : 'reconnecting…'
      : serverState === 'running'
        ? 'live'
        : serverState === 'finished'
          ? 'source finished'
          : serverState === 'failed'
            ? `failed: ${message ?? ''}`
            : 'stopping';
    state.status = text;
    badge.textContent = text;
    badge.className = `status ${state.connected && serverState !== 'failed' ? 'live' : 'down'}`;
  }

  function renderFeed(): void {
    feed.sort((a, b) => a.t - b.t);
    if (feed.length > FEED) feed = feed.slice(-FEED);
    $('feed').replaceChildren(
      ...feed
        .slice()
        .reverse()
        .map((a) => {
          const li = el('li', { class: a.signal === 'GOLDEN_CROSS' ? 'golden' : 'death', 'data-id': a.id });
          const f = core.fmtAlert(a);
          li.append(
            el('b', {}, core.signalName(a.signal)),
            ` ${a.symbol} · ${fmtTime(a.t)} · price ${f.price} · SMA-${boot.short} ${f.smaShort} · SMA-${boot.long} ${f.smaLong}`,
          );
          li.addEventListener('click', () => {
            if (a.symbol !== state.symbol) select(a.symbol);
            chart.focus(a);
          });
          return li;
        }),
    );
  }

  function applySnapshot(snap: DashboardSnapshot): void {
    stores.clear();
    feed = [];
    state.alerts = 0;
    for (const s of snap.series) {
      stores.set(s.symbol, {
        series: {
          ...s,
          t: [...s.t],
          price: [...s.price],
          smaShort: [...s.smaShort],
          smaLong: [...s.smaLong],
          volumeT: [...s.volumeT],
          volume: [...s.volume],
        },
        alerts: [],
        ids: new Set(),
      });
    }
    for (const a of snap.alerts) addAlert(a);
    renderPicker();
    const symbol = stores.has(state.symbol) ? state.symbol : [...stores.keys()].sort()[0];
    if (symbol !== undefined) select(symbol);
    renderCounters(snap);
    renderFeed();
    state.snapshots++;
  }

  function applyUpdate(u: DashboardUpdate): void {
    let tooLong = false;
    let marks = false;
    for (const s of u.series) {
      const store = storeOf(s.symbol);
      const mine = store.series;
      let lastT = mine.t.length > 0 ? (mine.t[mine.t.length - 1] as number) : Number.NEGATIVE_INFINITY;
      for (let i = 0; i < s.t.length; i++) {
        const t = s.t[i] as number;
        if (t <= lastT) continue; // already drawn: the snapshot held it
        lastT = t;
        mine.t.push(t);
        mine.price.push(s.price[i] as number);
        mine.smaShort.push(s.smaShort[i] ?? null);
        mine.smaLong.push(s.smaLong[i] ?? null);
      }
      let lastV = mine.volumeT.length > 0 ? (mine.volumeT[mine.volumeT.length - 1] as number) : Number.NEGATIVE_INFINITY;
      for (let i = 0; i < s.volumeT.length; i++) {
        const t = s.volumeT[i] as number;
        if (t <= lastV) continue;
        lastV = t;
        mine.volumeT.push(t);
        mine.volume.push(s.volume[i] as number);
      }
      if (s.symbol === state.symbol) chart.append(s);
      if (mine.t.length > LIMIT) tooLong = true;
    }
    for (const a of u.alerts) if (addAlert(a) && a.symbol === state.symbol) marks = true;
    if (state.symbol === '' && stores.size > 0) select([...stores.keys()].sort()[0] as string);
    else if (marks) {
      const store = stores.get(state.symbol);
      if (store !== undefined) chart.setAlerts(store.alerts);
      state.markers[state.symbol] = chart.markers();
    }
    if (u.alerts.length > 0) renderFeed();
    renderCounters(u);
    note();
    state.updates++;
    if (tooLong) {
      state.resyncs++;
      fetch('/state')
        .then((r) => r.json())
        .then(applySnapshot, () => undefined);
    }
  }

  const source = new EventSource('/events');
  source.addEventListener('open', () => {
    state.connected = true;
    renderStatus();
  });
  source.addEventListener('error', () => {
    state.connected = false;
    renderStatus();
  });
  source.addEventListener('snapshot', (e) => {
    state.connected = true;
    applySnapshot(JSON.parse((e as MessageEvent).data));
  });
  source.addEventListener('update', (e) => applyUpdate(JSON.parse((e as MessageEvent).data)));
}

import { writeFile } from 'node:fs/promises';
import type { ChartReport } from '../../domain/chart-series.js';
import { type ChartClient, htmlPage, type PageAlert } from './chart-page.js';

/** One symbol's alerts in columns, as the report embeds them (`golden`: 1 Golden Cross, 0 Death Cross). */
interface AlertColumns {
  t: number[];
  golden: number[];
  price: number[];
  smaShort: number[];
  smaLong: number[];
}

/** The data a report page embeds: the report, with its alerts in columns per symbol. */
interface EmbeddedReport extends Omit<ChartReport, 'alerts'> {
  readonly alerts: Record<string, AlertColumns>;
}

const BODY = `<header><h1 id="title">tickflow report</h1><p id="about"></p></header>
<main>
<section id="summary"><h2 id="summary-title">Run summary</h2><dl class="stats" id="stats"></dl><p class="note" id="rejected"></p></section>
<section id="charts"><nav class="picker" id="picker" aria-label="Symbols"></nav><div id="chart"></div><p class="note" id="drawn"></p></section>
<section id="alerts">
<div class="toolbar"><h2>Alerts</h2>
<label><input type="radio" name="scope" value="symbol" checked> this symbol</label>
<label><input type="radio" name="scope" value="all"> all symbols</label></div>
<table><thead><tr><th class="num">#</th><th>time (UTC)</th><th>symbol</th><th>signal</th><th class="num">price</th><th class="num" id="th-short">SMA-short</th><th class="num" id="th-long">SMA-long</th></tr></thead>
<tbody id="alert-rows"></tbody></table>
<div class="pager"><button type="button" id="prev">‹ previous</button><span id="page"></span><button type="button" id="next">next ›</button></div>
</section>
</main>`;

/**
 * Renders a chart report as one self-contained HTML page: lightweight-charts inlined, the
 * data embedded as JSON, no request of any kind (its Content-Security-Policy forbids them).
 * Per symbol: price, SMA-short and SMA-long lines, a marker at every alert with a tooltip,
 * volume bars below; a symbol picker; the run summary; a table of alerts whose rows take
 * the chart to their point. For tests, the page publishes `window.__tickflow`: the markers
 * handed to each chart (`markers[symbol]`), the series sizes, and `drawnAt` (ms from the
 * start of navigation to the first chart drawn).
 *
 * @example
 * const html = renderHtmlReport(recorder.toReport({ title: 'tickflow replay', generatedAt: Date.now() }));
 */
export function renderHtmlReport(report: ChartReport): string {
  const alerts: Record<string, AlertColumns> = {};
  for (const a of report.alerts) {
    let c = alerts[a.symbol];
    if (c === undefined) {
      c = { t: [], golden: [], price: [], smaShort: [], smaLong: [] };
      alerts[a.symbol] = c;
    }
    c.t.push(a.timestamp);
    c.golden.push(a.signal === 'GOLDEN_CROSS' ? 1 : 0);
    c.price.push(a.price);
    c.smaShort.push(a.smaShort);
    c.smaLong.push(a.smaLong);
  }
  const data: EmbeddedReport = {
    title: report.title,
    describe: report.describe,
    generatedAt: report.generatedAt,
    short: report.short,
    long: report.long,
    counts: report.counts,
    series: report.series,
    alerts,
  };
  return htmlPage({ title: report.title, body: BODY, data, main: reportPage.toString() });
}

/**
 * Writes `renderHtmlReport(report)` to a file and says how big it is.
 *
 * @example
 * const { bytes } = await writeHtmlReport('report.html', report);
 */
export async function writeHtmlReport(path: string, report: ChartReport): Promise<{ bytes: number }> {
  const html = renderHtmlReport(report);
  await writeFile(path, html);
  return { bytes: Buffer.byteLength(html) };
}

/** The report page's own browser code (shipped as source text: self-contained). */
function reportPage(core: ChartClient, data: EmbeddedReport, started: number): void {
  type Alert = PageAlert;
  const PAGE = 100;
  const state = {
    scriptStart: started,
    drawnAt: undefined as number | undefined,
    symbol: '',
    symbols: data.series.map((s) => s.symbol),
    markers: {} as Record<string, unknown[]>,
    series: {} as Record<string, ReturnType<ReturnType<ChartClient['createSymbolChart']>['counts']>>,
    drawMs: {} as Record<string, number>,
  };
  (window as unknown as { __tickflow: typeof state }).__tickflow = state;
  const $ = (id: string) => document.getElementById(id) as HTMLElement;
  const { el, fmtCount, fmtTime } = core;

  document.title = data.title;
  $('title').textContent = data.title;
  $('about').textContent = [data.describe, `SMA ${data.short}/${data.long}`, `made ${fmtTime(data.generatedAt)} UTC`]
    .filter((x) => x !== undefined && x !== '')
    .join(' · ');
  $('th-short').textContent = `SMA-${data.short}`;
  $('th-long').textContent = `SMA-${data.long}`;

  const cache = new Map<string, Alert[]>();
  function alertsOf(symbol: string): Alert[] {
    let list = cache.get(symbol);
    if (list !== undefined) return list;
    const c = data.alerts[symbol];
    list = [];
    if (c !== undefined) {
      for (let i = 0; i < c.t.length; i++) {
        const signal = c.golden[i] === 1 ? 'GOLDEN_CROSS' : 'DEATH_CROSS';
        const t = c.t[i] as number;
        list.push({
          id: `${symbol}#${t}#${signal}`,
          symbol,
          signal,
          t,
          price: c.price[i] as number,
          smaShort: c.smaShort[i] as number,
          smaLong: c.smaLong[i] as number,
        });
      }
    }
    cache.set(symbol, list);
    return list;
  }
  let everyAlert: Alert[] | undefined;
  function allAlerts(): Alert[] {
    if (everyAlert === undefined) {
      everyAlert = Object.keys(data.alerts)
        .flatMap(alertsOf)
        .sort((a, b) => a.t - b.t || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    }
    return everyAlert;
  }

  // The summary: the run's counts when the report knows them, else what the lake gave.
  const alertTotals = { golden: 0, death: 0 };
  for (const c of Object.values(data.alerts)) {
    for (const g of c.golden) {
      if (g === 1) alertTotals.golden++;
      else alertTotals.death++;
    }
  }
  const stats: [string, string, number, string][] = [];
  const counts = data.counts;
  if (counts !== undefined) {
    const codes = Object.entries(counts.rejected)
      .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
      .map(([code, n]) => `${code} ${fmtCount(n ?? 0)}`)
      .join(' · ');
    stats.push(['ticks-in', 'ticks in', counts.ticksIn, '']);
    stats.push([
      'accepted',
      'accepted',
      counts.accepted,
      `applied ${fmtCount(counts.applied)} · duplicates ${fmtCount(counts.duplicates)} · late ${fmtCount(counts.late)}`,
    ]);
    stats.push(['rejected', 'rejected', counts.rejectedTotal, codes]);
  } else {
    $('summary-title').textContent = 'Summary';
    stats.push(['symbols', 'symbols', data.series.length, '']);
    stats.push(['ticks', 'ticks', data.series.reduce((n, s) => n + s.ticks, 0), 'applied, read from the lake']);
  }
  stats.push([
    'alerts',
    'alerts',
    alertTotals.golden + alertTotals.death,
    `Golden Cross ${fmtCount(alertTotals.golden)} · Death Cross ${fmtCount(alertTotals.death)}`,
  ]);
  for (const [id, label, value, note] of stats) {
    const dd = el('dd', { id: `stat-${id}` }, fmtCount(value));
    if (note !== '') dd.append(el('small', {}, note));
    const box = el('div');
    box.append(el('dt', {}, label), dd);
    $('stats').append(box);
  }
  if (counts !== undefined && counts.rejectionSamples.length > 0) {
    $('rejected').textContent = `First rejected records: ${counts.rejectionSamples.slice(0, 3).join(' | ')}`;
  }

  // The chart and the symbol picker.
  const chart = core.createSymbolChart($('chart'), { short: data.short, long: data.long });
  const bySymbol = new Map(data.series.map((s) => [s.symbol, s]));
  const picker = $('picker');
  picker.hidden = data.series.length <= 1;
  for (const s of data.series) {
    const button = el('button', { type: 'button', 'data-symbol': s.symbol, 'aria-pressed': 'false' }, s.symbol);
    button.append(el('small', {}, `${fmtCount(alertsOf(s.symbol).length)} alerts`));
    button.addEventListener('click', () => select(s.symbol));
    picker.append(button);
  }

  let scope: 'symbol' | 'all' = 'symbol';
  let page = 0;
  function rows(): Alert[] {
    return scope === 'all' ? allAlerts() : alertsOf(state.symbol);
  }
  function renderTable(): void {
    const list = rows();
    const pages = Math.max(1, Math.ceil(list.length / PAGE));
    page = Math.min(page, pages - 1);
    const body = $('alert-rows');
    body.replaceChildren();
    const from = page * PAGE;
    list.slice(from, from + PAGE).forEach((a, i) => {
      const figures = core.fmtAlert(a);
      const tr = el('tr', { class: a.signal === 'GOLDEN_CROSS' ? 'golden' : 'death', 'data-id': a.id });
      const link = el('a', { href: '#chart' }, fmtTime(a.t));
      const cell = el('td');
      cell.append(link);
      tr.append(
        el('td', { class: 'num' }, String(from + i + 1)),
        cell,
        el('td', {}, a.symbol),
        el('td', { class: 'sig' }, core.signalName(a.signal)),
        el('td', { class: 'num' }, figures.price),
        el('td', { class: 'num' }, figures.smaShort),
        el('td', { class: 'num' }, figures.smaLong),
      );
      tr.addEventListener('click', (event) => {
        event.preventDefault();
        if (a.symbol !== state.symbol) select(a.symbol, false);
        $('charts').scrollIntoView({ block: 'nearest' });
        chart.focus(a);
      });
      body.append(tr);
    });
    $('page').textContent =
      list.length === 0 ? 'no alerts' : `${fmtCount(from + 1)}–${fmtCount(Math.min(from + PAGE, list.length))} of ${fmtCount(list.length)}`;
    ($('prev') as HTMLButtonElement).disabled = page === 0;
    ($('next') as HTMLButtonElement).disabled = page >= pages - 1;
  }
  $('prev').addEventListener('click', () => {
    page--;
    renderTable();
  });
  $('next').addEventListener('click', () => {
    page++;
    renderTable();
  });
  document.querySelectorAll<HTMLInputElement>('input[name="scope"]').forEach((input) => {
    input.addEventListener('change', () => {
      scope = input.value === 'all' ? 'all' : 'symbol';
      page = 0;
      renderTable();
    });
  });

  function select(symbol: string, resetPage = true): void {
    const s = bySymbol.get(symbol);
    if (s === undefined) return;
    const t0 = performance.now();
    chart.show(s, alertsOf(symbol));
    state.symbol = symbol;
    state.markers[symbol] = chart.markers();
    state.series[symbol] = chart.counts();
    picker.querySelectorAll('button').forEach((b) => {
      b.setAttribute('aria-pressed', String(b.dataset.symbol === symbol));
    });
    $('drawn').textContent =
      `${symbol}: ${fmtCount(s.t.length)} points drawn for ${fmtCount(s.ticks)} applied ticks` +
      (s.ticksPerBar > 1
        ? ` — downsampled to the pixels: each run of ${fmtCount(s.ticksPerBar)} ticks is drawn as its first, lowest, highest and last point, every alert's point is kept, and a volume bar sums the run.`
        : '.');
    if (resetPage) page = 0;
    renderTable();
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        state.drawMs[symbol] = performance.now() - t0;
        if (state.drawnAt === undefined) state.drawnAt = performance.now();
      }),
    );
  }

  const first = data.series[0];
  if (first === undefined) {
    $('drawn').textContent = 'No ticks were applied: there is nothing to draw.';
    renderTable();
    state.drawnAt = performance.now();
  } else {
    select(first.symbol);
  }
}

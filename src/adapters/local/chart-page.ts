import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Lwc from 'lightweight-charts';
import type { Alert } from '../../ports/model.js';

/*
 * What the report and the dashboard share: the chart library inlined, the page shell, the
 * style, and the code that runs in the browser. That code is written here as plain functions
 * (type-checked and linted with the rest) and shipped as their source text, so the pages
 * need no bundler, no framework and no network. Each shipped function must be
 * self-contained: it may use only its parameters and browser globals.
 *
 * Time on the charts: lightweight-charts wants strictly increasing times per series, as
 * UTC seconds. A point's time is its tick's epoch milliseconds / 1000, fraction kept. The
 * library orders and spaces points by that number (one slot per point), so sub-second ticks
 * keep their own points and their order; labels and tooltips are formatted here, in UTC, with
 * the milliseconds. Per symbol, applied ticks have strictly increasing timestamps (the
 * domain's rule), so the drawn times strictly increase too.
 */

let library: string | undefined;

/**
 * The source of lightweight-charts' standalone build (it defines `window.LightweightCharts`),
 * read once from the installed package: the pages inline it so they open with no network.
 *
 * @example
 * const js = chartLibrarySource(); // the library's minified source, about 200 KB
 */
export function chartLibrarySource(): string {
  if (library === undefined) {
    // Relative to this module, so it works from dist/ in an installed package (tsup shims import.meta.url in CommonJS).
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('lightweight-charts/package.json'));
    library = readFileSync(join(root, 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
    if (/<\/script|<!--/i.test(library)) throw new Error('lightweight-charts cannot be inlined: its source contains </script or <!--');
  }
  return library;
}

/**
 * JSON that is safe inside a `<script>` element: every `<` is escaped, so no `</script>` or
 * `<!--` in the data can end the element.
 *
 * @example
 * embedJson({ note: '</script>' }); // '{"note":"\\u003c/script>"}'
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Text made safe for HTML content and attribute values.
 *
 * @example
 * escapeHtml('<b>&"'); // '&lt;b&gt;&amp;&quot;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * An alert as the pages carry it: `t` is the epoch ms of its tick.
 *
 * @example
 * const a: PageAlert = { id: 'AAPL#1704205800000#GOLDEN_CROSS', symbol: 'AAPL', signal: 'GOLDEN_CROSS', t: 1704205800000, price: 187.43, smaShort: 187.2, smaLong: 187.1 };
 */
export interface PageAlert {
  readonly id: string;
  readonly symbol: string;
  readonly signal: 'GOLDEN_CROSS' | 'DEATH_CROSS';
  readonly t: number;
  readonly price: number;
  readonly smaShort: number;
  readonly smaLong: number;
}

/**
 * A drawn series as the pages take it (a `ChartSeries` has these columns and more).
 *
 * @example
 * const s: PageSeries = { t: [1704205800000], price: [187.43], smaShort: [null], smaLong: [null], volumeT: [1704205800000], volume: [100] };
 */
export interface PageSeries {
  readonly t: readonly number[];
  readonly price: readonly number[];
  readonly smaShort: readonly (number | null)[];
  readonly smaLong: readonly (number | null)[];
  readonly volumeT: readonly number[];
  readonly volume: readonly number[];
}

/**
 * An alert in the pages' shape.
 *
 * @example
 * pageAlert(alert).t === alert.timestamp; // true
 */
export function pageAlert(a: Alert): PageAlert {
  return { id: a.id, symbol: a.symbol, signal: a.signal, t: a.timestamp, price: a.price, smaShort: a.smaShort, smaLong: a.smaLong };
}

/** The parts of a page; `main` is the source of a function `(core, data, started) => void`. */
interface PageParts {
  readonly title: string;
  /** Content-Security-Policy `connect-src` (default `'none'`: no request at all). */
  readonly connect?: string;
  readonly body: string;
  readonly data: unknown;
  readonly main: string;
}

/**
 * A whole page: the style, the markup, the data as JSON, the chart library, the shared
 * browser code and the page's own. Its Content-Security-Policy forbids every request but
 * `connect` (none by default), so a page that works, works offline.
 *
 * @example
 * htmlPage({ title: 'x', body: '<div id="chart"></div>', data: {}, main: String(myMain) });
 */
export function htmlPage(parts: PageParts): string {
  const csp = `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src ${parts.connect ?? "'none'"}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<title>${escapeHtml(parts.title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
${parts.body}
<script type="application/json" id="tickflow-data">${embedJson(parts.data)}</script>
<script>${chartLibrarySource()}</script>
<script>
(function () {
  var started = performance.now();
  var core = (${chartClient.toString()})(window.LightweightCharts);
  var data = JSON.parse(document.getElementById('tickflow-data').textContent);
  (${parts.main})(core, data, started);
})();
</script>
</body>
</html>
`;
}

const PAGE_CSS = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --golden: #15803d; --death: #dc2626; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f9fafb; }
header { padding: 14px 20px 10px; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { margin: 0; font-size: 18px; }
header p { margin: 2px 0 0; color: var(--muted); }
main { padding: 12px 20px 24px; max-width: 1600px; margin: 0 auto; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-bottom: 12px; }
h2 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.stats { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0; }
.stats div { min-width: 110px; }
.stats dt { color: var(--muted); font-size: 12px; }
.stats dd { margin: 0; font-size: 20px; font-variant-numeric: tabular-nums; font-weight: 600; }
.stats dd small { display: block; font-size: 12px; font-weight: 400; color: var(--muted); }
.picker { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 10px; }
.picker[hidden] { display: none; }
.picker button { font: inherit; padding: 4px 10px; border: 1px solid var(--line); border-radius: 999px; background: #fff; cursor: pointer; }
.picker button[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
.picker button small { opacity: .75; margin-left: 4px; }
.chart-host { position: relative; height: 460px; }
.chart-box { position: absolute; inset: 0; }
.legend { position: absolute; left: 8px; top: 6px; z-index: 3; pointer-events: none; font-size: 12px; background: rgba(255,255,255,.85); padding: 2px 6px; border-radius: 4px; font-variant-numeric: tabular-nums; }
.legend b { margin-right: 6px; }
.legend .k { display: inline-block; width: 10px; height: 3px; vertical-align: middle; margin: 0 3px 0 8px; }
.tip { position: absolute; z-index: 4; pointer-events: none; min-width: 190px; background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 6px; box-shadow: 0 4px 14px rgba(0,0,0,.12); padding: 6px 9px; font-size: 12px; font-variant-numeric: tabular-nums; }
.tip.golden { border-left-color: var(--golden); } .tip.death { border-left-color: var(--death); }
.tip strong { display: block; font-size: 13px; }
.tip.golden strong { color: var(--golden); } .tip.death strong { color: var(--death); }
.note { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
td.num, th.num { text-align: right; }
tr.golden td.sig { color: var(--golden); } tr.death td.sig { color: var(--death); }
tbody tr { cursor: pointer; } tbody tr:hover { background: #f3f4f6; }
a { color: var(--accent); }
.pager { display: flex; gap: 10px; align-items: center; margin-top: 8px; color: var(--muted); }
.pager button, .toolbar button { font: inherit; padding: 2px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
.toolbar { display: flex; gap: 14px; align-items: center; margin-bottom: 8px; }
.status { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; background: #e5e7eb; }
.status.live { background: #dcfce7; color: #166534; } .status.down { background: #fee2e2; color: #991b1b; }
ul.feed { list-style: none; margin: 0; padding: 0; max-height: 280px; overflow: auto; font-variant-numeric: tabular-nums; }
ul.feed li { padding: 3px 0; border-bottom: 1px solid var(--line); cursor: pointer; }
ul.feed li.golden b { color: var(--golden); } ul.feed li.death b { color: var(--death); }
`;

/**
 * The browser code both pages share: formatting, and a chart of one symbol — price,
 * SMA-short, SMA-long, volume bars in a pane below, a marker per alert with a tooltip.
 * Shipped as source text (see the top of this file): it must stay self-contained.
 *
 * @example
 * const core = chartClient(window.LightweightCharts);
 * const chart = core.createSymbolChart(document.getElementById('chart'), { short: 5, long: 20 });
 */
export function chartClient(lib: typeof Lwc) {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const toTime = (ms: number) => (ms / 1000) as Lwc.UTCTimestamp;

  /** UTC, with milliseconds when there are any: `2024-01-02 14:30:00.250`. */
  function fmtTime(ms: number): string {
    const d = new Date(ms);
    const text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    return d.getUTCMilliseconds() === 0 ? text : `${text}.${pad(d.getUTCMilliseconds(), 3)}`;
  }

  /**
   * A number to `digits` decimals, trailing zeros dropped. Without `digits`: exactly, when 9
   * decimals or fewer hold it (a price at any --decimals), else to 6 (an average).
   */
  function fmtNum(n: number | null | undefined, digits?: number): string {
    if (n === null || n === undefined || !Number.isFinite(n)) return '–';
    if (digits === undefined) return fmtAverage(n, 6);
    return String(Number(n.toFixed(digits)));
  }

  /** The decimals a price has (0 to 9: the most a lake keeps). */
  function decimalsOf(n: number): number {
    let d = 0;
    while (d < 9 && Number(n.toFixed(d)) !== n) d++;
    return d;
  }

  /** An average: exactly when 9 decimals hold it, else to `digits` (the prices' decimals, 6 at least). */
  function fmtAverage(n: number | null | undefined, digits: number): string {
    if (n === null || n === undefined || !Number.isFinite(n)) return '–';
    const d = decimalsOf(n);
    return fmtNum(n, Number(n.toFixed(d)) === n ? d : Math.max(6, digits));
  }

  /** An alert's figures: its price exactly, its averages as `fmtAverage` shows them at the price's decimals. */
  function fmtAlert(a: { price: number; smaShort: number; smaLong: number }): { price: string; smaShort: string; smaLong: string } {
    const d = decimalsOf(a.price);
    return { price: fmtNum(a.price), smaShort: fmtAverage(a.smaShort, d), smaLong: fmtAverage(a.smaLong, d) };
  }

  function fmtCount(n: number): string {
    return n.toLocaleString('en-US');
  }

  function signalName(signal: string): string {
    return signal === 'GOLDEN_CROSS' ? 'Golden Cross' : 'Death Cross';
  }

  function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function createSymbolChart(host: HTMLElement, periods: { short: number; long: number }) {
    type Alert = PageAlert;
    type Series = PageSeries;
    host.classList.add('chart-host');
    const box = el('div', { class: 'chart-box' });
    const legend = el('div', { class: 'legend' });
    const tip = el('div', { class: 'tip', role: 'tooltip' });
    tip.hidden = true;
    host.append(box, legend, tip);
    const colors = { price: '#2563eb', short: '#f59e0b', long: '#7c3aed', volume: '#94a3b8' };
    const chart = lib.createChart(box, {
      autoSize: true,
      layout: { background: { color: '#ffffff' }, textColor: '#374151', fontSize: 12, panes: { separatorColor: '#e5e7eb' } },
      grid: { vertLines: { color: '#f3f4f6' }, horzLines: { color: '#f3f4f6' } },
      rightPriceScale: { borderColor: '#e5e7eb' },
      timeScale: { borderColor: '#e5e7eb', timeVisible: true, secondsVisible: true, minBarSpacing: 0.01, rightOffset: 3 },
      localization: { timeFormatter: (time: Lwc.Time) => fmtTime(Math.round(Number(time) * 1000)) },
      crosshair: { mode: lib.CrosshairMode.Normal },
    });
    const quiet = { lastValueVisible: false, priceLineVisible: false, crosshairMarkerVisible: false };
    const price = chart.addSeries(lib.LineSeries, { color: colors.price, lineWidth: 2, priceLineVisible: false });
    const smaShort = chart.addSeries(lib.LineSeries, { color: colors.short, lineWidth: 1, ...quiet });
    const smaLong = chart.addSeries(lib.LineSeries, { color: colors.long, lineWidth: 1, ...quiet });
    const volume = chart.addSeries(lib.HistogramSeries, { color: colors.volume, priceFormat: { type: 'volume' }, ...quiet }, 1);
    chart.panes()[0]?.setStretchFactor(4);
    chart.panes()[1]?.setStretchFactor(1);
    const markers = lib.createSeriesMarkers(price, []);

    // Prices are shown to as many decimals as they have, 2 at least: at 8 decimals, prices
    // that move in the 7th and 8th would draw flat on a scale of 2 and read alike in a tip.
    let digits = 2;
    function widen(values: readonly number[]): void {
      let d = digits;
      for (const v of values) d = Math.max(d, decimalsOf(v));
      if (d === digits) return;
      digits = d;
      const priceFormat = { type: 'price' as const, precision: d, minMove: 10 ** -d };
      for (const line of [price, smaShort, smaLong]) line.applyOptions({ priceFormat });
    }
    /** A price or an average as shown: exactly when 9 decimals hold it, else to the prices' decimals (6 at least). */
    const fmtPrice = (n: number | null | undefined) => fmtAverage(n, digits);

    let times: number[] = [];
    let lastT = Number.NEGATIVE_INFINITY;
    let lastVolumeT = Number.NEGATIVE_INFINITY;
    let last: { t: number; price: number; smaShort: number | null; smaLong: number | null } | undefined;
    let byId = new Map<string, Alert>();
    let byTime = new Map<number, Alert>();
    let pinned = false;

    function showLegend(p: { t: number; price?: number; smaShort?: number | null; smaLong?: number | null } | undefined): void {
      legend.replaceChildren();
      if (p === undefined) return;
      legend.append(el('b', {}, fmtTime(p.t)));
      const items: [string, string, number | null | undefined][] = [
        ['price', colors.price, p.price],
        [`SMA-${periods.short}`, colors.short, p.smaShort],
        [`SMA-${periods.long}`, colors.long, p.smaLong],
      ];
      for (const [name, color, value] of items) {
        legend.append(el('span', { class: 'k', style: `background:${color}` }), `${name} ${fmtPrice(value)}`);
      }
    }

    function showTip(a: Alert, x: number, y: number): void {
      tip.className = `tip ${a.signal === 'GOLDEN_CROSS' ? 'golden' : 'death'}`;
      tip.replaceChildren(
        el('strong', {}, `${signalName(a.signal)} · ${a.symbol}`),
        el('div', {}, fmtTime(a.t)),
        el('div', {}, `price ${fmtPrice(a.price)}`),
        el('div', {}, `SMA-${periods.short} ${fmtPrice(a.smaShort)}`),
        el('div', {}, `SMA-${periods.long} ${fmtPrice(a.smaLong)}`),
      );
      tip.hidden = false;
      const w = host.clientWidth;
      tip.style.left = `${Math.max(4, Math.min(x + 14, w - 220))}px`;
      tip.style.top = `${Math.max(4, y - 40)}px`;
    }

    chart.subscribeCrosshairMove((param) => {
      if (param.time === undefined || param.point === undefined) {
        if (!pinned) tip.hidden = true;
        if (!pinned) showLegend(last);
        return;
      }
      pinned = false;
      const t = Math.round(Number(param.time) * 1000);
      const p = param.seriesData.get(price) as Lwc.LineData | undefined;
      const s = param.seriesData.get(smaShort) as Lwc.LineData | undefined;
      const l = param.seriesData.get(smaLong) as Lwc.LineData | undefined;
      showLegend({ t, price: p?.value, smaShort: s?.value, smaLong: l?.value });
      const hovered = typeof param.hoveredObjectId === 'string' ? byId.get(param.hoveredObjectId) : undefined;
      const a = hovered ?? byTime.get(t);
      if (a === undefined) tip.hidden = true;
      else showTip(a, param.point.x, param.point.y);
    });

    function setAlerts(alerts: readonly Alert[]): void {
      byId = new Map(alerts.map((a) => [a.id, a]));
      byTime = new Map(alerts.map((a) => [a.t, a]));
      const size = alerts.length > 400 ? 0.6 : 1;
      markers.setMarkers(
        [...alerts]
          .sort((a, b) => a.t - b.t)
          .map((a) =>
            a.signal === 'GOLDEN_CROSS'
              ? { time: toTime(a.t), position: 'belowBar', shape: 'arrowUp', color: '#15803d', id: a.id, size }
              : { time: toTime(a.t), position: 'aboveBar', shape: 'arrowDown', color: '#dc2626', id: a.id, size },
          ),
      );
    }

    /** Replaces what is drawn. */
    function show(series: Series, alerts: readonly Alert[]): void {
      const n = series.t.length;
      const p: Lwc.LineData[] = [];
      const s: Lwc.LineData[] = [];
      const l: Lwc.LineData[] = [];
      for (let i = 0; i < n; i++) {
        const time = toTime(series.t[i] as number);
        p.push({ time, value: series.price[i] as number });
        const vs = series.smaShort[i];
        const vl = series.smaLong[i];
        if (vs !== null && vs !== undefined) s.push({ time, value: vs });
        if (vl !== null && vl !== undefined) l.push({ time, value: vl });
      }
      widen(series.price);
      price.setData(p);
      smaShort.setData(s);
      smaLong.setData(l);
      volume.setData(series.volumeT.map((t, i) => ({ time: toTime(t), value: series.volume[i] as number })));
      times = series.t.slice();
      lastT = n > 0 ? (series.t[n - 1] as number) : Number.NEGATIVE_INFINITY;
      lastVolumeT = series.volumeT.length > 0 ? (series.volumeT[series.volumeT.length - 1] as number) : Number.NEGATIVE_INFINITY;
      last =
        n > 0
          ? {
              t: lastT,
              price: series.price[n - 1] as number,
              smaShort: series.smaShort[n - 1] ?? null,
              smaLong: series.smaLong[n - 1] ?? null,
            }
          : undefined;
      setAlerts(alerts);
      tip.hidden = true;
      pinned = false;
      showLegend(last);
      chart.timeScale().fitContent();
    }

    /** Adds the points later than what is drawn; returns how many points are drawn now. */
    function append(series: Series): number {
      for (let i = 0; i < series.t.length; i++) {
        const t = series.t[i] as number;
        if (t <= lastT) continue;
        const time = toTime(t);
        widen([series.price[i] as number]);
        price.update({ time, value: series.price[i] as number });
        const vs = series.smaShort[i];
        const vl = series.smaLong[i];
        if (vs !== null && vs !== undefined) smaShort.update({ time, value: vs });
        if (vl !== null && vl !== undefined) smaLong.update({ time, value: vl });
        times.push(t);
        lastT = t;
        last = { t, price: series.price[i] as number, smaShort: vs ?? null, smaLong: vl ?? null };
      }
      for (let i = 0; i < series.volumeT.length; i++) {
        const t = series.volumeT[i] as number;
        if (t <= lastVolumeT) continue;
        volume.update({ time: toTime(t), value: series.volume[i] as number });
        lastVolumeT = t;
      }
      if (!pinned) showLegend(last);
      return times.length;
    }

    /** Centres the chart on an alert's point and shows its tooltip. */
    function focus(a: Alert): void {
      let lo = 0;
      let hi = times.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((times[mid] as number) < a.t) lo = mid + 1;
        else hi = mid;
      }
      const span = Math.max(40, Math.min(400, Math.round(times.length / 20)));
      chart.timeScale().setVisibleLogicalRange({ from: lo - span, to: lo + span });
      requestAnimationFrame(() => {
        chart.setCrosshairPosition(a.price, toTime(a.t), price);
        const x = chart.timeScale().timeToCoordinate(toTime(a.t));
        const y = price.priceToCoordinate(a.price);
        if (x === null || y === null) return;
        showTip(a, x, y);
        showLegend({ t: a.t, price: a.price, smaShort: a.smaShort, smaLong: a.smaLong });
        pinned = true;
      });
    }

    return {
      chart,
      show,
      append,
      setAlerts,
      focus,
      /** The markers the chart holds, as handed to it (for tests: a canvas cannot be counted). */
      markers: () => markers.markers().map((m) => ({ ...m })),
      /** Points held by each series. */
      counts: () => ({
        price: price.data().length,
        smaShort: smaShort.data().length,
        smaLong: smaLong.data().length,
        volume: volume.data().length,
      }),
    };
  }

  return { fmtTime, fmtNum, fmtAlert, fmtCount, signalName, el, createSymbolChart };
}

/**
 * The shared browser code's API, as the page functions receive it.
 *
 * @example
 * function main(core: ChartClient, data: MyData): void { core.createSymbolChart(document.body, data); }
 */
export type ChartClient = ReturnType<typeof chartClient>;

import { describe, expect, it } from 'vitest';
import { chartLibrarySource, embedJson, escapeHtml } from '../../../src/adapters/local/chart-page.js';
import { renderHtmlReport } from '../../../src/adapters/local/html-report.js';
import { makeAlert } from '../../../src/domain/alert.js';
import { SeriesDownsampler } from '../../../src/domain/chart-series.js';

const HOSTILE = '</script><script>alert(1)</script><!-- & "quotes"';

function report() {
  const samples = new SeriesDownsampler();
  for (let i = 0; i < 30; i++) samples.push({ t: 1704205800000 + i * 1000, price: 100 + (i % 5), smaShort: null, smaLong: null }, 10);
  return {
    title: `tickflow replay ${HOSTILE}`,
    describe: `csv file ${HOSTILE}.csv`,
    generatedAt: Date.UTC(2024, 0, 2),
    short: 5,
    long: 20,
    series: [samples.toSeries('AAPL')],
    alerts: [makeAlert({ symbol: 'AAPL', signal: 'GOLDEN_CROSS', timestamp: 1704205810000, price: 100, smaShort: 101, smaLong: 100.5 })],
  };
}

describe('the HTML report', () => {
  it('is one self-contained page: the chart library inlined, no src or href to fetch, a CSP that forbids requests', () => {
    const html = renderHtmlReport(report());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(chartLibrarySource());
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toContain('connect-src &#39;none&#39;');
    expect(html).toMatch(/default-src &#39;none&#39;/);
  });

  it('embeds text from the run so that it cannot end a script or inject markup', () => {
    const html = renderHtmlReport(report());
    expect(html).not.toContain('<script>alert(1)');
    expect(html.split('</script>').length - 1).toBe(3); // the data, the library, the page's code
    expect(html).toContain(escapeHtml(`tickflow replay ${HOSTILE}`));
    const data = /<script type="application\/json" id="tickflow-data">(.*?)<\/script>/s.exec(html)?.[1] as string;
    expect(JSON.parse(data).describe).toBe(`csv file ${HOSTILE}.csv`);
    expect(JSON.parse(data).alerts.AAPL).toEqual({ t: [1704205810000], golden: [1], price: [100], smaShort: [101], smaLong: [100.5] });
  });

  it('escapes JSON for a script element', () => {
    expect(embedJson({ a: '</script>', b: '<!--', c: '\u2028' })).toBe('{"a":"\\u003c/script>","b":"\\u003c!--","c":"\\u2028"}');
    expect(JSON.parse(embedJson({ a: '</script>' }))).toEqual({ a: '</script>' });
  });
});

/**
 * Preloaded (`node --import`) into a process that runs the produce bundle: Yahoo Finance
 * answered from recordings, so the bundled yahoo-finance2 runs its real sign-in, request
 * building and schema validation with no network. The sign-in page sets Yahoo's A3 cookie,
 * getcrumb answers the crumb, the quote endpoint answers `fixtures/yahoo/quote-aapl-msft-1.json`;
 * any other request fails as an unplugged network would.
 */
import { readFileSync } from 'node:fs';

const QUOTE = readFileSync(new URL('../fixtures/yahoo/quote-aapl-msft-1.json', import.meta.url), 'utf8');
const A3_COOKIE =
  'A3=d=AQABBEhblGUCEJkMPNAF1bx0n2XR9wzJv8sFEgEBAQGsqWWyZdwN0iMA_eMAAA&S=AQAAAm3pS7bN0cGoZ5_Gm2FaOqA; Max-Age=31557600; Domain=.yahoo.com; Path=/; Secure; HttpOnly; SameSite=None';

globalThis.fetch = async (input) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  if (url.href === 'https://finance.yahoo.com/quote/AAPL') {
    return new Response('<!DOCTYPE html><html lang="en-US"><head><title>Apple Inc. (AAPL)</title></head><body></body></html>', {
      headers: [
        ['content-type', 'text/html; charset=utf-8'],
        ['set-cookie', A3_COOKIE],
      ],
    });
  }
  if (url.href === 'https://query1.finance.yahoo.com/v1/test/getcrumb') {
    return new Response('f9pXBd6Lk2Q', { headers: { 'content-type': 'text/plain;charset=utf-8' } });
  }
  if (/^query[12]\.finance\.yahoo\.com$/.test(url.hostname) && url.pathname === '/v7/finance/quote') {
    return new Response(QUOTE, { headers: { 'content-type': 'application/json;charset=utf-8' } });
  }
  throw new TypeError(`fetch failed: ${url.href} is not recorded (no network in this test)`);
};

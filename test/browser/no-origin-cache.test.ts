/**
 * The answer to a request without Origin, served from the browser's HTTP
 * cache to a CORS fetch() of the same URL (Fetch Standard, "CORS protocol
 * and HTTP caches"). Each case loads the URL without Origin first (Chromium:
 * an <img>; Firefox: fetch() in no-cors mode without credentials, since
 * Firefox 153 handed no <img>'s entry to fetch(), with or without
 * credentials, while it does hand over an anonymous no-cors load's), then
 * fetch()es it from the page. `check` against the same
 * server must agree: an `error` finding where the browsers block the fetch,
 * and where they pass, no finding or one that only a CDN or proxy explains.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/doctor/check.js';
import type { BrowserKind } from './harness.js';
import { launch } from './harness.js';
import { requireBrowser } from './require-browser.js';

interface CacheCase {
  id: string;
  label: string;
  /** Response headers on every answer. */
  headers: Array<[string, string]>;
  /** How the answer names the page: '*' only when Origin is present, '*' always, or the page's origin only when asked. */
  allow: 'star-with-origin' | 'star-always' | 'named-with-origin';
  /** With an ETag, a matching If-None-Match gets 304: with the CORS headers, or without. */
  etag?: 'cors-on-304' | 'no-cors-on-304';
  status?: number;
  /** What `check` says about the answer without Origin, and whether the browsers block the fetch() after loading it (per browser where they differ). */
  finding: 'error' | 'warning' | null;
  blocked: boolean | Record<BrowserKind, boolean>;
}

const YEAR_AGO = new Date(Date.now() - 365 * 86_400_000).toUTCString();

const CASES: CacheCase[] = [
  { id: 'public', label: "'*' only with Origin, public, max-age=600", headers: [['Cache-Control', 'public, max-age=600']], allow: 'star-with-origin', finding: 'error', blocked: true },
  { id: 'always', label: "'*' on every answer", headers: [['Cache-Control', 'public, max-age=600']], allow: 'star-always', finding: null, blocked: false },
  { id: 'vary', label: 'Vary: Origin on every answer', headers: [['Cache-Control', 'max-age=600'], ['Vary', 'Origin']], allow: 'star-with-origin', finding: null, blocked: false },
  { id: 'vary-star', label: 'Vary: *', headers: [['Cache-Control', 'max-age=600'], ['Vary', '*']], allow: 'star-with-origin', finding: null, blocked: false },
  { id: 'no-store', label: 'no-store', headers: [['Cache-Control', 'no-store']], allow: 'star-with-origin', finding: null, blocked: false },
  { id: 'private', label: 'private, max-age=600', headers: [['Cache-Control', 'private, max-age=600']], allow: 'star-with-origin', finding: 'error', blocked: true },
  { id: 'no-cache-bare-304', label: 'no-cache, ETag, a 304 without the CORS headers', headers: [['Cache-Control', 'no-cache']], allow: 'star-with-origin', etag: 'no-cors-on-304', finding: 'error', blocked: true },
  { id: 'no-cache-cors-304', label: 'no-cache, ETag, a 304 with the CORS headers', headers: [['Cache-Control', 'no-cache']], allow: 'star-with-origin', etag: 'cors-on-304', finding: null, blocked: false },
  { id: 'etag-only', label: 'ETag only, a 304 with the CORS headers (a CDN default TTL remains)', headers: [], allow: 'star-with-origin', etag: 'cors-on-304', finding: 'warning', blocked: false },
  { id: 'last-modified', label: 'Last-Modified a year ago: heuristic freshness', headers: [['Last-Modified', YEAR_AGO]], allow: 'star-with-origin', finding: 'error', blocked: true },
  { id: 'bare', label: 'no caching headers (a CDN default TTL only)', headers: [], allow: 'star-with-origin', finding: 'warning', blocked: false },
  { id: 's-maxage', label: 's-maxage=600: shared caches only', headers: [['Cache-Control', 's-maxage=600']], allow: 'star-with-origin', finding: 'error', blocked: false },
  // RFC 9111 lets any status be stored with explicit freshness; Chromium does, Firefox stores no 5xx.
  { id: 'error-500', label: 'a 500 with max-age=600', headers: [['Cache-Control', 'max-age=600']], allow: 'star-with-origin', status: 500, finding: 'error', blocked: { chromium: true, firefox: false } },
  { id: 'named', label: 'the page named only when asked, max-age=600', headers: [['Cache-Control', 'max-age=600']], allow: 'named-with-origin', finding: 'error', blocked: true },
  { id: 'named-vary', label: 'named, Vary: Origin on every answer', headers: [['Cache-Control', 'max-age=600'], ['Vary', 'Origin']], allow: 'named-with-origin', finding: null, blocked: false },
];

let pageServer: Server;
let apiServer: Server;
let pageOrigin = '';
let apiOrigin = '';

function api(req: IncomingMessage, res: ServerResponse): void {
  const c = CASES.find((x) => x.id === (req.url ?? '').split('/')[2]);
  if (c === undefined) {
    res.statusCode = 404;
    res.end();
    return;
  }
  for (const [n, v] of c.headers) res.setHeader(n, v);
  if (c.etag !== undefined) res.setHeader('ETag', '"v1"');
  const origin = req.headers.origin;
  const cors = c.allow === 'star-always' || origin !== undefined;
  if (c.allow === 'named-with-origin') {
    if (origin === pageOrigin) res.setHeader('Access-Control-Allow-Origin', pageOrigin);
    if (origin !== undefined) res.setHeader('Vary', 'Origin');
  } else if (cors) {
    res.setHeader('Access-Control-Allow-Origin', '*');
  }
  if (c.etag !== undefined && req.headers['if-none-match'] === '"v1"') {
    if (c.etag === 'no-cors-on-304') res.removeHeader('Access-Control-Allow-Origin');
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = c.status ?? 200;
  res.setHeader('Content-Type', 'image/gif');
  res.end(Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'));
}

beforeAll(async () => {
  pageServer = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>page</title>');
  });
  apiServer = createServer(api);
  await new Promise<void>((r) => pageServer.listen(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => apiServer.listen(0, '127.0.0.1', () => r()));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  apiOrigin = `http://localhost:${(apiServer.address() as AddressInfo).port}`; // another site
});
afterAll(async () => {
  for (const s of [pageServer, apiServer]) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

describe('check: the answer without Origin', () => {
  it.each(CASES)('$label', async (c) => {
    const report = await check({ url: `${apiOrigin}/c/${c.id}/check`, origin: pageOrigin, method: 'GET', headers: [], credentials: 'same-origin' }, { timeoutMs: 5000 });
    expect(report.verdict.ok).toBe(true);
    const found = report.exposure.filter((f) => f.cause === 'no-origin-response').map((f) => f.severity);
    expect(found).toEqual(c.finding === null ? [] : [c.finding]);
  });
});

describe.each<BrowserKind>(['chromium', 'firefox'])('%s: a load without Origin, then fetch()', (kind) => {
  let browser: Browser;
  beforeAll(async () => {
    requireBrowser(kind);
    browser = await launch(kind);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(CASES)('$label', async (c) => {
    const page = await browser.newPage();
    try {
      await page.goto(`${pageOrigin}/`);
      const outcome = await page.evaluate(
        async (url: string, loader: string) => {
          if (loader === 'img') {
            await new Promise((resolve) => {
              const img = new Image();
              img.onload = resolve;
              img.onerror = resolve;
              img.src = url;
            });
          } else {
            await fetch(url, { mode: 'no-cors', credentials: 'omit' });
          }
          try {
            await fetch(url);
            return 'passes';
          } catch {
            return 'blocked';
          }
        },
        `${apiOrigin}/c/${c.id}/${kind}`,
        kind === 'chromium' ? 'img' : 'no-cors',
      );
      const blocked = typeof c.blocked === 'boolean' ? c.blocked : c.blocked[kind];
      expect(outcome).toBe(blocked ? 'blocked' : 'passes');
      // Where a browser blocks it because of its cache, check says so as an error.
      if (blocked) expect(c.finding).toBe('error');
    } finally {
      await page.close();
    }
  });
});

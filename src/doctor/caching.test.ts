import { describe, expect, it } from 'vitest';
import type { CacheReuse } from './caching.js';
import { cacheDirectives, cacheReuse, conditionalHeaders, updatedBy304 } from './caching.js';

const NOW = Date.parse('Mon, 01 Jun 2026 12:00:00 GMT');
const DATE: [string, string] = ['Date', new Date(NOW).toUTCString()];
const YEAR_AGO = new Date(NOW - 365 * 86_400_000).toUTCString();
const IN_AN_HOUR = new Date(NOW + 3_600_000).toUTCString();

type Row = [label: string, method: string, status: number, headers: Array<[string, string]>, expected: CacheReuse, authorization?: boolean];

// Rows marked (Chromium) match what Chromium 156 did with an <img> load then fetch() of the same URL:
// browser 'fresh' = served from its cache, 'revalidate' = a conditional request with Origin, 'none' = a new request.
describe('cacheReuse (RFC 9111)', () => {
  it.each<Row>([
    ['public, max-age=600 (Chromium)', 'GET', 200, [['Cache-Control', 'public, max-age=600']], { browser: 'fresh', shared: 'fresh' }],
    ['private, max-age=600: the browser only (Chromium)', 'GET', 200, [['Cache-Control', 'private, max-age=600']], { browser: 'fresh', shared: 'none' }],
    ['no-cache with ETag: revalidated (Chromium)', 'GET', 200, [['Cache-Control', 'no-cache'], ['ETag', '"v1"']], { browser: 'revalidate', shared: 'revalidate' }],
    ['no-cache without a validator: never reused', 'GET', 200, [['Cache-Control', 'no-cache']], { browser: 'none', shared: 'none' }],
    ['max-age=0 with ETag (Chromium)', 'GET', 200, [['Cache-Control', 'max-age=0'], ['ETag', '"v1"']], { browser: 'revalidate', shared: 'revalidate' }],
    ['no Cache-Control, ETag: the browser revalidates, a CDN may guess (Chromium)', 'GET', 200, [['ETag', '"v1"']], { browser: 'revalidate', shared: 'heuristic' }],
    ['no caching headers at all (Chromium: a new request)', 'GET', 200, [], { browser: 'none', shared: 'heuristic' }],
    ['Last-Modified a year ago: 10% heuristic freshness (Chromium)', 'GET', 200, [DATE, ['Last-Modified', YEAR_AGO]], { browser: 'fresh', shared: 'heuristic' }],
    ['Last-Modified equal to Date: no heuristic freshness', 'GET', 200, [DATE, ['Last-Modified', DATE[1]]], { browser: 'revalidate', shared: 'heuristic' }],
    ['no-store (Chromium)', 'GET', 200, [['Cache-Control', 'no-store, max-age=600']], { browser: 'none', shared: 'none' }],
    ['s-maxage is for shared caches only (Chromium: a new request)', 'GET', 200, [['Cache-Control', 's-maxage=600']], { browser: 'none', shared: 'fresh' }],
    ['explicit freshness makes any status storable: 500 (Chromium)', 'GET', 500, [['Cache-Control', 'max-age=600']], { browser: 'fresh', shared: 'fresh' }],
    ['500 without explicit freshness: not stored', 'GET', 500, [['ETag', '"v1"']], { browser: 'none', shared: 'none' }],
    ['401 without explicit freshness: not stored', 'GET', 401, [DATE, ['Last-Modified', YEAR_AGO]], { browser: 'none', shared: 'none' }],
    ['404 is heuristically cacheable', 'GET', 404, [], { browser: 'none', shared: 'heuristic' }],
    ['public makes a 500 heuristically cacheable', 'GET', 500, [['Cache-Control', 'public']], { browser: 'none', shared: 'heuristic' }],
    ['POST answers are not stored', 'POST', 200, [['Cache-Control', 'max-age=600']], { browser: 'none', shared: 'none' }],
    ['PUT answers are not stored', 'PUT', 200, [['Cache-Control', 'max-age=600']], { browser: 'none', shared: 'none' }],
    ['HEAD like GET', 'head', 200, [['Cache-Control', 'max-age=600']], { browser: 'fresh', shared: 'fresh' }],
    ['Vary: * matches no later request (Chromium)', 'GET', 200, [['Cache-Control', 'max-age=600'], ['Vary', 'Accept, *']], { browser: 'none', shared: 'none' }],
    ['Expires an hour after Date', 'GET', 200, [DATE, ['Expires', IN_AN_HOUR]], { browser: 'fresh', shared: 'fresh' }],
    ['Expires: 0 is already expired', 'GET', 200, [['Expires', '0'], ['ETag', '"v1"']], { browser: 'revalidate', shared: 'revalidate' }],
    ['max-age wins over Expires', 'GET', 200, [DATE, ['Expires', IN_AN_HOUR], ['Cache-Control', 'max-age=0']], { browser: 'none', shared: 'none' }],
    ['stale-while-revalidate serves the stale answer (Chromium)', 'GET', 200, [['Cache-Control', 'max-age=1, stale-while-revalidate=600']], { browser: 'fresh', shared: 'fresh' }],
    ['max-age that is not a number: stale', 'GET', 200, [['Cache-Control', 'max-age=abc'], ['ETag', '"v1"']], { browser: 'revalidate', shared: 'revalidate' }],
    ['Cache-Control over two lines, any case', 'GET', 200, [['Cache-Control', 'Public'], ['cache-control', 'Max-Age=600']], { browser: 'fresh', shared: 'fresh' }],
    ['max-age in quotes', 'GET', 200, [['Cache-Control', 'max-age="600"']], { browser: 'fresh', shared: 'fresh' }],
    ['private="Set-Cookie" keeps the rest storable by CDNs', 'GET', 200, [['Cache-Control', 'private="Set-Cookie, X-A", max-age=600']], { browser: 'fresh', shared: 'fresh' }],
    ['no-cache="Set-Cookie" keeps the rest fresh', 'GET', 200, [['Cache-Control', 'no-cache="Set-Cookie", max-age=600']], { browser: 'fresh', shared: 'fresh' }],
    ['with Authorization: shared caches store nothing unless told', 'GET', 200, [['Cache-Control', 'max-age=600']], { browser: 'fresh', shared: 'none' }, true],
    ['with Authorization and public', 'GET', 200, [['Cache-Control', 'public, max-age=600']], { browser: 'fresh', shared: 'fresh' }, true],
    ['with Authorization and s-maxage', 'GET', 200, [['Cache-Control', 's-maxage=60']], { browser: 'none', shared: 'fresh' }, true],
    ['a 304 is not stored as such', 'GET', 304, [['Cache-Control', 'max-age=600']], { browser: 'none', shared: 'none' }],
  ])('%s', (_label, method, status, headers, expected, authorization) => {
    expect(cacheReuse({ method, status, headers, authorization }, NOW)).toEqual(expected);
  });
});

describe('cacheDirectives', () => {
  it('reads names in any case, quoted values with commas, the first occurrence', () => {
    const d = cacheDirectives([['Cache-Control', 'No-Cache, private="Set-Cookie, X-A" , max-age = 5,max-age=9, s-maxage="7"']]);
    expect([...d]).toEqual([
      ['no-cache', null],
      ['private', 'Set-Cookie, X-A'],
      ['max-age', '5'],
      ['s-maxage', '7'],
    ]);
  });
});

describe('revalidation', () => {
  it('conditional headers come from the validators', () => {
    expect(conditionalHeaders([['ETag', 'W/"1"'], ['Last-Modified', YEAR_AGO]])).toEqual([['If-None-Match', 'W/"1"'], ['If-Modified-Since', YEAR_AGO]]);
    expect(conditionalHeaders([['Cache-Control', 'no-cache']])).toBeNull();
  });
  it('a 304 updates the stored headers, CORS headers included, but not ETag or Content-Type', () => {
    const stored: Array<[string, string]> = [['Content-Type', 'image/gif'], ['ETag', '"v1"'], ['Cache-Control', 'no-cache'], ['access-control-allow-origin', 'https://a.example']];
    const notModified: Array<[string, string]> = [['ETag', '"v2"'], ['Content-Type', 'text/plain'], ['Access-Control-Allow-Origin', '*'], ['X-Content-Type-Options', 'nosniff']];
    expect(updatedBy304(stored, notModified)).toEqual([['Content-Type', 'image/gif'], ['ETag', '"v1"'], ['Cache-Control', 'no-cache'], ['Access-Control-Allow-Origin', '*']]);
  });
});

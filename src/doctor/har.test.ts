import { describe, expect, it } from 'vitest';
import { diagnoseHar, HarError } from './har.js';

const PAGE = 'https://app.example';
const API = 'https://api.example';
const h = (pairs: Record<string, string>): Array<{ name: string; value: string }> => Object.entries(pairs).map(([name, value]) => ({ name, value }));

/** A HAR shaped like Chromium's export: preflights as their own OPTIONS entries. */
const har = {
  log: {
    version: '1.2',
    creator: { name: 'WebInspector', version: '537.36' },
    pages: [{ id: 'page_1', title: `${PAGE}/` }],
    entries: [
      { request: { method: 'GET', url: `${PAGE}/app.js`, headers: h({ accept: '*/*' }) }, response: { status: 200, headers: h({ 'content-type': 'text/javascript' }) } },
      {
        request: { method: 'OPTIONS', url: `${API}/items/7`, headers: h({ origin: PAGE, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' }) },
        response: { status: 401, headers: h({ 'www-authenticate': 'Bearer' }) },
      },
      {
        request: { method: 'PUT', url: `${API}/items/7`, headers: h({ origin: PAGE, 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0', 'sec-fetch-mode': 'cors' }) },
        response: { status: 0, headers: [] },
      },
      { request: { method: 'GET', url: `${API}/me`, headers: h({ origin: PAGE, cookie: 'sid=1' }) }, response: { status: 200, headers: h({ 'access-control-allow-origin': '*' }) } },
      {
        request: { method: 'GET', url: `${API}/old`, headers: h({ origin: PAGE }) },
        response: { status: 301, headers: h({ location: `${API}/new`, 'access-control-allow-origin': PAGE }), redirectURL: `${API}/new` },
      },
      { request: { method: 'GET', url: `${API}/new`, headers: h({ origin: PAGE }) }, response: { status: 200, headers: h({ 'access-control-allow-origin': PAGE }) } },
      { request: { method: 'DELETE', url: `${API}/x`, headers: h({ origin: PAGE }) }, response: { status: 204, headers: h({ 'access-control-allow-origin': PAGE }) } },
    ],
  },
};

describe('diagnoseHar', () => {
  const results = diagnoseHar(har);
  const byEntry = new Map(results.map((r) => [r.entry, r]));

  it('diagnoses the cross-origin entries only, folding preflights and redirect hops in', () => {
    expect(results.map((r) => r.entry)).toEqual([2, 3, 4, 6]);
    expect(byEntry.get(2)?.usedEntries).toEqual([1, 2]);
    expect(byEntry.get(4)?.usedEntries).toEqual([4, 5]);
  });
  it('a preflight answered 401', () => {
    const v = byEntry.get(2)?.verdict;
    expect(v?.failedAt).toBe('preflight');
    expect(v?.chromium?.corsError).toBe('PreflightMissingAllowOriginHeader');
    expect(v?.firefox?.message).toContain('Status code: 401.');
  });
  it('a Cookie header means credentials, so * fails', () => {
    expect(byEntry.get(3)?.scenario.request.credentials).toBe('include');
    expect(byEntry.get(3)?.verdict?.chromium?.corsError).toBe('WildcardOriginNotAllowed');
  });
  it('leaves out the headers the browser adds itself', () => {
    expect(byEntry.get(2)?.scenario.request.headers).toEqual([['content-type', 'application/json']]);
  });
  it('follows a redirect', () => {
    expect(byEntry.get(4)?.verdict?.ok).toBe(true);
    expect(byEntry.get(4)?.scenario.redirects).toHaveLength(1);
  });
  it('says so when the HAR lacks the preflight', () => {
    expect(byEntry.get(6)?.verdict).toBeNull();
    expect(byEntry.get(6)?.note).toContain('does not hold it');
  });
  it('--entry picks one, and refuses a same-origin or missing one', () => {
    expect(diagnoseHar(har, { only: 3 }).map((r) => r.entry)).toEqual([3]);
    expect(() => diagnoseHar(har, { only: 0 })).toThrow(/not a cross-origin request/);
    expect(() => diagnoseHar(har, { only: 99 })).toThrow(/has 7 entries/);
  });
  it.each([
    ['not an object', 42, /no log.entries/],
    ['no entries', { log: {} }, /no log.entries/],
    ['an entry without url', { log: { entries: [{ request: { method: 'GET' }, response: { status: 200 } }] } }, /needs a url/],
    ['bad headers', { log: { entries: [{ request: { method: 'GET', url: API, headers: 'x' }, response: { status: 200, headers: [] } }] } }, /headers is not an array/],
  ])('refuses %s with a clear error', (_n, input, message) => {
    expect(() => diagnoseHar(input)).toThrow(HarError);
    expect(() => diagnoseHar(input)).toThrow(message);
  });
});

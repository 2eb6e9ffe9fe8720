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

/** A credentialed GET (its Cookie line says so) answered with '*'. */
const wildcardWithCookie = {
  log: { entries: [{ request: { method: 'GET', url: `${API}/me`, headers: h({ origin: PAGE, cookie: 'sid=1' }) }, response: { status: 200, headers: h({ 'access-control-allow-origin': '*' }) } }] },
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
    // The preflight's row (entry 1) and a redirect hop's row (entry 5) give the request they belong to.
    expect(diagnoseHar(har, { only: 1 }).map((r) => r.entry)).toEqual([2]);
    expect(diagnoseHar(har, { only: 5 }).map((r) => r.entry)).toEqual([4]);
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

  // Shapes seen in real exports (src/doctor/fixtures/): the request's entry before its preflight's.
  const real = (entries: unknown[]) => ({ log: { version: '1.2', entries } });
  const provisional = { request: { method: 'PUT', url: `${API}/x`, headers: h({ 'content-type': 'application/json', referer: `${PAGE}/` }) }, response: { status: 0, headers: [], _error: 'net::ERR_FAILED' } };
  const preflightOf = (status: number, headers: Record<string, string>) => ({
    request: { method: 'OPTIONS', url: `${API}/x`, headers: h({ origin: PAGE, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' }) },
    response: { status, headers: h(headers) },
  });
  it('pairs a request with the preflight listed after it, and takes the Origin and missing headers from it', () => {
    const [d] = diagnoseHar(real([provisional, preflightOf(204, { 'access-control-allow-origin': PAGE, 'access-control-allow-methods': 'PUT' })]));
    expect(d?.usedEntries).toEqual([0, 1]);
    expect(d?.scenario.request.origin).toBe(PAGE);
    expect(d?.scenario.request.headers.map(([n]) => n)).toEqual(['content-type', 'authorization']);
    expect(d?.verdict?.chromium?.corsError).toBe('HeaderDisallowedByPreflightResponse');
    expect(d?.remarks.join(' ')).toMatch(/Origin is taken from its preflight.*authorization taken from the preflight/s);
  });
  it('pairs repeated requests with their own preflights', () => {
    const ds = diagnoseHar(real([provisional, preflightOf(401, {}), provisional, preflightOf(404, {})]));
    expect(ds.map((d) => [d.usedEntries, d.scenario.preflight?.status])).toEqual([
      [[0, 1], 401],
      [[2, 3], 404],
    ]);
  });
  it('diagnoses a failed preflight whose request is not in the HAR', () => {
    const [d] = diagnoseHar(real([preflightOf(404, {})]));
    expect([d?.entry, d?.scenario.request.method, d?.verdict?.chromium?.corsError]).toEqual([0, 'PUT', 'PreflightMissingAllowOriginHeader']);
  });
  it('gives no verdict when only a passing preflight is there, or no response and a passing preflight', () => {
    const ok = preflightOf(204, { 'access-control-allow-origin': PAGE, 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'authorization, content-type' });
    expect(diagnoseHar(real([ok])).map((d) => [d.verdict, d.note?.slice(0, 24)])).toEqual([[null, 'only the preflight is in']]);
    expect(diagnoseHar(real([provisional, ok])).map((d) => [d.verdict, d.note?.includes('net::ERR_FAILED')])).toEqual([[null, true]]);
  });
  it("folds a redirect target's own preflight into the request", () => {
    const moved = `${API}/moved`;
    const ds = diagnoseHar(
      real([
        { request: { method: 'PUT', url: `${API}/x`, headers: h({ origin: PAGE }) }, response: { status: 307, headers: h({ location: moved, 'access-control-allow-origin': PAGE }), redirectURL: moved } },
        {
          request: { method: 'OPTIONS', url: `${API}/x`, headers: h({ origin: PAGE, 'access-control-request-method': 'PUT' }) },
          response: { status: 204, headers: h({ 'access-control-allow-origin': PAGE, 'access-control-allow-methods': 'PUT' }) },
        },
        { request: { method: 'PUT', url: moved, headers: h({ origin: PAGE }) }, response: { status: 0, headers: [] } },
        {
          request: { method: 'OPTIONS', url: moved, headers: h({ origin: PAGE, 'access-control-request-method': 'PUT' }) },
          response: { status: 404, headers: h({ 'access-control-allow-origin': PAGE }) },
        },
      ]),
    );
    expect(ds).toHaveLength(1);
    expect(ds[0]?.usedEntries).toEqual([0, 1, 2, 3]);
    expect(ds[0]?.scenario.redirectPreflights).toEqual([{ status: 404, headers: [['access-control-allow-origin', PAGE]] }]);
    expect([ds[0]?.verdict?.failedAt, ds[0]?.verdict?.chromium?.corsError]).toEqual(['preflight', 'PreflightInvalidStatus']);
  });
  describe('three browsers, or those options.browsers names', () => {
    /** DPR: Firefox and WebKit preflight it (this preflight does not allow it), Chromium does not; the request was never sent (a Firefox export). */
    const clientHint = real([
      { request: { method: 'GET', url: `${API}/hint`, headers: h({ origin: PAGE, dpr: '2' }) }, response: { status: 0, headers: [] } },
      {
        request: { method: 'OPTIONS', url: `${API}/hint`, headers: h({ origin: PAGE, 'access-control-request-method': 'GET', 'access-control-request-headers': 'dpr' }) },
        response: { status: 204, headers: h({ 'access-control-allow-origin': PAGE }) },
      },
    ]);
    it("each verdict covers Chromium, Firefox and WebKit, with WebKit's report", () => {
      const [d] = diagnoseHar(wildcardWithCookie);
      expect([d?.verdict?.covers, d?.verdict?.webkit?.reason]).toEqual([['chromium', 'firefox', 'webkit'], 'wildcard-with-credentials']);
      expect(diagnoseHar(wildcardWithCookie, { browsers: ['webkit', 'firefox'] })[0]?.verdict?.covers).toEqual(['firefox', 'webkit']);
    });
    it('no response recorded: a verdict only when every browser it covers stopped at the preflight', () => {
      // Chromium sends the request without a preflight: what it does with the response the HAR does not hold.
      expect(diagnoseHar(clientHint).map((d) => [d.verdict, d.note?.includes('no response')])).toEqual([[null, true]]);
      expect(diagnoseHar(clientHint, { browsers: ['chromium'] })[0]?.verdict).toBeNull();
      const [d] = diagnoseHar(clientHint, { browsers: ['firefox', 'webkit'] });
      expect([d?.verdict?.ok, d?.verdict?.failedAt, d?.verdict?.firefox?.reason, d?.verdict?.webkit?.reason]).toEqual([false, 'preflight', 'CORSMissingAllowHeaderFromPreflight', 'header-not-allowed']);
    });
  });
  describe('credentials, which no HAR records', () => {
    const wildcard = (error: string | null) => real([{ request: { method: 'GET', url: `${API}/me`, headers: h({ origin: PAGE }) }, response: { status: 200, headers: h({ 'access-control-allow-origin': '*' }), _error: error } }]);
    it.each([
      ['a Chromium failure only credentials explain: judged with them', wildcard('net::ERR_FAILED'), 'browser-failure', false, false],
      ['no failure recorded (Firefox): judged without, the credentialed verdict alongside', wildcard(null), 'assumed', true, true],
    ])('%s', (_n, input, from, ok, alongside) => {
      const [d] = diagnoseHar(input);
      expect([d?.credentialsFrom, d?.verdict?.ok, d?.ifCredentialed !== null]).toEqual([from, ok, alongside]);
      if (alongside) expect(d?.ifCredentialed?.chromium?.corsError).toBe('WildcardOriginNotAllowed');
    });
    it('--credentials decides', () => {
      const [d] = diagnoseHar(wildcard(null), { credentials: 'include' });
      expect([d?.credentialsFrom, d?.verdict?.ok, d?.ifCredentialed]).toEqual(['option', false, null]);
    });
    it('the doctor speaks of requests, not of CLI flags: no remark names one', () => {
      for (const d of [...diagnoseHar(wildcard(null)), ...diagnoseHar(wildcard(null), { credentials: 'include' })]) {
        expect(d.remarks.join(' ')).not.toMatch(/--[a-z]/);
      }
      expect(() => diagnoseHar(wildcard(null), { only: 99 })).toThrow(/^entry 99: the HAR has/);
    });
    it('nothing alongside when credentials change nothing', () => {
      const [d] = diagnoseHar(real([{ request: { method: 'GET', url: `${API}/p`, headers: h({ origin: PAGE }) }, response: { status: 200, headers: h({}) } }]));
      expect([d?.credentialsFrom, d?.verdict?.ok, d?.ifCredentialed, d?.remarks]).toEqual(['assumed', false, null, []]);
    });
  });
});


import { describe, expect, it } from 'vitest';
import { evaluate, evaluateIn, webkitConsole } from './evaluate.js';
import { REASONS } from './reasons.js';
import type { ReasonContext } from './reasons.js';
import type { CredentialsMode, Initiator, Scenario } from './types.js';

/** The 15 reasons MDN documents for Firefox. */
const MDN_FIREFOX_REASONS = [
  'CORSAllowOriginNotMatchingOrigin',
  'CORSDidNotSucceed',
  'CORSDisabled',
  'CORSExternalRedirectNotAllowed',
  'CORSInvalidAllowHeader',
  'CORSInvalidAllowMethod',
  'CORSMethodNotFound',
  'CORSMissingAllowCredentials',
  'CORSMissingAllowHeaderFromPreflight',
  'CORSMissingAllowOrigin',
  'CORSMultipleAllowOriginNotAllowed',
  'CORSNotSupportingCredentials',
  'CORSOriginHeaderNotAdded',
  'CORSPreflightDidNotSucceed',
  'CORSRequestNotHttp',
];

function contexts(): ReasonContext[] {
  const out: ReasonContext[] = [];
  for (const initiator of ['fetch', 'xhr', 'eventsource'] as Initiator[]) {
    for (const credentials of ['omit', 'same-origin', 'include'] as CredentialsMode[]) {
      for (const preflight of [false, true]) {
        out.push({
          url: 'https://api.example/x',
          redirectedFrom: null,
          origin: 'https://app.example',
          requestOrigin: 'https://app.example',
          initiator,
          credentials,
          method: 'PUT',
          value: 'x-custom',
          status: 404,
          preflight,
        });
      }
    }
  }
  return out;
}

describe('reason table', () => {
  it('covers every MDN Firefox reason, and no other', () => {
    const reasons = new Set(REASONS.flatMap((r) => (r.firefox ? [r.firefox.reason] : [])));
    expect([...reasons].sort()).toEqual([...MDN_FIREFOX_REASONS].sort());
  });
  it('has unique ids and unique Chromium codes', () => {
    const ids = REASONS.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const codes = REASONS.flatMap((r) =>
      r.chromium?.corsError ? [r.chromium.corsError, ...(r.chromium.preflightCorsError ? [r.chromium.preflightCorsError] : [])] : [],
    );
    expect(new Set(codes).size).toBe(codes.length);
  });
  it.each(REASONS.map((r) => [r.id, r] as const))('%s: fixes never advise * with credentials or reflecting any origin', (_id, row) => {
    for (const ctx of contexts()) {
      const server = row.fixServer(ctx);
      const client = row.fixClient(ctx) ?? '';
      expect(server.length).toBeGreaterThan(20);
      for (const text of [server, client]) {
        expect(text).not.toMatch(/Access-Control-Allow-Origin: \*`?[^\n]*Allow-Credentials: true/);
        expect(text).not.toMatch(/reflect (the|any) origin/i);
        expect(text).not.toMatch(/mode to 'no-cors'/);
      }
      if (ctx.credentials !== 'include' || ctx.initiator === 'fetch') {
        // The client half names the flag of the API in use, never another API's.
        if (ctx.initiator === 'fetch') expect(client).not.toContain('withCredentials');
      }
      if (ctx.initiator !== 'fetch') expect(client).not.toContain("credentials: '");
    }
  });
});

describe('a missing Access-Control-Allow-Origin: the fix starts with where it got lost', () => {
  const API = 'https://api.example/items';
  const PAGE = 'https://app.example';
  it.each([
    ['a preflight answered 401 (authentication before CORS)', 'PUT', 401, /^The preflight got 401: authentication or authorization runs before CORS/],
    ['a preflight answered 405 (no OPTIONS route)', 'PUT', 405, /^The preflight got 405: nothing on the server answers OPTIONS \/items/],
    ['a preflight answered 502', 'PUT', 502, /^The preflight got 502: the server failed on OPTIONS/],
    ['a 500 without CORS headers', 'GET', 500, /^The response is a 500: error responses need the CORS headers too/],
    ['a 200 without CORS headers: no status story', 'GET', 200, /^Send `Access-Control-Allow-Origin: https:\/\/app\.example`/],
  ])('%s', (_n, method, status, fix) => {
    const preflighted = method === 'PUT';
    const v = evaluate({
      request: { url: API, origin: PAGE, method, headers: [], credentials: 'same-origin' },
      preflight: preflighted ? { status, headers: [] } : null,
      response: { status, headers: [] },
    });
    expect(v.browsers.chromium.reasonId).toBe('missing-allow-origin');
    expect(v.fixes?.server).toMatch(fix);
  });
});

describe('a mismatch after a tainting redirect', () => {
  it("does not advise allowing 'null': it says to avoid the cross-origin redirect", () => {
    const v = evaluate({
      request: { url: 'https://api.example/old', origin: 'https://app.example', method: 'GET', headers: [], credentials: 'same-origin' },
      preflight: null,
      redirects: [{ status: 302, headers: [['Access-Control-Allow-Origin', 'https://app.example'], ['Location', 'https://cdn.example/new']] }],
      response: { status: 200, headers: [['Access-Control-Allow-Origin', 'https://app.example']] },
    });
    expect(v.chromium?.corsError).toBe('AllowOriginMismatch');
    expect(v.fixes?.server).toContain('Avoid the cross-origin redirect');
    expect(v.fixes?.server).not.toContain("Add 'null'");
    expect(v.fixes?.client).toBe('Request https://cdn.example/new directly instead of https://api.example/old.');
  });
});


describe("WebKit's console lines (as real WebKitGTK logs them)", () => {
  const PAGE = 'https://app.example';
  const API = 'https://api.example/data';
  const base = { url: API, origin: PAGE, method: 'GET', headers: [] as Array<[string, string]>, credentials: 'same-origin' as CredentialsMode };
  const lines = (s: Scenario): string[] => webkitConsole(s, evaluateIn('webkit', s)).map((l) => `[${l.source}] ${l.text}`);

  it('a block: the reason, "<API> cannot load <url> ...", "Failed to load resource: <reason>"', () => {
    const s: Scenario = { request: { ...base, initiator: 'xhr' }, preflight: null, response: { status: 200, headers: [] } };
    const reasonLine = `Origin ${PAGE} is not allowed by Access-Control-Allow-Origin. Status code: 200`;
    expect(lines(s)).toEqual([`[security] ${reasonLine}`, `[javascript] XMLHttpRequest cannot load ${API} due to access control checks.`, `[network] Failed to load resource: ${reasonLine}`]);
  });
  it('a refused redirect names its target (without user:password@) before the reason; the API line names the URL redirected', () => {
    const s: Scenario = {
      request: { ...base, initiator: 'fetch' },
      preflight: null,
      redirects: [{ status: 302, headers: [['Access-Control-Allow-Origin', '*'], ['Location', 'https://user:pw@other.example/x']] }],
      response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
    };
    expect(lines(s).slice(0, 2)).toEqual([
      '[security] Cross-origin redirection to https://other.example/x denied by Cross-Origin Resource Sharing policy: redirection URL https://user:pw@other.example/x has credentials',
      `[javascript] Fetch API cannot load ${API} due to access control checks.`,
    ]);
  });
  it("XMLHttpRequest's refused headers come first, as script spelled them; fetch() logs none", () => {
    const req = { ...base, headers: [['Cookie', 'a'], ['Sec-Foo', 'b']] as Array<[string, string]> };
    const ok = { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] as Array<[string, string]> };
    expect(lines({ request: { ...req, initiator: 'xhr' }, preflight: null, response: ok })).toEqual(['[javascript] Refused to set unsafe header "Cookie"', '[javascript] Refused to set unsafe header "Sec-Foo"']);
    expect(lines({ request: { ...req, initiator: 'fetch' }, preflight: null, response: ok })).toEqual([]);
  });
  it('a passing load with status 500 logs "the server responded with a status of 500 (Internal Server Error)"', () => {
    const s: Scenario = { request: base, preflight: null, response: { status: 500, headers: [['Access-Control-Allow-Origin', '*']] } };
    expect(lines(s)).toEqual(['[network] Failed to load resource: the server responded with a status of 500 (Internal Server Error)']);
  });
  it('every row WebKit can report has a WebKit line; the rows it never reports have none', () => {
    const none = REASONS.filter((r) => r.webkit === null).map((r) => r.id);
    expect(none).toEqual(['preflight-redirect', 'local-network-permission-denied', 'insecure-local-network', 'did-not-succeed', 'external-redirect-not-allowed', 'request-not-http', 'cors-disabled', 'origin-header-not-added']);
  });
});

/**
 * Local Network Access (request.addressSpace, request.localNetworkAccess): each
 * row as Chromium 156 and Firefox 153 behaved on this machine with their
 * address spaces set by their testing switches (test/browser/lna.test.ts
 * proves the Chromium rows again in real Chromium), or, where a row's
 * `derived` names a browser, as that browser's source or feature list says.
 */
import { describe, expect, it } from 'vitest';
import { isLocalNetworkRequest, isSecureContextOrigin } from './address-space.js';
import { evaluate, evaluateIn } from './evaluate.js';
import { reason } from './reasons.js';
import type { AddressSpace, AddressSpaces, BrowserName, LocalNetworkPermission, Scenario } from './types.js';
import { validateScenario } from './validate.js';

const PUBLIC_PAGE = 'https://app.example';
const LOOPBACK_API = 'http://127.0.0.1:8080/api';
const ACAO = 'Access-Control-Allow-Origin';

interface Row {
  name: string;
  page: AddressSpace;
  target: AddressSpace;
  permission?: LocalNetworkPermission;
  origin?: string;
  secureContext?: boolean;
  method?: 'GET' | 'PUT';
  /** Each browser's row id, or null when it sends the request (and the ordinary CORS checks pass). */
  expected: Record<BrowserName, 'local-network-permission-denied' | 'insecure-local-network' | null>;
  /** Browsers whose expectation rests on source, not on a run of the real browser. */
  derived?: BrowserName[];
}

const ROWS: Row[] = [
  { name: 'loopback page to loopback', page: 'loopback', target: 'loopback', expected: { chromium: null, firefox: null, webkit: null } },
  { name: 'loopback page to local', page: 'loopback', target: 'local', expected: { chromium: null, firefox: null, webkit: null } },
  { name: 'local page to loopback: not gated', page: 'local', target: 'loopback', expected: { chromium: null, firefox: null, webkit: null }, derived: ['webkit'] },
  { name: 'public page to public', page: 'public', target: 'public', expected: { chromium: null, firefox: null, webkit: null } },
  {
    name: 'public page to loopback, prompt unanswered',
    page: 'public',
    target: 'loopback',
    expected: { chromium: 'local-network-permission-denied', firefox: 'local-network-permission-denied', webkit: null },
    // Firefox holds the request (seen); that it then fails as denied is its source's; WebKit has no LNA by default.
    derived: ['firefox', 'webkit'],
  },
  {
    name: 'public page to loopback, denied',
    page: 'public',
    target: 'loopback',
    permission: 'denied',
    expected: { chromium: 'local-network-permission-denied', firefox: 'local-network-permission-denied', webkit: null },
    derived: ['webkit'],
  },
  {
    name: 'public page to loopback, preflighted PUT, denied: refused at the preflight',
    page: 'public',
    target: 'loopback',
    permission: 'denied',
    method: 'PUT',
    expected: { chromium: 'local-network-permission-denied', firefox: 'local-network-permission-denied', webkit: null },
    derived: ['webkit'],
  },
  { name: 'public page to loopback, granted', page: 'public', target: 'loopback', permission: 'granted', expected: { chromium: null, firefox: null, webkit: null } },
  { name: 'public page to loopback, granted, preflighted PUT', page: 'public', target: 'loopback', permission: 'granted', method: 'PUT', expected: { chromium: null, firefox: null, webkit: null } },
  {
    name: 'public page to local, denied',
    page: 'public',
    target: 'local',
    permission: 'denied',
    expected: { chromium: 'local-network-permission-denied', firefox: 'local-network-permission-denied', webkit: null },
    derived: ['firefox', 'webkit'],
  },
  { name: 'public page to local, granted', page: 'public', target: 'local', permission: 'granted', expected: { chromium: null, firefox: null, webkit: null } },
  {
    name: 'non-secure public page to loopback: Chromium refuses whatever the permission',
    page: 'public',
    target: 'loopback',
    origin: 'http://app.example',
    permission: 'granted',
    expected: { chromium: 'insecure-local-network', firefox: null, webkit: null },
    // Seen in Firefox: a non-secure page is asked (held) as a secure one; granted for it is its source's.
    derived: ['firefox', 'webkit'],
  },
  {
    name: 'non-secure public page to loopback, prompt',
    page: 'public',
    target: 'loopback',
    origin: 'http://app.example',
    expected: { chromium: 'insecure-local-network', firefox: 'local-network-permission-denied', webkit: null },
    derived: ['firefox', 'webkit'],
  },
  {
    name: 'https page framed by an http page (secureContext false)',
    page: 'public',
    target: 'local',
    secureContext: false,
    permission: 'denied',
    expected: { chromium: 'insecure-local-network', firefox: 'local-network-permission-denied', webkit: null },
    derived: ['firefox', 'webkit'],
  },
];

function scenarioOf(row: Row): Scenario {
  const addressSpace: AddressSpaces = { page: row.page, target: row.target };
  if (row.secureContext !== undefined) addressSpace.secureContext = row.secureContext;
  const origin = row.origin ?? PUBLIC_PAGE;
  return {
    request: {
      url: LOOPBACK_API,
      origin,
      method: row.method ?? 'GET',
      headers: row.method === 'PUT' ? [['X-Test', '1']] : [],
      credentials: 'same-origin',
      addressSpace,
      ...(row.permission ? { localNetworkAccess: row.permission } : {}),
    },
    preflight: { status: 204, headers: [[ACAO, origin], ['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Headers', 'x-test']] },
    response: { status: 200, headers: [[ACAO, origin]] },
  };
}

describe('Local Network Access, per browser', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const s = scenarioOf(row);
    for (const browser of ['chromium', 'firefox', 'webkit'] as const) {
      const outcome = evaluateIn(browser, s);
      expect(outcome.reasonId, browser).toBe(row.expected[browser]);
      if (outcome.reasonId !== null) {
        // Nothing reaches the server: no request sent; a preflighted request fails at its preflight.
        expect(outcome.requests, browser).toEqual([]);
        expect(outcome.failedAt, browser).toBe(row.method === 'PUT' ? 'preflight' : 'response');
        expect(outcome.context?.value, browser).toBe(row.target);
      } else {
        expect(outcome.requests.length, browser).toBe(1);
      }
    }
  });

  it('marks what no browser run backs: every row WebKit is expected to pass is source-derived for WebKit when gated elsewhere', () => {
    for (const row of ROWS) {
      const gated = row.expected.chromium !== null || row.expected.firefox !== null;
      if (gated) expect(row.derived, row.name).toContain('webkit');
    }
    expect(Object.keys(reason('local-network-permission-denied').sourceDerived ?? {})).toEqual(['firefox']);
    expect(reason('insecure-local-network').sourceDerived).toBeUndefined();
  });
});

describe('Local Network Access: messages and fix (Chromium 156, seen)', () => {
  const denied = scenarioOf(ROWS[5] as Row);
  it.each([
    ['fetch', 'loopback', "Access to fetch at 'http://127.0.0.1:8080/api' from origin 'https://app.example' has been blocked by CORS policy: Permission was denied for this request to access the `loopback` address space."],
    ['xhr', 'loopback', "Access to XMLHttpRequest at 'http://127.0.0.1:8080/api' from origin 'https://app.example' has been blocked by CORS policy: Permission was denied for this request to access the `loopback` address space."],
    ['eventsource', 'local', "Access to resource at 'http://127.0.0.1:8080/api' from origin 'https://app.example' has been blocked by CORS policy: Permission was denied for this request to access the `local` address space."],
  ] as const)('%s to %s', (initiator, target, message) => {
    const s: Scenario = { ...denied, request: { ...denied.request, initiator, addressSpace: { page: 'public', target } } };
    const v = evaluate(s);
    expect(v.ok).toBe(false);
    expect(v.chromium).toEqual({ corsError: 'LocalNetworkAccessPermissionDenied', failedParameter: '', message });
    expect(v.firefox).toEqual({
      reason: 'CORSDidNotSucceed',
      message: 'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:8080/api. (Reason: CORS request did not succeed). Status code: (null).',
    });
    expect(v.webkit).toBeNull();
    expect(v.browsers.webkit.ok).toBe(true);
    expect(v.fixes?.server).toMatch(/The page is public, the API is on the user's (own machine \(loopback\)|local network \(LAN\))/);
    expect(v.fixes?.server).toMatch(/no response header can grant it/);
    expect(v.fixes?.client).toMatch(/The user must allow local network access for https:\/\/app\.example/);
    // The verdict narrowed to WebKit passes: WebKit has no Local Network Access by default.
    expect(evaluate(s, { browsers: ['webkit'] }).ok).toBe(true);
  });

  it('after a redirect to loopback: the refused URL, redirected from the first (seen)', () => {
    const s: Scenario = {
      request: { url: 'https://api.example/start', origin: PUBLIC_PAGE, method: 'GET', headers: [], credentials: 'same-origin', addressSpace: { page: 'public', target: 'public', redirectTargets: ['loopback'] } },
      preflight: null,
      redirects: [{ status: 302, headers: [[ACAO, PUBLIC_PAGE], ['Location', LOOPBACK_API]] }],
      response: { status: 200, headers: [[ACAO, '*']] },
    };
    const v = evaluate(s);
    expect(v.chromium?.message).toBe(
      "Access to fetch at 'http://127.0.0.1:8080/api' (redirected from 'https://api.example/start') from origin 'https://app.example' has been blocked by CORS policy: Permission was denied for this request to access the `loopback` address space.",
    );
    expect(evaluateIn('chromium', s).requests.map((r) => r.url)).toEqual(['https://api.example/start']);
    const granted = evaluate({ ...s, request: { ...s.request, localNetworkAccess: 'granted' } });
    expect(granted.ok).toBe(true);
  });

  it('the non-secure page line (seen)', () => {
    const s = scenarioOf(ROWS[11] as Row);
    expect(evaluate(s).chromium).toEqual({
      corsError: 'InsecureLocalNetwork',
      failedParameter: '',
      message: "Access to fetch at 'http://127.0.0.1:8080/api' from origin 'http://app.example' has been blocked by CORS policy: The request client is not a secure context and the resource is in more-private address space `loopback`.",
    });
    expect(evaluate(s).fixes?.client).toMatch(/Load the page from https/);
  });

  it('granted: the ordinary CORS checks follow, with their ordinary messages (seen)', () => {
    const base = scenarioOf(ROWS[7] as Row);
    const s: Scenario = { ...base, response: { status: 200, headers: [] } };
    expect(evaluate(s).chromium?.corsError).toBe('MissingAllowOriginHeader');
  });

  it('without addressSpace nothing changes (the field is opt-in)', () => {
    const s = scenarioOf(ROWS[5] as Row);
    const request = { ...s.request };
    delete request.addressSpace;
    delete request.localNetworkAccess;
    expect(evaluate({ ...s, request }).ok).toBe(true);
  });
});

describe('address spaces', () => {
  it.each([
    ['public', 'public', false],
    ['public', 'local', true],
    ['public', 'loopback', true],
    ['local', 'loopback', false],
    ['local', 'local', false],
    ['loopback', 'local', false],
  ] as const)('%s to %s is a local network request: %s', (page, target, gated) => {
    expect(isLocalNetworkRequest(page, target)).toBe(gated);
  });
  it.each([
    ['https://app.example', true],
    ['http://app.example', false],
    ['http://localhost:3000', true],
    ['http://api.localhost', true],
    ['http://127.0.0.1:8080', true],
    ['http://127.1.2.3', true],
    ['http://[::1]:8080', true],
    ['http://10.0.0.2', false],
    ['null', true],
  ] as const)('%s is a secure context: %s', (origin, secure) => {
    expect(isSecureContextOrigin(origin)).toBe(secure);
  });
});

describe('validateScenario: request.addressSpace and request.localNetworkAccess', () => {
  const base = { request: { url: LOOPBACK_API, origin: PUBLIC_PAGE }, response: { status: 200, headers: [] } };
  const withRequest = (extra: object, rest: object = {}): unknown => ({ ...base, ...rest, request: { ...base.request, ...extra } });
  it('reads them', () => {
    const s = validateScenario(withRequest({ addressSpace: { page: 'public', target: 'local', secureContext: true }, localNetworkAccess: 'granted' }));
    expect(s.request.addressSpace).toEqual({ page: 'public', target: 'local', secureContext: true });
    expect(s.request.localNetworkAccess).toBe('granted');
    const r = validateScenario(
      withRequest({ addressSpace: { page: 'public', target: 'public', redirectTargets: [null, 'loopback'] } }, { redirects: [{ status: 302, headers: [['Location', '/a']] }, { status: 302, headers: [['Location', '/b']] }] }),
    );
    expect(r.request.addressSpace?.redirectTargets).toEqual([null, 'loopback']);
    expect('addressSpace' in validateScenario(base).request).toBe(false);
  });
  it.each([
    ['an unknown space', { addressSpace: { page: 'private', target: 'local' } }, 'request.addressSpace.page', /expected one of public, local, loopback, got 'private'/],
    ['a missing target', { addressSpace: { page: 'public' } }, 'request.addressSpace.target', /missing/],
    ['an unknown field', { addressSpace: { page: 'public', target: 'local', permission: 'granted' } }, 'request.addressSpace.permission', /unknown field/],
    ['secureContext not a boolean', { addressSpace: { page: 'public', target: 'local', secureContext: 'yes' } }, 'request.addressSpace.secureContext', /true or false/],
    ['more redirect targets than redirects', { addressSpace: { page: 'public', target: 'local', redirectTargets: ['local'] } }, 'request.addressSpace.redirectTargets', /1 entries for 0 redirects/],
    ['a bad permission', { addressSpace: { page: 'public', target: 'local' }, localNetworkAccess: 'allow' }, 'request.localNetworkAccess', /granted, denied, prompt/],
    ['a permission without addressSpace', { localNetworkAccess: 'granted' }, 'request.localNetworkAccess', /needs request.addressSpace/],
  ])('refuses %s', (_name, extra, field, why) => {
    try {
      validateScenario(withRequest(extra));
      expect.unreachable();
    } catch (e) {
      expect((e as { field: string }).field).toBe(field);
      expect((e as Error).message).toMatch(why);
    }
  });
});

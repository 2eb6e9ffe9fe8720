import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import type { BrowserName, HeaderList, Scenario, ScenarioResponse } from './types.js';

import { ACAC, ACAO, API, PAGE, scenario } from './test-scenarios.js';

interface Row {
  name: string;
  scenario: Scenario;
  ok: boolean;
  chromium?: string | null; // CorsError
  firefox?: string | null; // MDN reason
  failedAt?: string | null;
  acrh?: string | null;
}


const rows: Row[] = [
  { name: 'exact origin passes', scenario: scenario({}, [[ACAO, PAGE]]), ok: true },
  { name: '* passes without credentials', scenario: scenario({}, [[ACAO, '*']]), ok: true },
  // Regression (differential suite): the HTTP parser trims the value of a raw header line.
  { name: 'spaces around the origin are trimmed', scenario: scenario({}, [[ACAO, ` ${PAGE}  `]]), ok: true },
  {
    name: '* with credentials',
    scenario: scenario({ credentials: 'include' }, [[ACAO, '*']]),
    ok: false,
    chromium: 'WildcardOriginNotAllowed',
    firefox: 'CORSNotSupportingCredentials',
    failedAt: 'response',
  },
  {
    name: 'missing ACAO',
    scenario: scenario({}, []),
    ok: false,
    chromium: 'MissingAllowOriginHeader',
    firefox: 'CORSMissingAllowOrigin',
  },
  {
    name: 'two ACAO lines: Chromium sees multiple values, Firefox multiple headers',
    scenario: scenario({}, [[ACAO, PAGE], [ACAO, PAGE]]),
    ok: false,
    chromium: 'MultipleAllowOriginValues',
    firefox: 'CORSMultipleAllowOriginNotAllowed',
  },
  {
    name: 'one comma-joined ACAO line: Firefox says it does not match',
    scenario: scenario({}, [[ACAO, `${PAGE}, https://b.example`]]),
    ok: false,
    chromium: 'MultipleAllowOriginValues',
    firefox: 'CORSAllowOriginNotMatchingOrigin',
  },
  {
    name: 'trailing slash',
    scenario: scenario({}, [[ACAO, `${PAGE}/`]]),
    ok: false,
    chromium: 'AllowOriginMismatch',
    firefox: 'CORSAllowOriginNotMatchingOrigin',
  },
  {
    name: 'not a URL',
    scenario: scenario({}, [[ACAO, 'app.example']]),
    ok: false,
    chromium: 'InvalidAllowOriginValue',
    firefox: 'CORSAllowOriginNotMatchingOrigin',
  },
  {
    name: "'null' is a mismatch for Chromium, not an invalid value",
    scenario: scenario({}, [[ACAO, 'null']]),
    ok: false,
    chromium: 'AllowOriginMismatch',
    firefox: 'CORSAllowOriginNotMatchingOrigin',
  },
  {
    name: 'credentials without ACAC',
    scenario: scenario({ credentials: 'include' }, [[ACAO, PAGE]]),
    ok: false,
    chromium: 'InvalidAllowCredentials',
    firefox: 'CORSMissingAllowCredentials',
  },
  {
    name: 'ACAC must be lowercase true',
    scenario: scenario({ credentials: 'include' }, [[ACAO, PAGE], [ACAC, 'TRUE']]),
    ok: false,
    chromium: 'InvalidAllowCredentials',
    firefox: 'CORSMissingAllowCredentials',
  },
  {
    name: 'credentials with exact origin and ACAC',
    scenario: scenario({ credentials: 'include' }, [[ACAO, PAGE], [ACAC, 'true']]),
    ok: true,
  },
  {
    name: 'PUT preflight answered 404 without CORS headers: both report the missing header first',
    scenario: { ...scenario({ method: 'PUT' }, [[ACAO, PAGE]]), preflight: { status: 404, headers: [] } },
    ok: false,
    chromium: 'PreflightMissingAllowOriginHeader',
    firefox: 'CORSMissingAllowOrigin',
    failedAt: 'preflight',
  },
  {
    name: 'preflight 500 with CORS headers',
    scenario: { ...scenario({ method: 'PUT' }, [[ACAO, PAGE]]), preflight: { status: 500, headers: [[ACAO, PAGE]] } },
    ok: false,
    chromium: 'PreflightInvalidStatus',
    firefox: 'CORSPreflightDidNotSucceed',
  },
  {
    name: 'method not allowed',
    scenario: scenario({ method: 'PUT' }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Methods', 'GET, POST']]),
    ok: false,
    chromium: 'MethodDisallowedByPreflightResponse',
    firefox: 'CORSMethodNotFound',
  },
  {
    name: 'lowercase patch is not matched by PATCH',
    scenario: scenario({ method: 'patch' }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Methods', 'PATCH']]),
    ok: false,
    chromium: 'MethodDisallowedByPreflightResponse',
    firefox: 'CORSMethodNotFound',
  },
  {
    name: 'lowercase put is normalized',
    scenario: scenario({ method: 'put' }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Methods', 'PUT']]),
    ok: true,
  },
  {
    name: 'header not allowed, ACRH lowercase sorted',
    scenario: scenario(
      { headers: [['X-B', '1'], ['X-A', '2']] },
      [[ACAO, PAGE]],
      [[ACAO, PAGE], ['Access-Control-Allow-Headers', 'x-b']],
    ),
    ok: false,
    chromium: 'HeaderDisallowedByPreflightResponse',
    firefox: 'CORSMissingAllowHeaderFromPreflight',
    acrh: 'x-a,x-b',
  },
  {
    name: '* in Allow-Headers covers Authorization in both browsers (unlike the spec)',
    scenario: scenario({ headers: [['Authorization', 'Bearer x']] }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Headers', '*']]),
    ok: true,
  },
  {
    name: '* in Allow-Headers does not count with credentials',
    scenario: scenario(
      { headers: [['X-A', '1']], credentials: 'include' },
      [[ACAO, PAGE], [ACAC, 'true']],
      [[ACAO, PAGE], [ACAC, 'true'], ['Access-Control-Allow-Headers', '*']],
    ),
    ok: false,
    chromium: 'HeaderDisallowedByPreflightResponse',
    firefox: 'CORSMissingAllowHeaderFromPreflight',
  },
  {
    name: 'invalid token in Allow-Methods',
    scenario: scenario({ method: 'PUT' }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Methods', 'PUT, GE T']]),
    ok: false,
    chromium: 'InvalidAllowMethodsPreflightResponse',
    firefox: 'CORSInvalidAllowMethod',
  },
  {
    name: 'redirected preflight',
    scenario: {
      ...scenario({ method: 'PUT' }, [[ACAO, PAGE]]),
      preflight: { status: 301, headers: [[ACAO, PAGE], ['Location', 'https://api.example/other']] },
    },
    ok: false,
    chromium: 'PreflightDisallowedRedirect',
    firefox: 'CORSExternalRedirectNotAllowed',
  },
  {
    name: 'cross-origin to cross-origin redirect taints the origin',
    scenario: {
      ...scenario({}, [[ACAO, PAGE]]),
      redirects: [{ status: 302, headers: [[ACAO, PAGE], ['Location', 'https://other.example/x']] }],
    },
    ok: false,
    chromium: 'AllowOriginMismatch',
    firefox: 'CORSAllowOriginNotMatchingOrigin',
  },
  {
    name: "after tainting, 'null' passes",
    scenario: {
      ...scenario({}, [[ACAO, 'null']]),
      redirects: [{ status: 302, headers: [[ACAO, PAGE], ['Location', 'https://other.example/x']] }],
    },
    ok: true,
  },
  {
    name: 'each redirect target answers its own preflight (redirectPreflights)',
    scenario: {
      ...scenario({ method: 'PUT' }, [[ACAO, 'null']], [[ACAO, PAGE], ['Access-Control-Allow-Methods', 'PUT']]),
      redirects: [{ status: 307, headers: [[ACAO, PAGE], ['Location', 'https://other.example/x']] }],
      redirectPreflights: [{ status: 404, headers: [] }],
    },
    ok: false,
    chromium: 'PreflightMissingAllowOriginHeader',
    firefox: 'CORSMissingAllowOrigin',
  },
  // Regression (differential suite, hop-preflight cases): Firefox does not run the access check on a preflight to the page's own origin.
  {
    name: 'a preflight to the page origin after a tainting redirect: Firefox checks its status, not its CORS headers',
    scenario: {
      ...scenario({ method: 'PUT', url: `${API}/a` }, [[ACAO, 'null']], [[ACAO, PAGE], ['Access-Control-Allow-Methods', 'PUT']]),
      redirects: [{ status: 307, headers: [[ACAO, PAGE], ['Location', `${PAGE}/back`]] }],
      redirectPreflights: [{ status: 204, headers: [['Access-Control-Allow-Methods', 'PUT']] }],
    },
    ok: false,
    chromium: 'PreflightMissingAllowOriginHeader',
    firefox: null,
  },
  {
    name: 'a null redirectPreflights entry means the first preflight answer again',
    scenario: {
      ...scenario({ method: 'PUT' }, [[ACAO, 'null']], [[ACAO, '*'], ['Access-Control-Allow-Methods', 'PUT']]),
      redirects: [{ status: 307, headers: [[ACAO, PAGE], ['Location', 'https://other.example/x']] }],
      redirectPreflights: [null],
    },
    ok: true,
  },
  {
    name: 'same-origin request redirected cross-origin is not tainted',
    scenario: {
      ...scenario({ url: `${PAGE}/start` }, [[ACAO, PAGE]]),
      redirects: [{ status: 302, headers: [['Location', API]] }],
    },
    ok: true,
  },
  // Regression (differential suite): non-CORS network errors.
  {
    name: 'a redirect to data: is a network error',
    scenario: { ...scenario({}, [[ACAO, '*']]), redirects: [{ status: 302, headers: [[ACAO, '*'], ['Location', 'data:,x']] }] },
    ok: false,
    chromium: null,
    firefox: 'CORSDidNotSucceed',
    failedAt: 'redirect',
  },
  {
    name: 'the 21st redirect is one too many',
    scenario: {
      ...scenario({}, [[ACAO, '*']]),
      redirects: Array.from({ length: 21 }, (_, k) => ({ status: 302, headers: [[ACAO, '*'], ['Location', `/r${k + 1}`]] as HeaderList })),
    },
    ok: false,
    chromium: null,
    firefox: 'CORSDidNotSucceed',
    failedAt: 'redirect',
  },
  {
    name: '20 redirects are followed',
    scenario: {
      ...scenario({}, [[ACAO, '*']]),
      redirects: Array.from({ length: 20 }, (_, k) => ({ status: 302, headers: [[ACAO, '*'], ['Location', `/r${k + 1}`]] as HeaderList })),
    },
    ok: true,
  },
  {
    name: 'a redirect hop without ACAO fails',
    scenario: {
      ...scenario({}, [[ACAO, PAGE]]),
      redirects: [{ status: 307, headers: [['Location', '/next']] }],
    },
    ok: false,
    chromium: 'MissingAllowOriginHeader',
    firefox: 'CORSMissingAllowOrigin',
    failedAt: 'redirect',
  },
];

describe('evaluate', () => {
  it.each(rows)('$name', (row) => {
    const verdict = evaluate(row.scenario);
    expect(verdict.ok).toBe(row.ok);
    if (row.ok) {
      expect(verdict.chromium).toBeNull();
      expect(verdict.firefox).toBeNull();
      expect(verdict.fix).toBeNull();
      return;
    }
    if (row.chromium !== undefined) {
      expect(verdict.chromium).not.toBeNull();
      expect(verdict.chromium?.corsError).toBe(row.chromium);
    }
    if (row.firefox !== undefined) expect(verdict.firefox?.reason ?? null).toBe(row.firefox);
    if (row.failedAt !== undefined) expect(verdict.failedAt).toBe(row.failedAt);
    if (row.acrh !== undefined) {
      const acrh = verdict.preflight.request?.headers.find(([n]) => n === 'Access-Control-Request-Headers')?.[1] ?? null;
      expect(acrh).toBe(row.acrh);
    }
    expect(verdict.fix).toMatch(/^Server: /);
  });
});

describe('exposure', () => {
  const response: ScenarioResponse['headers'] = [
    [ACAO, PAGE],
    ['Content-Type', 'text/plain'],
    ['X-Foo', '1'],
    ['Set-Cookie', 'a=b'],
    ['Date', 'x'],
  ];
  it.each([
    [[], 'same-origin', ['content-type']],
    [[['Access-Control-Expose-Headers', 'x-foo']], 'same-origin', ['content-type', 'x-foo']],
    [[['Access-Control-Expose-Headers', '*']], 'same-origin', ['access-control-allow-origin', 'access-control-expose-headers', 'content-type', 'date', 'x-foo']],
    [[['Access-Control-Expose-Headers', 'Set-Cookie']], 'same-origin', ['content-type']],
    // Regression (differential suite): one invalid element voids the whole list in both browsers.
    [[['Access-Control-Expose-Headers', 'X-Foo, x(bar)']], 'same-origin', ['content-type']],
  ] as Array<[HeaderList, 'same-origin', string[]]>)('%j', (extra, credentials, expected) => {
    const v = evaluate(scenario({ credentials }, [...response, ...extra]));
    expect(v.exposedHeaders).toEqual(expected);
  });
  it('* exposes nothing extra with credentials', () => {
    const v = evaluate(scenario({ credentials: 'include' }, [...response, [ACAC, 'true'], ['Access-Control-Expose-Headers', '*']]));
    expect(v.exposedHeaders).toEqual(['content-type']);
  });
});

describe('messages', () => {
  it('words Chromium messages per API and adds the XHR credentials sentence', () => {
    const v = evaluate(scenario({ credentials: 'include', initiator: 'xhr' }, [[ACAO, '*']]));
    expect(v.chromium?.message).toBe(
      `Access to XMLHttpRequest at '${API}' from origin '${PAGE}' has been blocked by CORS policy: The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'. The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.`,
    );
    expect(v.fixes?.client).toContain('withCredentials');
  });
  it('names the redirect in Chromium messages', () => {
    const v = evaluate({
      ...scenario({}, []),
      redirects: [{ status: 302, headers: [[ACAO, PAGE], ['Location', 'https://api.example/final']] }],
    });
    expect(v.chromium?.message).toContain(`at 'https://api.example/final' (redirected from '${API}') from origin '${PAGE}'`);
  });
  it('adds the status code to Firefox messages that carry one', () => {
    const v = evaluate({ ...scenario({}, []), response: { status: 404, headers: [] } });
    expect(v.firefox?.message).toBe(
      `Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ${API}. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 404.`,
    );
  });
});

describe('warnings', () => {
  it('Firefox warns when only * lets Authorization through', () => {
    const v = evaluate(scenario({ headers: [['Authorization', 'Bearer x']] }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Headers', '*']]));
    expect(v.ok).toBe(true);
    expect(v.warnings.map((w) => [w.browser, w.key])).toEqual([['firefox', 'CORSAllowHeaderFromPreflightDeprecation']]);
    expect(v.warnings[0]?.message).toContain(`remote resource at ${API} soon`);
  });
  it('no warning when Authorization is listed by name', () => {
    const v = evaluate(scenario({ headers: [['Authorization', 'Bearer x']] }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Headers', '*, authorization']]));
    expect(v.warnings).toEqual([]);
  });
});


describe('three browsers: what the verdict covers', () => {
  const OTHER = 'https://other.example/x';
  // Client hints: Firefox and WebKit preflight DPR, Chromium does not (browsers.test.ts has the rows).
  const dpr = scenario({ headers: [['DPR', '2']] }, [[ACAO, PAGE], ['X-Y', '1'], ['Access-Control-Expose-Headers', 'X-Y']], [[ACAO, PAGE]]);
  // WebKit keeps Authorization across a cross-origin redirect and preflights it again (Chromium and Firefox drop it).
  const kept: Scenario = {
    ...scenario({ headers: [['Authorization', 'Bearer t']] }, [[ACAO, '*']], [[ACAO, '*'], ['Access-Control-Allow-Headers', 'Authorization']]),
    redirects: [{ status: 307, headers: [[ACAO, '*'], ['Location', OTHER]] }],
    redirectPreflights: [{ status: 204, headers: [[ACAO, '*'], ['Access-Control-Allow-Headers', 'X-Other']] }],
  };

  // [label, scenario, browsers given, ok, failedAt, which reports are set, exposedHeaders]
  it.each([
    ['all three by default: Firefox leads when Chromium passes', dpr, undefined, false, 'preflight', ['firefox', 'webkit'], []],
    ['narrowed to Chromium: passes, its readable headers', dpr, ['chromium'], true, null, ['firefox', 'webkit'], ['x-y']],
    ['narrowed to WebKit and Chromium (any order)', dpr, ['webkit', 'chromium'], false, 'preflight', ['firefox', 'webkit'], []],
    ['WebKit alone blocks: the default verdict fails', kept, undefined, false, 'preflight', ['webkit'], []],
    ['WebKit alone blocks: two browsers pass', kept, ['chromium', 'firefox'], true, null, ['webkit'], []],
  ] as Array<[string, Scenario, BrowserName[] | undefined, boolean, string | null, BrowserName[], string[]]>)('%s', (_label, s, browsers, ok, failedAt, reported, exposed) => {
    const v = evaluate(s, browsers ? { browsers } : undefined);
    expect([v.ok, v.failedAt, v.exposedHeaders]).toEqual([ok, failedAt, exposed]);
    expect((['chromium', 'firefox', 'webkit'] as const).filter((b) => v[b] !== null)).toEqual(reported);
    expect(v.covers).toEqual((['chromium', 'firefox', 'webkit'] as const).filter((b) => !browsers || browsers.includes(b)));
    expect(v.fix === null).toBe(ok);
  });

  it("WebKit's report: corsproof's template id, the reason line and every console line", () => {
    const v = evaluate(kept);
    expect(v.webkit).toEqual({
      reason: 'header-not-allowed',
      message: 'Request header field Authorization is not allowed by Access-Control-Allow-Headers.',
      messages: [
        'Request header field Authorization is not allowed by Access-Control-Allow-Headers.',
        `Fetch API cannot load ${OTHER} due to access control checks.`,
        'Failed to load resource: Request header field Authorization is not allowed by Access-Control-Allow-Headers.',
      ],
    });
    expect(v.fixes?.server).toContain('Authorization');
  });

  it('one template for a missing and a mismatched Access-Control-Allow-Origin', () => {
    expect(evaluate(scenario({}, [])).webkit?.reason).toBe('origin-not-allowed');
    expect(evaluate(scenario({}, [[ACAO, 'https://b.example']])).webkit?.reason).toBe('origin-not-allowed');
  });

  it('requests: each browser, each hop, with the Origin it carries (computed when read, in JSON too)', () => {
    const v = evaluate(kept);
    const hops = (b: BrowserName): Array<[string, string | null, string | null]> =>
      v.requests[b].map((r) => [r.url, r.headers.find(([n]) => n === 'Origin')?.[1] ?? null, r.headers.find(([n]) => n === 'Authorization')?.[1] ?? null]);
    expect(hops('chromium')).toEqual([[API, PAGE, 'Bearer t'], [OTHER, 'null', null]]);
    expect(hops('firefox')).toEqual([[API, PAGE, 'Bearer t'], [OTHER, 'null', null]]);
    // WebKit's second preflight fails: it sends only the first request.
    expect(hops('webkit')).toEqual([[API, PAGE, 'Bearer t']]);
    expect((JSON.parse(JSON.stringify(v)) as { requests: unknown }).requests).toEqual(v.requests);
  });

  it.each([[[]], [['safari']], ['chromium']])('refuses options.browsers %j', (browsers) => {
    expect(() => evaluate(dpr, { browsers: browsers as BrowserName[] })).toThrow(TypeError);
  });
});

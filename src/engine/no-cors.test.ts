/**
 * `fetch(url, { mode: 'no-cors' })` (request.mode): what the engine says each
 * browser does, row by row as real Chromium, Firefox and WebKit did it
 * (test/browser/no-cors.test.ts proves the rows in the browsers).
 */
import { describe, expect, it } from 'vitest';
import { evaluate, evaluateIn } from './evaluate.js';
import { warning } from './reasons.js';
import { ScenarioError } from './request.js';
import type { BrowserName, HeaderList, Scenario, ScenarioResponse } from './types.js';
import { validateScenario } from './validate.js';
import { ACAC, ACAO, API, PAGE, scenario } from './test-scenarios.js';

const BROWSERS: BrowserName[] = ['chromium', 'firefox', 'webkit'];
const OTHER = 'https://other.example/next';
const JSON_TYPE: HeaderList = [['Content-Type', 'application/json']];
const noCors = (request: Parameters<typeof scenario>[0], response: HeaderList = JSON_TYPE, extra: Partial<Scenario> = {}): Scenario =>
  scenario({ mode: 'no-cors', ...request }, response, null, extra);
const redirect = (status: number, location: string): ScenarioResponse => ({ status, headers: [['Location', location]] });

interface Row {
  name: string;
  scenario: Scenario;
  /** Per browser (all three when one value): passes, with an opaque response. */
  opaque: boolean | Record<BrowserName, boolean>;
  /** The requests each browser sends: "METHOD url [Name: value; ...]" (all three alike). */
  requests: string[];
}

const rows: Row[] = [
  { name: 'no CORS headers at all', scenario: noCors({}), opaque: true, requests: [`GET ${API} []`] },
  { name: "Access-Control-Allow-Origin '*' with credentials", scenario: noCors({ credentials: 'include' }, [[ACAO, '*']]), opaque: true, requests: [`GET ${API} []`] },
  {
    name: 'a correct Access-Control-Allow-Origin and an exposed header: still nothing readable',
    scenario: noCors({}, [[ACAO, PAGE], [ACAC, 'true'], ['Access-Control-Expose-Headers', 'X-Total'], ['X-Total', '3']]),
    opaque: true,
    requests: [`GET ${API} []`],
  },
  { name: 'an error status is opaque too', scenario: noCors({}, [], { response: { status: 500, headers: [] } }), opaque: true, requests: [`GET ${API} []`] },
  { name: 'HEAD', scenario: noCors({ method: 'HEAD' }), opaque: true, requests: [`HEAD ${API} []`] },
  { name: 'POST carries Origin', scenario: noCors({ method: 'POST' }), opaque: true, requests: [`POST ${API} [Origin: ${PAGE}]`] },
  { name: "'post' is normalized", scenario: noCors({ method: 'post' }), opaque: true, requests: [`POST ${API} [Origin: ${PAGE}]`] },
  {
    name: 'headers that are not no-CORS-safelisted are dropped silently; no preflight',
    scenario: noCors({
      headers: [
        ['X-Custom', '1'],
        ['Authorization', 'Bearer t'],
        ['Range', 'bytes=0-1'],
        ['Content-Type', 'application/json'],
        ['Accept', 'application/json'],
        ['Accept-Language', 'fr'],
        ['Content-Language', 'de'],
      ],
    }),
    opaque: true,
    requests: [`GET ${API} [Accept: application/json; Accept-Language: fr; Content-Language: de]`],
  },
  { name: 'an Accept value with a CORS-unsafe byte is dropped', scenario: noCors({ headers: [['Accept', 'a"b']] }), opaque: true, requests: [`GET ${API} []`] },
  {
    name: 'a repeated name is judged on the combined value (Headers append, guard request-no-cors)',
    scenario: noCors({ headers: [['Accept', 'application/json'], ['Accept', 'a"b'], ['Accept', 'text/plain']] }),
    opaque: true,
    requests: [`GET ${API} [Accept: application/json; Accept: text/plain]`],
  },
  {
    name: 'POST with Content-Type application/json: dropped (a string body then sends its own text/plain, not modelled)',
    scenario: noCors({ method: 'POST', headers: [['Content-Type', 'application/json']] }),
    opaque: true,
    requests: [`POST ${API} [Origin: ${PAGE}]`],
  },
  {
    name: 'POST with a safelisted Content-Type keeps it',
    scenario: noCors({ method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']] }),
    opaque: true,
    requests: [`POST ${API} [Origin: ${PAGE}; Content-Type: application/x-www-form-urlencoded]`],
  },
  {
    name: 'a redirect chain is followed with the kept headers, no Origin on GETs',
    scenario: noCors({ headers: [['Accept', 'application/json'], ['X-Custom', '1']] }, JSON_TYPE, { redirects: [redirect(302, OTHER), redirect(307, `${API}/2`)] }),
    opaque: true,
    requests: [`GET ${API} [Accept: application/json]`, `GET ${OTHER} [Accept: application/json]`, `GET ${API}/2 [Accept: application/json]`],
  },
  {
    name: 'a POST 307 from one origin to another: Origin null on the next hop',
    scenario: noCors({ method: 'POST' }, JSON_TYPE, { redirects: [redirect(307, OTHER)] }),
    opaque: true,
    requests: [`POST ${API} [Origin: ${PAGE}]`, `POST ${OTHER} [Origin: null]`],
  },
  {
    name: 'a POST 302 turns into a GET without Origin',
    scenario: noCors({ method: 'POST' }, JSON_TYPE, { redirects: [redirect(302, OTHER)] }),
    opaque: true,
    requests: [`POST ${API} [Origin: ${PAGE}]`, `GET ${OTHER} []`],
  },
  {
    name: "a POST 302: the GET goes without script's Content-Type (WebKit too, unlike in mode 'cors')",
    scenario: noCors({ method: 'POST', headers: [['Content-Type', 'text/plain']] }, JSON_TYPE, { redirects: [redirect(302, OTHER)] }),
    opaque: true,
    requests: [`POST ${API} [Origin: ${PAGE}; Content-Type: text/plain]`, `GET ${OTHER} []`],
  },
  {
    name: "a redirect back to the page's origin: still opaque (the tainting sticks)",
    scenario: noCors({}, JSON_TYPE, { redirects: [redirect(302, `${PAGE}/back`)] }),
    opaque: true,
    requests: [`GET ${API} []`, `GET ${PAGE}/back []`],
  },
  {
    name: 'a same-origin URL redirected to another origin: opaque',
    scenario: noCors({ url: `${PAGE}/start` }, JSON_TYPE, { redirects: [redirect(302, API)] }),
    opaque: true,
    requests: [`GET ${PAGE}/start []`, `GET ${API} []`],
  },
  {
    name: 'a same-origin no-cors request is readable as usual',
    scenario: noCors({ url: `${PAGE}/same` }),
    opaque: false,
    requests: [`GET ${PAGE}/same []`],
  },
  {
    name: 'a Location with user:password@: Chromium refuses it, Firefox and WebKit follow it',
    scenario: noCors({}, JSON_TYPE, { redirects: [redirect(302, 'https://u:p@other.example/next')] }),
    opaque: { chromium: false, firefox: true, webkit: true },
    requests: [`GET ${API} []`, 'GET https://u:p@other.example/next []'],
  },
];

function line(r: { url: string; method: string; headers: HeaderList }): string {
  return `${r.method} ${r.url} [${r.headers.map(([n, v]) => `${n}: ${v}`).join('; ')}]`;
}

describe("mode 'no-cors': each browser's walk", () => {
  it.each(rows)('$name', (row) => {
    for (const browser of BROWSERS) {
      const outcome = evaluateIn(browser, row.scenario);
      const opaque = typeof row.opaque === 'boolean' ? row.opaque : row.opaque[browser];
      const blocked = typeof row.opaque !== 'boolean' && !opaque;
      expect({ browser, ok: outcome.ok, opaque: outcome.opaque ?? false, preflights: outcome.preflights }).toEqual({ browser, ok: !blocked, opaque, preflights: [] });
      if (opaque) expect(outcome.exposedHeaders).toEqual([]);
      // The requests sent (the first hop for a browser that stops at a redirect).
      const expected = blocked ? row.requests.slice(0, 1) : row.requests;
      expect({ browser, requests: outcome.requests.map(line) }).toEqual({ browser, requests: expected });
    }
  });
});

describe("mode 'no-cors': the verdict", () => {
  it('passes with opaque: true, nothing readable, no report, no fix, nothing logged', () => {
    const v = evaluate(noCors({ credentials: 'include', headers: [['X-Custom', '1']] }, [[ACAO, '*'], ['X-Total', '3']]));
    expect({ ok: v.ok, opaque: v.opaque, exposedHeaders: v.exposedHeaders, chromium: v.chromium, firefox: v.firefox, webkit: v.webkit, fix: v.fix, fixes: v.fixes, warnings: v.warnings }).toEqual({
      ok: true,
      opaque: true,
      exposedHeaders: [],
      chromium: null,
      firefox: null,
      webkit: null,
      fix: null,
      fixes: null,
      warnings: [],
    });
    expect(v.preflight).toEqual({ required: false, request: null });
    expect(JSON.parse(JSON.stringify(v))).toMatchObject({ ok: true, opaque: true });
  });
  it("a CORS verdict has no opaque key at all (the JSON contract is unchanged for mode 'cors')", () => {
    for (const s of [scenario({}, [[ACAO, PAGE]]), scenario({ mode: 'cors' }, []), noCors({ url: `${PAGE}/same` })]) {
      const v = evaluate(s);
      expect('opaque' in v).toBe(false);
      expect(Object.values(v.browsers).some((b) => 'opaque' in b)).toBe(false);
    }
  });
  it('the same server answer in mode cors is blocked: no-cors only hides it', () => {
    const s = noCors({}, []);
    expect(evaluate(s).ok).toBe(true);
    expect(evaluate({ ...s, request: { ...s.request, mode: 'cors' } }).chromium?.corsError).toBe('MissingAllowOriginHeader');
  });
  it('no preflight answer is needed, whatever the headers', () => {
    expect(() => evaluate(noCors({ method: 'POST', headers: [['X-Custom', '1'], ['Content-Type', 'application/json']] }))).not.toThrow();
  });
  it("Chromium's refusal of a user:password@ Location blocks the verdict unless only Firefox and WebKit are covered", () => {
    const s = noCors({}, JSON_TYPE, { redirects: [redirect(302, 'https://u:p@other.example/next')] });
    expect(evaluate(s)).toMatchObject({ ok: false, failedAt: 'redirect' });
    expect('opaque' in evaluate(s)).toBe(false);
    expect(evaluate(s, { browsers: ['firefox', 'webkit'] })).toMatchObject({ ok: true, opaque: true });
  });
  it('a redirect to data: fails in every browser', () => {
    const v = evaluate(noCors({}, JSON_TYPE, { redirects: [redirect(302, 'data:,hello')] }));
    expect(Object.values(v.browsers).map((b) => b.reasonId)).toEqual(['redirect-not-http', 'redirect-not-http', 'redirect-not-http']);
  });
  it("the warnings table's no-cors-opaque row: logged by no browser, its fix says to fix the server instead", () => {
    const row = warning('no-cors-opaque');
    expect(row.firefox).toBeNull();
    expect(row.title).toMatch(/'opaque', status 0/);
    expect(row.fix).toMatch(/does not solve a CORS error.*fix the server's CORS headers instead/);
  });
});

describe("mode 'no-cors': requests no page can make", () => {
  const refused: Array<[string, Scenario, string, RegExp]> = [
    ['PUT', noCors({ method: 'PUT' }), 'request.method', /PUT cannot be sent with mode 'no-cors' \(only GET, HEAD and POST\)/],
    [
      "'put', normalized in the browsers' texts",
      noCors({ method: 'put' }),
      'request.method',
      /Chromium: "Failed to execute 'fetch' on 'Window': 'PUT' is unsupported in no-cors mode\."; Firefox: "Window\.fetch: Invalid request method PUT\."; WebKit: "Method must be GET, POST or HEAD in no-cors mode\."/,
    ],
    ['DELETE', noCors({ method: 'DELETE' }), 'request.method', /DELETE cannot be sent/],
    ['PATCH', noCors({ method: 'PATCH' }), 'request.method', /PATCH cannot be sent/],
    ['XMLHttpRequest', noCors({ initiator: 'xhr' }), 'request.mode', /XMLHttpRequest has no mode: it always makes a CORS request/],
    ['EventSource', noCors({ initiator: 'eventsource' }), 'request.mode', /EventSource has no mode/],
  ];
  it.each(refused)('%s', (_name, s, field, message) => {
    let thrown: unknown;
    try {
      evaluate(s);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ScenarioError);
    expect((thrown as ScenarioError).field).toBe(field);
    expect((thrown as ScenarioError).message).toMatch(message);
  });
});

describe("validateScenario: request.mode", () => {
  const base = { request: { url: API, origin: PAGE }, response: { status: 200, headers: [] } };
  it.each([
    ['no-cors', { mode: 'no-cors' }],
    ['cors', { mode: 'cors' }],
  ])('%s is kept', (_name, extra) => {
    expect(validateScenario({ ...base, request: { ...base.request, ...extra } }).request.mode).toBe(extra.mode);
  });
  it('absent stays absent', () => {
    expect('mode' in validateScenario(base).request).toBe(false);
  });
  it.each([
    ['same-origin', "request.mode: expected one of cors, no-cors, got 'same-origin'"],
    ['navigate', "request.mode: expected one of cors, no-cors, got 'navigate'"],
    [3, 'request.mode: expected a string, got number 3'],
  ])('%s is refused', (mode, message) => {
    expect(() => validateScenario({ ...base, request: { ...base.request, mode } })).toThrow(message);
  });
});

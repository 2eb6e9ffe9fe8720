/**
 * The judge over simulated servers: each row is a server policy (a pure
 * function of the request's headers), answered for every request of the
 * route's plan, and the findings (id and severity) the scanner must report.
 * The real frameworks and browsers are in test/scan/ and test/browser/.
 */
import { describe, expect, it } from 'vitest';
import { get } from '../engine/headers.js';
import type { HeaderList } from '../engine/types.js';
import type { Exchange, OutgoingRequest } from '../doctor/exchange.js';
import type { Answered } from './judge.js';
import { judgeRoute } from './judge.js';
import type { ScanAuth } from './plan.js';
import { noOriginRequest, planRoute } from './plan.js';
import type { ScanTarget } from './types.js';

const LEGIT = 'https://app.example.com';
const URL_ = 'https://api.example.com/data';

/** A server: the response's status and headers for a request. */
type Server = (request: OutgoingRequest) => { status?: number; headers: HeaderList };

const originOf = (r: OutgoingRequest): string | null => get(r.headers, 'origin');
const isPreflight = (r: OutgoingRequest): boolean => r.method === 'OPTIONS';

/** A CORS server allowing the origins `allows` accepts, with credentials or not, optionally without Vary. */
function allowing(allows: (origin: string) => boolean, options: { credentials?: boolean; vary?: boolean; status?: number; extra?: HeaderList } = {}): Server {
  return (request) => {
    const origin = originOf(request);
    const headers: HeaderList = options.vary === false ? [] : [['Vary', 'Origin']];
    if (origin !== null && allows(origin)) {
      headers.push(['Access-Control-Allow-Origin', origin]);
      if (options.credentials !== false) headers.push(['Access-Control-Allow-Credentials', 'true']);
      if (isPreflight(request)) headers.push(['Access-Control-Allow-Methods', 'GET, PUT'], ['Access-Control-Allow-Headers', 'Content-Type, Authorization']);
      headers.push(...(options.extra ?? []));
    }
    return { status: isPreflight(request) ? 204 : (options.status ?? 200), headers };
  };
}

const fixed = (headers: HeaderList): Server => (request) => ({ status: isPreflight(request) ? 204 : 200, headers });

const AUTH: ScanAuth = { credentialHeaders: [['Cookie', 'session=1']], scriptHeaders: [], methods: ['GET', 'HEAD'] };

function target(method = 'GET', headers: HeaderList = []): ScanTarget {
  return { url: URL_, method, headers, origins: [], source: { kind: 'argument', index: 0 } };
}

function run(server: Server, t: ScanTarget = target()): Array<{ id: string; severity: string }> {
  const plan = planRoute(t, [LEGIT], AUTH);
  const answer = (request: OutgoingRequest): Exchange => ({ request, status: 200, ...server(request) });
  const answered: Answered[] = plan.requests.map((planned) => ({ planned, answer: answer(planned.request) }));
  return judgeRoute(plan, answered, answer(noOriginRequest(t))).map((f) => ({ id: f.id, severity: f.severity }));
}

const exactly = (origin: string): boolean => origin === LEGIT;

const ROWS: Array<{ name: string; server: Server; target?: ScanTarget; findings: Array<{ id: string; severity: string }> }> = [
  { name: 'an explicit list, Vary: Origin, credentials', server: allowing(exactly), findings: [] },
  { name: 'reflects any origin, with credentials', server: allowing(() => true), findings: [{ id: 'reflects-any-origin', severity: 'high' }] },
  { name: 'reflects any origin, without credentials', server: allowing(() => true, { credentials: false }), findings: [{ id: 'reflects-any-origin', severity: 'low' }] },
  { name: 'reflects any origin on a 401 (no data behind it seen)', server: allowing(() => true, { status: 401 }), findings: [{ id: 'reflects-any-origin', severity: 'low' }] },
  { name: "trusts 'null'", server: allowing((o) => exactly(o) || o === 'null'), findings: [{ id: 'trusts-null', severity: 'high' }] },
  { name: 'prefix match', server: allowing((o) => o.startsWith(LEGIT)), findings: [{ id: 'prefix-match', severity: 'high' }] },
  { name: 'a development leftover: anything starting with http://localhost', server: allowing((o) => exactly(o) || o.startsWith('http://localhost')), findings: [{ id: 'prefix-match', severity: 'high' }] },
  { name: 'suffix match', server: allowing((o) => o.endsWith('example.com')), findings: [{ id: 'suffix-match', severity: 'high' }, { id: 'trusts-http-origin', severity: 'medium' }, { id: 'trusts-any-subdomain', severity: 'medium' }] },
  { name: 'unescaped dot', server: allowing((o) => /^https:\/\/app.example.com$/.test(o)), findings: [{ id: 'unescaped-dot', severity: 'high' }] },
  { name: 'substring match', server: allowing((o) => LEGIT.includes(o)), findings: [{ id: 'substring-match', severity: 'high' }] },
  { name: 'stops at a special character', server: allowing((o) => o.split(/[_!~$`{]/)[0] === LEGIT), findings: [{ id: 'special-characters', severity: 'high' }] },
  { name: 'the http twin', server: allowing((o) => exactly(o) || o === 'http://app.example.com'), findings: [{ id: 'trusts-http-origin', severity: 'medium' }] },
  { name: 'any subdomain, over https', server: allowing((o) => o.startsWith('https://') && o.endsWith('.example.com')), findings: [{ id: 'trusts-any-subdomain', severity: 'medium' }] },
  {
    name: 'any subdomain, any scheme, without credentials',
    server: allowing((o) => o.endsWith('.example.com'), { credentials: false }),
    findings: [{ id: 'trusts-http-origin', severity: 'low' }, { id: 'trusts-any-subdomain', severity: 'low' }],
  },
  { name: 'a hosting service', server: allowing((o) => exactly(o) || o.endsWith('.github.io')), findings: [{ id: 'trusts-third-party-host', severity: 'high' }] },
  { name: "'*'", server: fixed([['Access-Control-Allow-Origin', '*']]), findings: [{ id: 'wildcard', severity: 'info' }] },
  { name: "'*' with credentials", server: fixed([['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Credentials', 'true']]), findings: [{ id: 'wildcard-with-credentials', severity: 'info' }] },
  { name: 'a trailing slash', server: fixed([['Access-Control-Allow-Origin', `${LEGIT}/`], ['Access-Control-Allow-Credentials', 'true']]), findings: [{ id: 'invalid-allow-origin', severity: 'info' }] },
  { name: 'set twice', server: fixed([['Access-Control-Allow-Origin', LEGIT], ['Access-Control-Allow-Origin', LEGIT]]), findings: [{ id: 'multiple-allow-origin', severity: 'info' }] },
  { name: 'an allow-list without Vary: Origin', server: allowing(exactly, { vary: false }), findings: [{ id: 'missing-vary-origin', severity: 'low' }] },
  {
    name: 'an allow-list without Vary: Origin, but no cache may store the answers',
    server: (r) => {
      const answer = allowing(exactly, { vary: false })(r);
      return { ...answer, headers: [...answer.headers, ['Cache-Control', 'no-store']] };
    },
    findings: [],
  },
  {
    name: 'Vary: Origin on CORS answers, not on the answer without Origin',
    server: (r) => (originOf(r) === null ? { headers: [] } : allowing(exactly)(r)),
    findings: [{ id: 'missing-vary-origin', severity: 'low' }],
  },
  {
    name: 'preflights echo any method and header',
    server: (r) => {
      const base = allowing(exactly)(r);
      if (!isPreflight(r) || originOf(r) !== LEGIT) return base;
      return { status: 204, headers: [...base.headers.filter(([n]) => !/allow-(methods|headers)/i.test(n)), ['Access-Control-Allow-Methods', get(r.headers, 'access-control-request-method') ?? ''], ['Access-Control-Allow-Headers', get(r.headers, 'access-control-request-headers') ?? '']] };
    },
    findings: [{ id: 'preflight-reflects-methods', severity: 'info' }, { id: 'preflight-reflects-headers', severity: 'info' }],
  },
  { name: 'Expose-Headers: * with credentials', server: allowing(exactly, { extra: [['Access-Control-Expose-Headers', '*']] }), findings: [{ id: 'expose-wildcard-with-credentials', severity: 'info' }] },
  {
    // The browser's judgement: the actual answer reflects, but the preflight refuses every origin but the legit one, so nothing is readable.
    name: 'a preflighted route whose preflight refuses the probes (the GET reflecting is unreachable)',
    server: (r) => (isPreflight(r) ? allowing(exactly)(r) : allowing(() => true)(r)),
    target: target('PUT', [['Content-Type', 'application/json']]),
    findings: [],
  },
  {
    name: 'a preflighted route that reflects everywhere',
    server: allowing(() => true),
    target: target('PUT', [['Content-Type', 'application/json']]),
    findings: [{ id: 'reflects-any-origin', severity: 'high' }],
  },
  {
    // Firefox and Chromium refuse a preflight that does not allow the method: the reflection on the GET stand-in is unreadable for a PUT.
    name: 'a preflighted route whose preflight lists no PUT',
    server: (r) => {
      const base = allowing(() => true)(r);
      return isPreflight(r) ? { status: 204, headers: base.headers.map(([n, v]): [string, string] => [n, /allow-methods/i.test(n) ? 'GET' : v]) } : base;
    },
    target: target('PUT', [['Content-Type', 'application/json']]),
    findings: [],
  },
];

describe('judgeRoute over simulated servers', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      expect(run(row.server, row.target)).toEqual(row.findings);
    });
  }
});

describe('cookie context beside credentialed findings', () => {
  function findings(server: Server): ReturnType<typeof judgeRoute> {
    const t = target();
    const plan = planRoute(t, [LEGIT], AUTH);
    const answer = (request: OutgoingRequest): Exchange => ({ request, status: 200, ...server(request) });
    return judgeRoute(plan, plan.requests.map((planned) => ({ planned, answer: answer(planned.request) })), answer(noOriginRequest(t)));
  }
  it('a subdomain is same-site: every cookie rides along', () => {
    const [f] = findings(allowing((o) => o.startsWith('https://') && o.endsWith('.example.com')));
    expect(f?.cookies).toMatch(/^A page on https:\/\/corsproof-probe\.example\.com is same-site with api\.example\.com: every cookie rides along/);
  });
  it("another site: only SameSite=None cookies, and the API's own cookies named", () => {
    const [f] = findings(allowing(() => true, { extra: [['Set-Cookie', 'sid=1; Path=/; SameSite=Lax'], ['Set-Cookie', 'pref=2; SameSite=None; Secure']] }));
    expect(f?.cookies).toMatch(/cross-site page: only cookies set with SameSite=None; Secure ride along/);
    expect(f?.cookies).toMatch(/This API sets sid \(SameSite=Lax\), pref \(SameSite=None\)\.$/);
    expect(f?.severity).toBe('high'); // context, never a reason to lower it
  });
  it('no cookie context on findings without credentials', () => {
    const [f] = findings(allowing(() => true, { credentials: false }));
    expect(f?.cookies).toBeUndefined();
  });
});

describe('probe origins a browser cannot host', () => {
  it("a server fooled only by '{' (url.parse cuts the host there): readable in Chromium and WebKit (unmeasured there: the engine's default), not in Firefox, which loads no page at such a host", () => {
    const t = target();
    const plan = planRoute(t, [LEGIT], AUTH);
    const server = allowing((o) => o.split('{')[0] === LEGIT);
    const answer = (request: OutgoingRequest): Exchange => ({ request, status: 200, ...server(request) });
    const [f] = judgeRoute(plan, plan.requests.map((planned) => ({ planned, answer: answer(planned.request) })), answer(noOriginRequest(t)));
    expect([f?.id, f?.severity, f?.browsers]).toEqual(['special-characters', 'high', { chromium: true, firefox: false, webkit: true }]);
  });
});

describe('the three browsers', () => {
  const judged = (server: Server, t: ScanTarget = target()) => {
    const plan = planRoute(t, [LEGIT], AUTH);
    const answer = (request: OutgoingRequest): Exchange => ({ request, status: 200, ...server(request) });
    return { plan, findings: judgeRoute(plan, plan.requests.map((planned) => ({ planned, answer: answer(planned.request) })), answer(noOriginRequest(t))) };
  };

  it('a finding says which of Chromium, Firefox and WebKit let the probe origin read it', () => {
    const { findings } = judged(allowing(() => true));
    expect(findings.map((f) => [f.id, f.browsers])).toEqual([['reflects-any-origin', { chromium: true, firefox: true, webkit: true }]]);
  });

  it('a route whose header only Firefox and WebKit preflight (DPR, a client hint Chromium safelists): its preflights are sent, and each browser judged with them', () => {
    const dpr = target('GET', [['DPR', '2']]);
    const base = allowing(() => true);
    // Preflights answered, DPR allowed (a reflecting server): read in all three.
    const allowsDpr: Server = (request) => {
      const r = base(request);
      return isPreflight(request) ? { ...r, headers: [...r.headers.filter(([n]) => n !== 'Access-Control-Allow-Headers'), ['Access-Control-Allow-Headers', 'DPR']] } : r;
    };
    const reflecting = judged(allowsDpr, dpr);
    expect(reflecting.plan.preflighted).toBe(true);
    expect(reflecting.plan.requests.filter((r) => r.preflight && r.role !== 'invented').every((r) => get(r.request.headers, 'access-control-request-headers') === 'dpr')).toBe(true);
    expect(reflecting.findings.map((f) => [f.id, f.browsers])).toEqual([['reflects-any-origin', { chromium: true, firefox: true, webkit: true }]]);
    // The preflight does not list DPR: Chromium alone reads (it sends none).
    expect(judged(base, dpr).findings.map((f) => [f.id, f.severity, f.browsers])).toEqual([['reflects-any-origin', 'high', { chromium: true, firefox: false, webkit: false }]]);
    // Preflights refused (404, no CORS headers), the actual request reflected: Chromium alone reads.
    const noPreflight: Server = (request) => (isPreflight(request) ? { status: 404, headers: [] } : base(request));
    const chromiumOnly = judged(noPreflight, dpr);
    expect(chromiumOnly.findings.map((f) => [f.id, f.severity, f.browsers])).toEqual([['reflects-any-origin', 'high', { chromium: true, firefox: false, webkit: false }]]);
  });
});

describe('the plan', () => {
  it('sends nothing that changes state unless allowed: a PUT route gets preflights and GETs', () => {
    const plan = planRoute(target('PUT', [['Content-Type', 'application/json']]), [LEGIT], AUTH);
    expect(new Set(plan.requests.map((r) => r.request.method))).toEqual(new Set(['OPTIONS', 'GET']));
    expect(plan.requests.filter((r) => r.request.method === 'GET').every((r) => get(r.request.headers, 'content-type') === null)).toBe(true);
    const allowed = planRoute(target('PUT', [['Content-Type', 'application/json']]), [LEGIT], { ...AUTH, methods: ['GET', 'PUT'] });
    expect(allowed.requests.some((r) => r.request.method === 'PUT')).toBe(true);
  });

  it('sends cookies on actual requests only, never on a preflight', () => {
    const plan = planRoute(target('PUT', [['Content-Type', 'application/json']]), [LEGIT], AUTH);
    for (const r of plan.requests) expect(get(r.request.headers, 'cookie')).toBe(r.preflight ? null : 'session=1');
  });

  it('announces the route method and script headers in each preflight', () => {
    const plan = planRoute(target('PUT', [['Content-Type', 'application/json']]), [LEGIT], { ...AUTH, scriptHeaders: [['Authorization', 'Bearer t']] });
    const preflight = plan.requests.find((r) => r.preflight && r.role === 'legit');
    expect(get(preflight?.request.headers ?? [], 'access-control-request-method')).toBe('PUT');
    expect(get(preflight?.request.headers ?? [], 'access-control-request-headers')).toBe('authorization,content-type');
  });

  it('derives probes from the API host when no legit origin is known', () => {
    const plan = planRoute(target(), [], AUTH);
    expect(plan.legitOrigins).toEqual(['https://api.example.com']);
    expect(plan.requests.some((r) => r.origin === 'https://api.example.com.corsproof-probe.invalid')).toBe(true);
  });
});

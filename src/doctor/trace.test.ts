/**
 * The trace: hand cases (a failing preflight, a redirect chain failing on its
 * second hop, a redirect to data:, a same-origin first hop), and the
 * generated differential suite: the steps are exactly the engine's requests
 * and preflights, and the one failed step has the engine's reason and place.
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../test/generator.js';
import { BROWSER_NAMES } from '../engine/browsers.js';
import { evaluateIn } from '../engine/evaluate.js';
import type { Scenario } from '../engine/types.js';
import type { TraceStep } from './trace.js';
import { traceIn, traces } from './trace.js';

const PAGE = 'https://app.example.com';
const API = 'https://api.example.com/v1/items';

const brief = (steps: TraceStep[]): string[] => steps.map((s) => `${s.kind} ${s.hop} ${s.state}${s.reasonId ? ` ${s.reasonId}` : ''}${s.to ? ` -> ${s.to}` : ''}`);

describe('traceIn', () => {
  it('a preflight refusing Authorization: the preflight step fails, nothing after it', () => {
    const s: Scenario = {
      request: { url: API, origin: PAGE, method: 'PUT', headers: [['Authorization', 'Bearer x']], credentials: 'same-origin', initiator: 'fetch' },
      preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']] },
      response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] },
    };
    const t = traces(s);
    expect(t.same).toBe(true);
    expect(brief(t.chromium)).toEqual(['preflight 0 failed header-not-allowed']);
    expect(t.chromium[0]?.sent?.headers).toEqual([['Origin', PAGE], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'authorization']]);
    expect(t.chromium[0]?.answer).toBe(s.preflight);
  });

  it('a redirect whose target does not answer with CORS headers: preflight, request, redirect, preflight, request (failed)', () => {
    const s: Scenario = {
      request: { url: API, origin: PAGE, method: 'DELETE', headers: [], credentials: 'same-origin', initiator: 'fetch' },
      preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'DELETE']] },
      redirects: [{ status: 307, headers: [['Location', '/v2/items'], ['Access-Control-Allow-Origin', PAGE]] }],
      response: { status: 204, headers: [] },
    };
    expect(brief(traceIn('chromium', s))).toEqual([
      'preflight 0 passed',
      'request 0 passed',
      'redirect 0 passed -> https://api.example.com/v2/items',
      'preflight 1 passed',
      'request 1 failed missing-allow-origin',
    ]);
  });

  it('a redirect to a data: URL: the redirect step fails, after a CORS check that passed', () => {
    const s: Scenario = {
      request: { url: API, origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin', initiator: 'fetch' },
      preflight: null,
      redirects: [{ status: 302, headers: [['Location', 'data:,x'], ['Access-Control-Allow-Origin', PAGE]] }],
      response: { status: 200, headers: [] },
    };
    expect(brief(traceIn('firefox', s))).toEqual(['request 0 passed', 'redirect 0 failed redirect-not-http -> data:,x']);
  });

  it('a same-origin first hop has no CORS check; the chain then leaves the page', () => {
    const s: Scenario = {
      request: { url: `${PAGE}/api`, origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin', initiator: 'fetch' },
      preflight: null,
      redirects: [{ status: 302, headers: [['Location', API]] }],
      response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
    };
    expect(brief(traceIn('chromium', s))).toEqual(['request 0 no-check', `redirect 0 passed -> ${API}`, 'request 1 passed']);
  });
});

describe('traceIn: Local Network Access (request.addressSpace)', () => {
  const LOOPBACK = 'http://127.0.0.1:8080/api';
  const lna = (method: 'GET' | 'PUT'): Scenario => ({
    request: { url: LOOPBACK, origin: PAGE, method, headers: method === 'PUT' ? [['X-Test', '1']] : [], credentials: 'same-origin', addressSpace: { page: 'public', target: 'loopback' } },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Headers', 'x-test']] },
    response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] },
  });
  it('a request refused before it was sent: one failed request step, no answer; WebKit (no Local Network Access) passes', () => {
    const t = traces(lna('GET'));
    expect(brief(t.chromium)).toEqual(['request 0 failed local-network-permission-denied']);
    expect(t.chromium[0]).toMatchObject({ sent: { method: 'GET', headers: [] }, answer: null });
    expect(t.firefox).toEqual(t.chromium);
    expect(brief(t.webkit)).toEqual(['request 0 passed']);
    expect(t.groups.map((g) => g.browsers)).toEqual([['chromium', 'firefox'], ['webkit']]);
  });
  it('a preflighted request: its preflight fails unanswered (nothing sent); granted, the walk is the ordinary one', () => {
    const s = lna('PUT');
    expect(brief(traceIn('chromium', s))).toEqual(['preflight 0 failed local-network-permission-denied']);
    expect(traceIn('chromium', s)[0]?.answer).toBeNull();
    const granted: Scenario = { ...s, request: { ...s.request, localNetworkAccess: 'granted' } };
    expect(brief(traceIn('chromium', granted))).toEqual(['preflight 0 passed', 'request 0 passed']);
  });
  it('a redirect to loopback: the first hop passes, the redirect is followed, the next request fails unanswered', () => {
    const s: Scenario = {
      request: { url: API, origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin', addressSpace: { page: 'public', target: 'public', redirectTargets: ['loopback'] } },
      preflight: null,
      redirects: [{ status: 302, headers: [['Access-Control-Allow-Origin', PAGE], ['Location', LOOPBACK]] }],
      response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
    };
    expect(brief(traceIn('chromium', s))).toEqual(['request 0 passed', `redirect 0 passed -> ${LOOPBACK}`, 'request 1 failed local-network-permission-denied']);
  });
});

describe('traces: the three browsers grouped', () => {
  const put: Scenario = {
    request: { url: API, origin: PAGE, method: 'PUT', headers: [], credentials: 'same-origin', initiator: 'fetch' },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']] },
    redirects: [{ status: 303, headers: [['Location', 'https://cdn.example.net/items'], ['Access-Control-Allow-Origin', PAGE]] }],
    response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
  };

  it('a PUT redirected (303) to another origin: three walks; WebKit preflights the GET with Origin: null and fails there', () => {
    const t = traces(put);
    expect(t.same).toBe(false);
    expect(t.groups.map((g) => g.browsers)).toEqual([['chromium'], ['firefox'], ['webkit']]);
    const to = 'redirect 0 passed -> https://cdn.example.net/items';
    expect(brief(t.chromium)).toEqual(['preflight 0 passed', 'request 0 passed', to, 'request 1 passed']);
    expect(brief(t.firefox)).toEqual(['preflight 0 passed', 'request 0 passed', to, 'preflight 1 passed', 'request 1 passed']);
    expect(brief(t.webkit)).toEqual(['preflight 0 passed', 'request 0 passed', to, 'preflight 1 failed allow-origin-mismatch']);
    expect(t.webkit[3]?.sent?.headers).toEqual([['Origin', 'null'], ['Access-Control-Request-Method', 'GET']]);
  });

  it('a PUT redirected (303) on the same server, the GET\'s preflight answered 404: Firefox and WebKit walk alike (a preflight again), Chromium does not', () => {
    const s: Scenario = {
      ...put,
      redirects: [{ status: 303, headers: [['Location', '/v2/items'], ['Access-Control-Allow-Origin', PAGE]] }],
      redirectPreflights: [{ status: 404, headers: [['Access-Control-Allow-Origin', PAGE]] }],
    };
    const t = traces(s);
    expect(t.groups.map((g) => g.browsers)).toEqual([['chromium'], ['firefox', 'webkit']]);
    expect(brief(t.webkit).at(-1)).toBe('preflight 1 failed preflight-status');
    expect(t.groups[1]?.steps).toBe(t.firefox);
  });

  it('all three alike: one group, in the verdict\'s order', () => {
    const s: Scenario = { ...put, redirects: undefined, response: { status: 200, headers: [] } } as Scenario;
    delete s.redirects;
    const t = traces(s);
    expect([t.same, t.groups.map((g) => g.browsers)]).toEqual([true, [['chromium', 'firefox', 'webkit']]]);
    expect(t.groups[0]?.steps).toBe(t.chromium);
  });
});

describe('traces over the generated differential suite', () => {
  const world = { pageOrigin: 'http://127.0.0.1:3000', targetOrigin: 'http://127.0.0.1:4000', otherOrigin: 'http://127.0.0.1:5000' };
  const cases = generate(world, { count: 2400, seed: 1 });

  it("each browser's steps are its requests and preflights, and the one failed step has its reason and place", () => {
    const problems: string[] = [];
    let differ = 0;
    let webkitAlone = 0;
    for (const { id, scenario } of cases) {
      const t = traces(scenario);
      if (!t.same) differ++;
      // Each browser in exactly one group, with its own steps; groups differ from each other.
      const grouped = t.groups.flatMap((g) => g.browsers);
      if (JSON.stringify([...grouped].sort()) !== JSON.stringify([...BROWSER_NAMES].sort())) problems.push(`${id}: groups ${JSON.stringify(grouped)}`);
      for (const g of t.groups) for (const b of g.browsers) if (JSON.stringify(t[b]) !== JSON.stringify(g.steps)) problems.push(`${id}: ${b} grouped with other steps`);
      if (new Set(t.groups.map((g) => JSON.stringify(g.steps))).size !== t.groups.length) problems.push(`${id}: two groups with the same steps`);
      if (t.same !== (t.groups.length === 1)) problems.push(`${id}: same is ${t.same} with ${t.groups.length} groups`);
      if (t.groups.some((g) => g.browsers.length === 1 && g.browsers[0] === 'webkit')) webkitAlone++;
      for (const browser of BROWSER_NAMES) {
        const o = evaluateIn(browser, scenario);
        const steps = t[browser];
        const failed = steps.filter((s) => s.state === 'failed');
        const say = (what: string): number => problems.push(`${id} ${browser}: ${what}: ${brief(steps).join(' | ')}`);
        if (steps.filter((s) => s.kind === 'preflight').length !== o.preflights.length) say('preflight steps');
        const sent = steps.filter((s) => s.kind === 'request').map((s) => s.sent);
        if (JSON.stringify(sent) !== JSON.stringify(o.requests.map((r) => ({ method: r.method, headers: r.headers })))) say('request steps');
        if (o.ok ? failed.length !== 0 : failed.length !== 1 || steps.at(-1) !== failed[0]) say('failed steps');
        const last = failed[0];
        if (last === undefined) continue;
        if (last.reasonId !== o.reasonId) say('reason');
        const place = o.failedAt === 'preflight' ? last.kind === 'preflight' : o.failedAt === 'response' ? last.kind === 'request' : last.kind !== 'preflight';
        if (!place) say(`place ${o.failedAt}`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    // The browsers walk some chains differently (Firefox keeps its first preflight's state across redirects).
    expect(differ).toBeGreaterThan(0);
    // WebKit walks some chains its own way (a preflight again after a redirect, libsoup's method changes).
    expect(webkitAlone).toBeGreaterThan(0);
  });
});

/**
 * `fetch(url, { mode: 'no-cors' })` (request.mode): the engine against real
 * Chromium, Firefox and WebKit (no-cors-run.ts). Per case: whether fetch()
 * resolves, and then that script reads an opaque response (type 'opaque',
 * status 0, no headers, empty body) exactly where the engine says `opaque`;
 * the requests that reached the servers (method, URL, Origin, and which of
 * script's headers went out with which value) against the engine's requests;
 * the console (nothing for an opaque response but what an error status logs);
 * the TypeError of a method no-cors refuses, which the engine's ScenarioError
 * quotes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, evaluateIn, webkitConsole } from '../../src/engine/evaluate.js';
import { ScenarioError } from '../../src/engine/request.js';
import type { HeaderList, Scenario, ScenarioResponse } from '../../src/engine/types.js';
import type { TrafficKind } from './harness.js';
import type { NoCorsCase, NoCorsResult, NoCorsWorld, ReceivedRequest } from './no-cors-run.js';
import { runNoCors, startNoCorsWorld } from './no-cors-run.js';
import { requireBrowser, requireWebKit } from './require-browser.js';

const JSON_BODY = '{"items":[1,2,3]}';
const JSON_TYPE: HeaderList = [['Content-Type', 'application/json']];

/** The cases, on a world's origins: each a scenario the page makes with mode 'no-cors'. */
function cases(w: NoCorsWorld): Array<{ id: string; scenario: Scenario }> {
  const at = (origin: string, id: string, hop = 0): string => `${origin}/c/${id}/${hop}`;
  const redirect = (status: number, location: string): ScenarioResponse => ({ status, headers: [['Location', location]] });
  const one = (
    id: string,
    request: Partial<Scenario['request']>,
    response: ScenarioResponse = { status: 200, headers: JSON_TYPE },
    redirects?: (id: string) => ScenarioResponse[],
  ): { id: string; scenario: Scenario } => {
    const scenario: Scenario = {
      request: { url: at(w.targetOrigin, id), origin: w.pageOrigin, method: 'GET', headers: [], credentials: 'same-origin', mode: 'no-cors', ...request },
      preflight: null,
      response,
    };
    if (redirects) scenario.redirects = redirects(id);
    return { id, scenario };
  };
  return [
    one('get', {}),
    one('star-credentials', { credentials: 'include' }, { status: 200, headers: [...JSON_TYPE, ['Access-Control-Allow-Origin', '*']] }),
    one('allowed-and-exposed', {}, { status: 200, headers: [...JSON_TYPE, ['Access-Control-Allow-Origin', w.pageOrigin], ['Access-Control-Expose-Headers', 'X-Total'], ['X-Total', '3']] }),
    one('status-500', {}, { status: 500, headers: [['Content-Type', 'text/plain']] }),
    one('head', { method: 'HEAD' }),
    one('post', { method: 'POST' }),
    one('post-lowercase', { method: 'post' }),
    one('post-json', { method: 'POST', headers: [['Content-Type', 'application/json']] }),
    one('post-form', { method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']] }),
    one('headers', {
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
    one('accept-unsafe-byte', { headers: [['Accept', 'a"b']] }),
    one('accept-repeated', { headers: [['Accept', 'application/json'], ['Accept', 'a"b'], ['Accept', 'text/plain']] }),
    one('chain', { headers: [['Accept', 'application/json'], ['X-Custom', '1']] }, undefined, (id) => [redirect(302, at(w.otherOrigin, id, 1)), redirect(307, at(w.targetOrigin, id, 2))]),
    one('post-307-cross', { method: 'POST' }, undefined, (id) => [redirect(307, at(w.otherOrigin, id, 1))]),
    one('post-302', { method: 'POST', headers: [['Content-Type', 'text/plain']] }, undefined, (id) => [redirect(302, at(w.otherOrigin, id, 1))]),
    one('back-to-page', {}, undefined, (id) => [redirect(302, at(w.pageOrigin, id, 1))]),
    one('same-origin-out', { url: at(w.pageOrigin, 'same-origin-out') }, undefined, (id) => [redirect(302, at(w.targetOrigin, id, 1))]),
    one('same-origin', { url: at(w.pageOrigin, 'same-origin') }),
    one('userinfo', {}, undefined, (id) => [redirect(302, at(w.otherOrigin.replace('//', '//u:p@'), id, 1))]),
    one('to-data', {}, undefined, () => [redirect(302, 'data:,hello')]),
    one('put', { method: 'PUT' }),
    one('put-lowercase', { method: 'put' }),
    one('delete', { method: 'DELETE' }),
    one('patch', { method: 'PATCH' }),
  ];
}

/** The scenario as the page makes it: a body for POST, the hops with a JSON body on the last. */
function asCase(id: string, s: Scenario): NoCorsCase {
  const upper = s.request.method.toUpperCase();
  const hops = [...(s.redirects ?? []).map((r) => ({ ...r })), { ...s.response, body: s.response.status === 500 ? 'boom' : JSON_BODY }];
  return {
    id,
    url: s.request.url,
    init: { method: s.request.method, headers: s.request.headers, credentials: s.request.credentials, mode: 'no-cors', ...(upper === 'GET' || upper === 'HEAD' ? {} : { body: 'x' }) },
    hops,
  };
}

/** The header lines a request carries, combined per name (lowercase). */
function combined(headers: HeaderList): Map<string, string> {
  const out = new Map<string, string>();
  for (const [n, v] of headers) {
    const k = n.toLowerCase();
    const had = out.get(k);
    out.set(k, had === undefined ? v : `${had}, ${v}`);
  }
  return out;
}

/**
 * What of a request script decided, comparable on both sides: method, URL (user:password@ left out: the server
 * never sees them), Origin, and for each header name script set, the value sent (`-`: none of script's values went
 * out; the browser may send its own default, e.g. `Accept: *\/*`, or the body's `Content-Type`).
 */
function decided(request: { method: string; url: string; headers: HeaderList }, scriptHeaders: HeaderList, wire: boolean): string {
  const values = combined(request.headers);
  const parts = [`${request.method} ${request.url.replace(/\/\/[^/@]*@/, '//')}`, `Origin: ${values.get('origin') ?? '-'}`];
  for (const name of [...new Set(scriptHeaders.map(([n]) => n.toLowerCase()))]) {
    const sent = values.get(name);
    // On the wire, a value none of script's values is part of is the browser's own.
    const own = wire && sent !== undefined && !scriptHeaders.some(([n, v]) => n.toLowerCase() === name && sent.includes(v));
    parts.push(`${name}: ${sent === undefined || own ? '-' : sent}`);
  }
  return parts.join(' | ');
}

const BROWSERS: TrafficKind[] = ['chromium', 'firefox', 'webkit'];

for (const browser of BROWSERS) {
  describe(`mode 'no-cors': the engine vs real ${browser}`, () => {
    let world: NoCorsWorld | undefined;
    let list: Array<{ id: string; scenario: Scenario }> = [];
    const results = new Map<string, NoCorsResult>();

    beforeAll(async () => {
      if (browser === 'webkit') requireWebKit();
      else requireBrowser(browser);
      world = await startNoCorsWorld();
      list = cases(world);
      for (const r of await runNoCors(browser, world, list.map((c) => asCase(c.id, c.scenario)))) results.set(r.id, r);
    });
    afterAll(async () => {
      await world?.close();
    });

    const accepted = (): Array<{ id: string; scenario: Scenario }> =>
      list.filter((c) => {
        try {
          evaluate(c.scenario);
          return true;
        } catch {
          return false;
        }
      });

    it('fetch() resolves exactly where the engine says the browser lets it through, opaque exactly where it says opaque', () => {
      expect([...results.values()].filter((r) => r.error !== undefined)).toEqual([]);
      const rows = accepted().map((c) => {
        const outcome = evaluateIn(browser, c.scenario);
        const s = (results.get(c.id) as NoCorsResult).script;
        const read = s.resolved ? { type: s.type, status: s.status, headers: s.type === 'opaque' ? s.headers : '(readable)', text: s.type === 'opaque' ? s.text : '(readable)' } : 'rejected';
        const predicted = !outcome.ok ? 'rejected' : outcome.opaque ? { type: 'opaque', status: 0, headers: [], text: '' } : { type: 'basic', status: 200, headers: '(readable)', text: '(readable)' };
        return { id: c.id, read, predicted };
      });
      expect(rows.filter((r) => JSON.stringify(r.read) !== JSON.stringify(r.predicted))).toEqual([]);
      // Both kinds occur: opaque, and the same-origin one read as usual.
      expect(rows.filter((r) => typeof r.read === 'object' && r.read.type === 'opaque').length).toBeGreaterThanOrEqual(15);
      expect(rows.find((r) => r.id === 'same-origin')?.read).toMatchObject({ type: 'basic', status: 200 });
    });

    it("the servers received the engine's requests: no preflight, Origin, script's headers kept or dropped", () => {
      const rows = accepted().map((c) => {
        const r = results.get(c.id) as NoCorsResult;
        const script = c.scenario.request.headers;
        const seen = r.requests.map((q: ReceivedRequest) => decided(q, script, true));
        const engine = evaluateIn(browser, c.scenario).requests.map((q) => decided(q, script, false));
        return { id: c.id, seen, engine };
      });
      expect(rows.filter((r) => JSON.stringify(r.seen) !== JSON.stringify(r.engine))).toEqual([]);
      expect([...results.values()].flatMap((r) => r.requests.filter((q) => q.method === 'OPTIONS').map(() => r.id))).toEqual([]);
    });

    it('nothing is logged for an opaque response but what an error status logs (WebKit: the engine\'s lines)', () => {
      const rows = accepted()
        .filter((c) => evaluateIn(browser, c.scenario).opaque)
        .map((c) => {
          const r = results.get(c.id) as NoCorsResult;
          // Chromium's DevTools issues (e.g. ResponseWasBlockedByORB for a JSON body) are not console lines.
          const lines = r.console.filter((e) => !e.channel.startsWith('issue/')).map((e) => e.text);
          const status = c.scenario.response.status;
          const expected =
            browser === 'webkit'
              ? webkitConsole(c.scenario, evaluateIn('webkit', c.scenario)).map((l) => l.text)
              : browser === 'chromium' && status >= 400
                ? [`Failed to load resource: the server responded with a status of ${status} (Internal Server Error)`]
                : [];
          return { id: c.id, lines, expected };
        });
      expect(rows.filter((r) => JSON.stringify(r.lines) !== JSON.stringify(r.expected))).toEqual([]);
      expect(rows.find((r) => r.id === 'status-500')?.lines.length).toBe(browser === 'firefox' ? 0 : 1);
    });

    it("a method no-cors refuses: fetch() rejects with the TypeError the engine's ScenarioError quotes, nothing is sent", () => {
      const refused = list.filter((c) => !accepted().includes(c));
      expect(refused.map((c) => c.id)).toEqual(['put', 'put-lowercase', 'delete', 'patch']);
      for (const c of refused) {
        let error: unknown;
        try {
          evaluate(c.scenario);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ScenarioError);
        const r = results.get(c.id) as NoCorsResult;
        const thrown = r.script.thrown ?? '';
        expect({ id: c.id, resolved: r.script.resolved, sent: r.requests.length }).toEqual({ id: c.id, resolved: false, sent: 0 });
        expect(thrown.startsWith('TypeError: ')).toBe(true);
        expect((error as ScenarioError).message).toContain(`"${thrown.slice('TypeError: '.length)}"`);
      }
    });
  });
}

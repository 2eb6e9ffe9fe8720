/**
 * The WebKit harness (webkit.ts) on hand-picked cases: real WebKitGTK under
 * Xvfb, one Runtime.evaluate for all of them, each case's JS outcome, the
 * requests that reached the servers and every console line WebKit logged,
 * checked against the texts recorded in BROWSER-FACTS (WebCore's messages,
 * shared with Safari). A missing WebKit fails the suite (requireWebKit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeaderList, Scenario, ScenarioRequest, ScenarioResponse } from '../../src/engine/types.js';
import { startWorld } from './harness.js';
import type { World } from './harness.js';
import { requireWebKit } from './require-browser.js';
import { runWebKitCases } from './webkit.js';
import type { WebKitObservation } from './webkit.js';

let world: World;
let observations: Map<string, WebKitObservation>;
let tookMs = 0;

function cases(w: World): Array<{ id: string; scenario: Scenario }> {
  const page = w.pageOrigin;
  const request = (id: string, extra: Partial<ScenarioRequest> = {}): ScenarioRequest => ({
    url: `${w.targetOrigin}/c/${id}/0`,
    origin: page,
    method: 'GET',
    headers: [],
    credentials: 'same-origin',
    initiator: 'fetch',
    ...extra,
  });
  const response = (headers: HeaderList, status = 200): ScenarioResponse => ({
    status,
    headers: [...headers, ['Content-Type', 'text/plain'], ['X-Foo', 'foo'], ['Content-Length', '2']],
  });
  const eventStream = (headers: HeaderList): ScenarioResponse => ({
    status: 200,
    headers: [...headers, ['Content-Type', 'text/event-stream'], ['Cache-Control', 'no-store'], ['Content-Length', '9']],
  });
  const preflight = (headers: HeaderList, status = 204): ScenarioResponse => ({ status, headers: [...headers, ['Content-Length', '0']] });
  const acao: HeaderList = [['Access-Control-Allow-Origin', page]];
  const one = (id: string, req: Partial<ScenarioRequest>, pf: ScenarioResponse | null, res: ScenarioResponse): { id: string; scenario: Scenario } => ({
    id,
    scenario: { request: request(id, req), preflight: pf, response: res },
  });
  return [
    one('wk-allowed', {}, null, response([...acao, ['Access-Control-Expose-Headers', 'X-Foo']])),
    one('wk-allowed-xhr', { initiator: 'xhr', credentials: 'include' }, null, response([...acao, ['Access-Control-Allow-Credentials', 'true']])),
    one('wk-allowed-es', { initiator: 'eventsource' }, null, eventStream(acao)),
    one(
      'wk-allowed-put',
      { method: 'PUT', headers: [['X-Custom', '1']] },
      preflight([...acao, ['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Headers', 'x-custom']]),
      response(acao),
    ),
    one(
      'wk-user-agent',
      { headers: [['User-Agent', 'corsproof-test']] },
      preflight([...acao, ['Access-Control-Allow-Methods', 'GET'], ['Access-Control-Allow-Headers', 'user-agent']]),
      response(acao),
    ),
    one('wk-wildcard-creds', { credentials: 'include' }, null, response([['Access-Control-Allow-Origin', '*']])),
    one('wk-missing-acao', {}, null, response([])),
    one('wk-missing-acao-xhr', { initiator: 'xhr' }, null, response([])),
    one('wk-missing-acao-es', { initiator: 'eventsource' }, null, eventStream([])),
    one('wk-header', { method: 'PUT', headers: [['X-Custom', '1']] }, preflight([...acao, ['Access-Control-Allow-Methods', 'PUT']]), response(acao)),
    one('wk-method', { method: 'PUT' }, preflight([...acao, ['Access-Control-Allow-Methods', 'GET, POST']]), response(acao)),
    one('wk-pf-500', { method: 'PUT' }, preflight([...acao, ['Access-Control-Allow-Methods', 'PUT']], 500), response(acao)),
    one('wk-acac-missing', { credentials: 'include' }, null, response(acao)),
  ];
}

beforeAll(async () => {
  requireWebKit();
  world = await startWorld({ unknownUserAgent: 'webkit' });
  const t0 = Date.now();
  const list = await runWebKitCases(world, cases(world));
  tookMs = Date.now() - t0;
  observations = new Map(list.map((o) => [o.id, o]));
  for (const o of list) console.log(`[webkit] ${o.id}: ${JSON.stringify({ ok: o.ok, preflights: o.preflights.length, headers: o.readableHeaders, messages: o.webkit.messages })}`);
});

afterAll(async () => {
  await world?.close();
});

function obs(id: string): WebKitObservation {
  const o = observations.get(id);
  if (o === undefined) throw new Error(`no observation for ${id}`);
  return o;
}

/** The three lines WebKit logs for a blocked load (BROWSER-FACTS): the reason, "<API> cannot load <url> ...", "Failed to load resource: <reason>". */
function blockedLines(api: 'Fetch API' | 'XMLHttpRequest' | 'EventSource', id: string, reason: string): string[] {
  return [reason, `${api} cannot load ${world.targetOrigin}/c/${id}/0 due to access control checks.`, `Failed to load resource: ${reason}`];
}

describe('WebKit harness (real WebKitGTK)', () => {
  it('settles every case in one launch, well under a minute', () => {
    expect([...observations.values()].filter((o) => o.error !== undefined).map((o) => `${o.id}: ${o.error}`)).toEqual([]);
    expect(tookMs).toBeLessThan(60_000);
  });

  it('lets script read allowed responses (fetch, XHR with credentials, EventSource, preflighted PUT and User-Agent)', () => {
    expect(obs('wk-allowed')).toMatchObject({ ok: true, readableHeaders: ['content-length', 'content-type', 'x-foo'], preflights: [] });
    expect(obs('wk-allowed-xhr')).toMatchObject({ ok: true, readableHeaders: ['content-length', 'content-type'] });
    expect(obs('wk-allowed-es')).toMatchObject({ ok: true, readableHeaders: null });
    const put = obs('wk-allowed-put');
    expect(put.ok).toBe(true);
    expect(put.preflights.map((p) => [p.origin, p.acrm, p.acrh])).toEqual([[world.pageOrigin, 'PUT', 'x-custom']]);
    expect(put.requests.map((r) => [r.method, r.origin])).toEqual([['PUT', world.pageOrigin]]);
    // User-Agent is no forbidden name in WebKit: script's value is sent, and needs a preflight.
    const ua = obs('wk-user-agent');
    expect(ua.ok).toBe(true);
    expect(ua.preflights.map((p) => [p.acrm, p.acrh])).toEqual([['GET', 'user-agent']]);
    expect(ua.requests.map((r) => r.method)).toEqual(['GET']);
    for (const id of ['wk-allowed', 'wk-allowed-xhr', 'wk-allowed-es', 'wk-allowed-put', 'wk-user-agent']) expect(obs(id).webkit.messages).toEqual([]);
  });

  it('blocks a credentialed request answered with Access-Control-Allow-Origin: *', () => {
    const o = obs('wk-wildcard-creds');
    expect(o).toMatchObject({ ok: false, thrown: 'TypeError: Load failed' });
    expect(o.requests).toHaveLength(1);
    expect(o.webkit.messages).toEqual(blockedLines('Fetch API', o.id, 'Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.'));
  });

  it('blocks a missing Access-Control-Allow-Origin in each API, naming the origin and the status', () => {
    const reason = `Origin ${world.pageOrigin} is not allowed by Access-Control-Allow-Origin. Status code: 200`;
    expect(obs('wk-missing-acao').webkit.messages).toEqual(blockedLines('Fetch API', 'wk-missing-acao', reason));
    expect(obs('wk-missing-acao-xhr').webkit.messages).toEqual(blockedLines('XMLHttpRequest', 'wk-missing-acao-xhr', reason));
    expect(obs('wk-missing-acao-es').webkit.messages).toEqual(blockedLines('EventSource', 'wk-missing-acao-es', reason));
    for (const id of ['wk-missing-acao', 'wk-missing-acao-xhr', 'wk-missing-acao-es']) {
      expect(obs(id).ok).toBe(false);
      expect(obs(id).requests.map((r) => r.origin)).toEqual([world.pageOrigin]);
    }
  });

  it('blocks at the preflight: a header not allowed, a method not allowed, a 500; the request is never sent', () => {
    const header = obs('wk-header');
    expect(header.preflights.map((p) => [p.acrm, p.acrh])).toEqual([['PUT', 'x-custom']]);
    // WebKit names the header as the preflight listed it: lowercase.
    expect(header.webkit.messages).toEqual(blockedLines('Fetch API', header.id, 'Request header field x-custom is not allowed by Access-Control-Allow-Headers.'));
    expect(obs('wk-method').webkit.messages).toEqual(blockedLines('Fetch API', 'wk-method', 'Method PUT is not allowed by Access-Control-Allow-Methods.'));
    expect(obs('wk-pf-500').webkit.messages).toEqual(blockedLines('Fetch API', 'wk-pf-500', 'Preflight response is not successful. Status code: 500'));
    for (const id of ['wk-header', 'wk-method', 'wk-pf-500']) {
      expect(obs(id)).toMatchObject({ ok: false, requests: [] });
      expect(obs(id).preflights).toHaveLength(1);
    }
  });

  it('blocks a credentialed request without Access-Control-Allow-Credentials: true', () => {
    const o = obs('wk-acac-missing');
    expect(o.webkit.messages).toEqual(blockedLines('Fetch API', o.id, 'Credentials flag is true, but Access-Control-Allow-Credentials is not "true".'));
  });

  it("keeps WebKit's requests apart from Chromium's and Firefox's (by User-Agent)", () => {
    expect(world.traffic('wk-header', 'chromium')?.preflights ?? []).toEqual([]);
    expect(world.traffic('wk-header', 'firefox')?.preflights ?? []).toEqual([]);
    expect(world.traffic('wk-header', 'webkit')?.preflights).toHaveLength(1);
  });
});

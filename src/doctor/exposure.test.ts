import { describe, expect, it } from 'vitest';
import type { HeaderList, Scenario, ScenarioResponse } from '../engine/types.js';
import type { NoOriginAnswer } from './exposure.js';
import { PROBE_ORIGIN, noOriginFindings, noOriginRevalidation, probeFindings, responseFindings } from './exposure.js';

const PAGE = 'https://app.example';

describe('probeFindings', () => {
  it.each([
    ['any origin, with credentials', [['Access-Control-Allow-Origin', PROBE_ORIGIN], ['Access-Control-Allow-Credentials', 'true']], ['error']],
    ['any origin, without credentials', [['Access-Control-Allow-Origin', PROBE_ORIGIN]], ['warning']],
    ["'*' is not a reflection (the engine judges it)", [['Access-Control-Allow-Origin', '*']], []],
    ['the page origin only', [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Credentials', 'true']], []],
    ['no CORS headers', [], []],
  ] as Array<[string, Array<[string, string]>, string[]]>)('%s', (_n, headers, expected) => {
    expect(probeFindings({ method: 'GET', url: 'https://api.example/x', headers }).map((f) => f.severity)).toEqual(expected);
  });
});

describe('responseFindings', () => {
  it.each([
    ['a named origin without Vary', 'GET', 200, [['Access-Control-Allow-Origin', PAGE]], false, ['missing-vary-origin']],
    ['with Vary: Accept-Encoding, Origin', 'GET', 200, [['Access-Control-Allow-Origin', PAGE], ['Vary', 'Accept-Encoding, Origin']], false, []],
    ['Vary in another case', 'GET', 200, [['Access-Control-Allow-Origin', PAGE], ['vary', 'origin']], false, []],
    ['not stored by caches (no-store)', 'GET', 200, [['Access-Control-Allow-Origin', PAGE], ['Cache-Control', 'no-store']], false, []],
    ['private: the browser cache still stores it', 'GET', 200, [['Access-Control-Allow-Origin', PAGE], ['Cache-Control', 'private, max-age=60']], false, ['missing-vary-origin']],
    ['the answer to a PUT is not stored', 'PUT', 200, [['Access-Control-Allow-Origin', PAGE]], false, []],
    ['a 500 without explicit freshness is not stored', 'GET', 500, [['Access-Control-Allow-Origin', PAGE]], false, []],
    ["'*' needs no Vary", 'GET', 200, [['Access-Control-Allow-Origin', '*']], false, []],
    ['Expose-Headers * with credentials', 'GET', 200, [['Access-Control-Allow-Origin', PAGE], ['Vary', 'Origin'], ['Access-Control-Expose-Headers', 'X-A, *']], true, ['expose-wildcard-with-credentials']],
    ['Expose-Headers * without credentials works', 'GET', 200, [['Access-Control-Allow-Origin', '*'], ['Access-Control-Expose-Headers', '*']], false, []],
  ] as Array<[string, string, number, Array<[string, string]>, boolean, string[]]>)('%s', (_n, method, status, headers, credentials, expected) => {
    expect(responseFindings({ method, status, headers }, PAGE, credentials).map((f) => f.id)).toEqual(expected);
  });
  it('says which response lacks Vary and the header to send', () => {
    const [f] = responseFindings({ method: 'GET', status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] }, PAGE, false);
    expect(f).toMatchObject({ cause: 'cors-response', fixHeaders: [['Vary', 'Origin']] });
  });
});

const URL_ = 'https://api.example/items';
const STAR: HeaderList = [['Access-Control-Allow-Origin', '*']];
const NAMED: HeaderList = [['Access-Control-Allow-Origin', PAGE], ['Vary', 'Origin']];
const NAMED_CREDENTIALS: HeaderList = [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Origin']];
const ETAG: [string, string] = ['ETag', '"v1"'];

/** The page's GET from PAGE, answered with `cors` (credentials included when said). */
function page(cors: HeaderList, credentials: 'same-origin' | 'include' = 'same-origin'): Scenario {
  return { request: { url: URL_, origin: PAGE, method: 'GET', headers: [], credentials }, preflight: null, response: { status: 200, headers: cors } };
}
function noOrigin(status: number, headers: HeaderList): NoOriginAnswer {
  return { method: 'GET', url: URL_, status, headers };
}

type NoOriginRow = [label: string, scenario: Scenario, answer: NoOriginAnswer, revalidation: ScenarioResponse | null, expected: Array<'error' | 'warning'>];

describe('noOriginFindings: a cache hands the answer without Origin to the page', () => {
  it.each<NoOriginRow>([
    // The page is allowed with '*'.
    ["'*' only with Origin, public max-age (Chromium blocks the fetch after an <img>)", page(STAR), noOrigin(200, [['Cache-Control', 'public, max-age=600']]), null, ['error']],
    ["'*' on every response", page(STAR), noOrigin(200, [...STAR, ['Cache-Control', 'public, max-age=600']]), null, []],
    ['Vary: Origin on the answer without Origin', page(STAR), noOrigin(200, [['Cache-Control', 'max-age=600'], ['Vary', 'Origin']]), null, []],
    ['Vary: * on it', page(STAR), noOrigin(200, [['Cache-Control', 'max-age=600'], ['Vary', '*']]), null, []],
    ['no-store on it', page(STAR), noOrigin(200, [['Cache-Control', 'no-store']]), null, []],
    ['private, max-age: the browser cache serves it', page(STAR), noOrigin(200, [['Cache-Control', 'private, max-age=600']]), null, ['error']],
    ['s-maxage: CDNs serve it to everyone', page(STAR), noOrigin(200, [['Cache-Control', 's-maxage=600']]), null, ['error']],
    ['no-cache, the 304 without the CORS headers: the stored answer is used', page(STAR), noOrigin(200, [['Cache-Control', 'no-cache'], ETAG]), { status: 304, headers: [ETAG] }, ['error']],
    ['no-cache, the 304 carries Access-Control-Allow-Origin: *', page(STAR), noOrigin(200, [['Cache-Control', 'no-cache'], ETAG]), { status: 304, headers: [ETAG, ...STAR] }, []],
    ['no-cache, the revalidation answered 200 with the CORS headers', page(STAR), noOrigin(200, [['Cache-Control', 'no-cache'], ETAG]), { status: 200, headers: STAR }, []],
    ['no-cache, revalidation not seen', page(STAR), noOrigin(200, [['Cache-Control', 'no-cache'], ETAG]), null, ['warning']],
    ['private, no-cache, the 304 carries the CORS headers: no cache is left', page(STAR), noOrigin(200, [['Cache-Control', 'private, no-cache'], ETAG]), { status: 304, headers: STAR }, []],
    ['no caching headers: only a CDN with a default TTL', page(STAR), noOrigin(200, []), null, ['warning']],
    ['ETag only, the 304 carries the CORS headers: still a CDN default TTL', page(STAR), noOrigin(200, [ETAG]), { status: 304, headers: STAR }, ['warning']],
    ['no caching headers, 401: not stored', page(STAR), noOrigin(401, []), null, []],
    ['500 with max-age: stored anyway', page(STAR), noOrigin(500, [['Cache-Control', 'max-age=600']]), null, ['error']],
    ['a redirect is not compared', page(STAR), noOrigin(301, [['Location', '/elsewhere'], ['Cache-Control', 'max-age=600']]), null, []],
    // The page is allowed by name.
    ['named, nothing without Origin', page(NAMED), noOrigin(200, [['Cache-Control', 'max-age=600']]), null, ['error']],
    ['named, the same origin sent to everyone (not Origin-dependent)', page(NAMED), noOrigin(200, [['Access-Control-Allow-Origin', PAGE], ['Cache-Control', 'max-age=600']]), null, []],
    ['named, another origin by default', page(NAMED), noOrigin(200, [['Access-Control-Allow-Origin', 'https://other.example'], ['Cache-Control', 'max-age=600']]), null, ['error']],
    ['named, Vary: Origin on every response', page(NAMED), noOrigin(200, [['Cache-Control', 'max-age=600'], ['Vary', 'Accept-Encoding, Origin']]), null, []],
    ['credentials: the answer without Origin lacks Allow-Credentials', page(NAMED_CREDENTIALS, 'include'), noOrigin(200, [['Access-Control-Allow-Origin', PAGE], ['Cache-Control', 'private, max-age=600']]), null, ['error']],
    // Nothing to add when the page's request fails anyway.
    ['the page is blocked without any cache', page([]), noOrigin(200, [['Cache-Control', 'max-age=600']]), null, []],
  ])('%s', (_label, scenario, answer, revalidation, expected) => {
    const found = noOriginFindings(scenario, answer, revalidation);
    expect(found.map((f) => f.severity)).toEqual(expected);
    for (const f of found) expect([f.id, f.cause]).toEqual(['missing-vary-origin', 'no-origin-response']);
  });

  it('says what was seen, which caches, why it fails, and the header to send', () => {
    const [star] = noOriginFindings(page(STAR), noOrigin(200, [['Cache-Control', 'public, max-age=600']]), null);
    expect(star?.caches).toEqual({ browser: 'fresh', shared: 'fresh' });
    expect(star?.fixHeaders).toEqual([['Access-Control-Allow-Origin', '*']]);
    expect(star?.message).toContain(`GET ${URL_} without Origin`);
    expect(star?.message).toContain('got 200 with Cache-Control: public, max-age=600, no Access-Control-Allow-Origin and no Vary: Origin, while this page\'s request gets Access-Control-Allow-Origin: *.');
    expect(star?.message).toContain("The browser's HTTP cache can serve it to this page's request without asking the server");
    expect(star?.message).toContain('The response has no Access-Control-Allow-Origin header.');
    expect(star?.message).toContain('Send `Access-Control-Allow-Origin: *` on every response');
    const [named] = noOriginFindings(page(NAMED), noOrigin(200, [['Cache-Control', 's-maxage=60']]), null);
    expect(named?.caches).toEqual({ browser: 'none', shared: 'fresh' });
    expect(named?.fixHeaders).toEqual([['Vary', 'Origin']]);
    expect(named?.message).not.toContain("browser's HTTP cache");
    expect(named?.message).toContain('Send `Vary: Origin` on every response');
    const [revalidated] = noOriginFindings(page(STAR), noOrigin(200, [['Cache-Control', 'no-cache'], ETAG]), { status: 304, headers: [ETAG] });
    expect(revalidated?.message).toContain('the answer to that revalidation still does not pass');
    expect(revalidated?.message).toContain('on 304 answers too');
  });

  it('asks for the revalidation only when the finding depends on it', () => {
    expect(noOriginRevalidation(page(STAR), noOrigin(200, [['Cache-Control', 'no-cache'], ETAG]))).toEqual([['If-None-Match', '"v1"']]);
    expect(noOriginRevalidation(page(STAR), noOrigin(200, [ETAG]))).toEqual([['If-None-Match', '"v1"']]);
    expect(noOriginRevalidation(page(STAR), noOrigin(200, [['Cache-Control', 'max-age=600'], ETAG]))).toBeNull(); // an error already
    expect(noOriginRevalidation(page(STAR), noOrigin(200, [...STAR, ['Cache-Control', 'no-cache'], ETAG]))).toBeNull(); // passes as it is
    expect(noOriginRevalidation(page(STAR), noOrigin(200, [['Cache-Control', 'no-cache']]))).toBeNull(); // nothing to revalidate with
  });
});

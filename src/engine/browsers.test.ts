/**
 * Where Chromium and Firefox deviate from the Fetch Standard, and from each
 * other (`browsers.ts`): each row found by the differential suite against
 * the real browsers (test/browser/differential.test.ts) or the preflight
 * cache suite, kept here as a regression.
 */
import { describe, expect, it } from 'vitest';
import { evaluateIn } from './evaluate.js';
import type { HeaderList, Scenario } from './types.js';
import { ACAO, API, PAGE, scenario } from './test-scenarios.js';

describe('browser deviations', () => {
  const withHeaders = (headers: HeaderList, initiator: 'fetch' | 'xhr' = 'fetch'): Scenario =>
    scenario({ headers, initiator }, [[ACAO, PAGE]], [[ACAO, PAGE]]);
  const acrh = (browser: 'chromium' | 'firefox', s: Scenario): string | null =>
    evaluateIn(browser, s).preflights[0]?.headers.find(([n]) => n === 'Access-Control-Request-Headers')?.[1] ?? null;

  it('Chromium safelists client hints such as DPR; Firefox preflights them', () => {
    const s = withHeaders([['DPR', '2']]);
    expect(evaluateIn('chromium', s).preflights).toHaveLength(0);
    expect(acrh('firefox', s)).toBe('dpr');
  });
  it('Chromium leaves User-Agent out of the preflight decision', () => {
    const s = withHeaders([['User-Agent', 'x']]);
    expect(evaluateIn('chromium', s).preflights).toHaveLength(0);
    expect(acrh('firefox', s)).toBe('user-agent');
  });
  // Regression (differential suite): Firefox 153 safelists Range for fetch() too.
  it.each(['fetch', 'xhr'] as const)('both browsers safelist a single Range for %s', (initiator) => {
    for (const browser of ['chromium', 'firefox'] as const) {
      expect(evaluateIn(browser, withHeaders([['Range', 'bytes=0-1']], initiator)).preflights).toHaveLength(0);
    }
  });
  // Regression (differential suite): Firefox 153 de-duplicates a name appended twice.
  it('writes a name appended twice once in Access-Control-Request-Headers', () => {
    const s = withHeaders([['X-A', '1'], ['X-A', '2']]);
    expect(acrh('firefox', s)).toBe('x-a');
    expect(acrh('chromium', s)).toBe('x-a');
  });
  // Regression (differential suite): after a tainting redirect Firefox preflights with the page's origin.
  it('after a tainting redirect: Chromium preflights with Origin null, Firefox with the page origin', () => {
    const s: Scenario = {
      ...scenario({ method: 'PUT' }, [[ACAO, 'null']], [[ACAO, PAGE], ['Access-Control-Allow-Methods', 'PUT']]),
      redirects: [{ status: 307, headers: [[ACAO, PAGE], ['Location', 'https://other.example/x']] }],
    };
    const firefox = evaluateIn('firefox', s);
    expect(firefox.ok).toBe(true);
    expect(firefox.preflights.map((p) => p.headers[0]?.[1])).toEqual([PAGE, PAGE]);
    const chromium = evaluateIn('chromium', s);
    expect(chromium.preflights.map((p) => p.headers[0]?.[1])).toEqual([PAGE, 'null']);
    expect(chromium.reasonId).toBe('allow-origin-mismatch');
  });
  // Regression (differential suite): a cross-origin redirect drops Authorization. Chromium then
  // needs no preflight; Firefox still preflights (its unsafe names were computed for the
  // original request) but no longer lists authorization.
  it('a cross-origin redirect drops Authorization', () => {
    const s: Scenario = {
      ...scenario({ url: `${PAGE}/start`, headers: [['Authorization', 'Bearer x']] }, [[ACAO, PAGE]], [[ACAO, PAGE]]),
      redirects: [{ status: 307, headers: [['Location', API]] }],
    };
    expect(evaluateIn('chromium', s).preflights).toHaveLength(0);
    expect(evaluateIn('firefox', s).preflights.map((p) => p.headers)).toEqual([
      [['Origin', PAGE], ['Access-Control-Request-Method', 'GET']],
    ]);
  });
  // Regression (differential suite): Firefox keeps the original unsafe names after a 303 turns POST into GET.
  it('after a 303 turns POST into GET, Firefox still preflights, first without Access-Control-Request-Headers', () => {
    const s: Scenario = {
      ...scenario({ url: `${PAGE}/start`, method: 'POST', headers: [['Content-Type', 'application/json']] }, [[ACAO, PAGE]], [[ACAO, PAGE]]),
      redirects: [{ status: 303, headers: [['Location', API]] }],
    };
    expect(evaluateIn('chromium', s).preflights).toHaveLength(0);
    const firefox = evaluateIn('firefox', s).preflights;
    expect(firefox).toHaveLength(1);
    expect(firefox[0]?.headers).toEqual([['Origin', PAGE], ['Access-Control-Request-Method', 'GET']]);
  });
  it('preflight cache caps: Chromium 7200 s, Firefox 86400 s', () => {
    const s = scenario({ method: 'PUT' }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Max-Age', '100000']]);
    expect(evaluateIn('chromium', s).preflightMaxAge).toBe(7200);
    expect(evaluateIn('firefox', s).preflightMaxAge).toBe(86400);
  });
});

describe('Chromium client hints and redirects', () => {
  // Regression (differential suite): Chromium drops client-hint headers on a cross-origin redirect.
  it('preflights an invalid Width before a cross-origin redirect and not after it', () => {
    const s: Scenario = {
      ...scenario({ headers: [['Width', '1.5']] }, [[ACAO, '*']], [[ACAO, '*'], ['Access-Control-Allow-Headers', 'width']]),
      redirects: [{ status: 302, headers: [[ACAO, '*'], ['Location', 'https://other.example/x']] }],
    };
    expect(evaluateIn('chromium', s).preflights).toHaveLength(1);
    expect(evaluateIn('firefox', s).preflights).toHaveLength(2);
  });
  it('drops them on a same-origin redirect too', () => {
    const s: Scenario = {
      ...scenario({ headers: [['Width', '1.5']] }, [[ACAO, '*']], [[ACAO, '*'], ['Access-Control-Allow-Headers', 'width']]),
      redirects: [{ status: 302, headers: [[ACAO, '*'], ['Location', '/again']] }],
    };
    expect(evaluateIn('chromium', s).preflights).toHaveLength(1);
  });
  it('keeps them on a redirect back to the page origin', () => {
    const s: Scenario = {
      ...scenario({ headers: [['Width', '1.5']] }, [[ACAO, '*']], [[ACAO, '*'], ['Access-Control-Allow-Headers', 'width']]),
      redirects: [{ status: 302, headers: [[ACAO, '*'], ['Location', `${PAGE}/back`]] }],
    };
    expect(evaluateIn('chromium', s).preflights).toHaveLength(2);
  });
});

describe('preflight cache lifetime (checked in real browsers by test/browser/preflight-cache.test.ts)', () => {
  const withMaxAge = (age: HeaderList, approval: HeaderList = [['Access-Control-Allow-Methods', 'PUT']]): Scenario =>
    scenario({ method: 'PUT' }, [[ACAO, PAGE]], [[ACAO, PAGE], ...approval, ...age]);
  it.each([
    ['none', [], 5, 5],
    ['600', [['Access-Control-Max-Age', '600']], 600, 600],
    ['0', [['Access-Control-Max-Age', '0']], 0, null],
    ['-1', [['Access-Control-Max-Age', '-1']], 0, null],
    ['abc', [['Access-Control-Max-Age', 'abc']], 5, null],
    ['+5', [['Access-Control-Max-Age', '+5']], 5, null],
    ['two lines', [['Access-Control-Max-Age', '5'], ['Access-Control-Max-Age', '10']], 5, null],
    ['100000', [['Access-Control-Max-Age', '100000']], 7200, 86400],
  ] as Array<[string, HeaderList, number | null, number | null]>)('Max-Age %s: Chromium %s, Firefox %s', (_label, age, chromium, firefox) => {
    expect(evaluateIn('chromium', withMaxAge(age)).preflightMaxAge).toBe(chromium);
    expect(evaluateIn('firefox', withMaxAge(age)).preflightMaxAge).toBe(firefox);
  });
  it('Firefox never reuses an approval that rests on *', () => {
    const s = withMaxAge([['Access-Control-Max-Age', '600']], [['Access-Control-Allow-Methods', '*']]);
    expect(evaluateIn('chromium', s).preflightMaxAge).toBe(600);
    expect(evaluateIn('firefox', s).preflightMaxAge).toBeNull();
  });
});

/**
 * WebKit (WebKitGTK 2.50), each row seen in real WebKit by the WebKit
 * differential suite (test/browser/differential-webkit.test.ts) and kept here
 * as a regression: what WebKit does, beside what the engine says Chromium and
 * Firefox do where they differ.
 */
describe('WebKit deviations', () => {
  const OTHER = 'https://other.example';
  const names = (s: Scenario, browser: 'chromium' | 'firefox' | 'webkit'): string[] =>
    evaluateIn(browser, s).preflights.map((p) => {
      const h = (n: string): string => p.headers.find(([k]) => k === n)?.[1] ?? '-';
      return `${h('Origin') === PAGE ? 'page' : h('Origin')} ${h('Access-Control-Request-Method')} [${p.headers.find(([k]) => k === 'Access-Control-Request-Headers')?.[1] ?? ''}]`;
    });
  const open = (headers: HeaderList, initiator: 'fetch' | 'xhr' = 'fetch', method = 'GET'): Scenario =>
    scenario({ headers, initiator, method }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Methods', method], ['Access-Control-Allow-Headers', '*']]);
  const redirected = (request: Partial<Scenario['request']>, status: number, location: string, preflight: HeaderList = [[ACAO, '*'], ['Access-Control-Allow-Methods', '*'], ['Access-Control-Allow-Headers', '*']]): Scenario => ({
    ...scenario(request, [[ACAO, '*']], preflight),
    redirects: [{ status, headers: [[ACAO, '*'], ['Location', location]] }],
  });
  const methods = (s: Scenario): string[] => evaluateIn('webkit', s).requests.map((r) => r.method);

  // Preflight triggers: [label, scenario, webkit, chromium, firefox] (each: the preflights sent).
  it.each([
    ['client hints are not safelisted (like Firefox)', open([['DPR', '2'], ['Save-Data', 'on']]), ['page GET [dpr,save-data]'], [], ['page GET [dpr,save-data]']],
    ['a User-Agent set by script is sent and preflighted (like Firefox)', open([['User-Agent', 'x']]), ['page GET [user-agent]'], [], ['page GET [user-agent]']],
    ['bytes from 0x80 up in Accept are safelisted (like Chromium)', open([['Accept', 'text/html;x=\u00e9']]), [], [], ['page GET [accept]']],
    ['bytes from 0x80 up in Content-Type are safelisted (like Chromium)', open([['Content-Type', 'text/plain;charset=\u00e9']], 'fetch', 'POST'), [], [], ['page POST [content-type]']],
    [
      'no 1,024-byte total for safelisted values (like Firefox)',
      open([['Accept', 'a'.repeat(128)], ['Accept-Language', 'b'.repeat(128)], ['Content-Language', 'c'.repeat(128)], ...(['Width', 'RTT', 'Downlink', 'Device-Memory', 'DPR', 'Viewport-Width'].map((n) => [n, '1'.repeat(128)]) as HeaderList)]),
      ['page GET [device-memory,downlink,dpr,rtt,viewport-width,width]'],
      ['page GET [accept,accept-language,content-language,device-memory,downlink,dpr,rtt,viewport-width,width]'],
      ['page GET [device-memory,downlink,dpr,rtt,viewport-width,width]'],
    ],
  ] as Array<[string, Scenario, string[], string[], string[]]>)('%s', (_label, s, webkit, chromium, firefox) => {
    expect(names(s, 'webkit')).toEqual(webkit);
    expect(names(s, 'chromium')).toEqual(chromium);
    expect(names(s, 'firefox')).toEqual(firefox);
  });

  // Redirects: [label, scenario, webkit's preflights, webkit's methods per hop].
  it.each([
    ['after a tainting redirect the preflight says Origin: null (like Chromium)', redirected({ method: 'PUT' }, 307, `${OTHER}/x`), ['page PUT []', 'null PUT []'], ['PUT', 'PUT']],
    ['a 301 turns POST into GET; Content-Type stays and is still listed', redirected({ method: 'POST', headers: [['Content-Type', 'application/json']] }, 301, `${OTHER}/x`), ['page POST [content-type]', 'null GET [content-type]'], ['POST', 'GET']],
    ['a 303 turns PUT into GET, and the simple GET is preflighted again', redirected({ method: 'PUT' }, 303, `${PAGE}/back`), ['page PUT []', 'null GET []'], ['PUT', 'GET']],
    ['a 302 to another origin turns DELETE into GET (libsoup)', redirected({ method: 'delete', headers: [['X-A', '1']] }, 302, `${OTHER}/x`), ['page DELETE [x-a]', 'null GET [x-a]'], ['DELETE', 'GET']],
    ['a 302 to the same origin keeps DELETE', redirected({ method: 'DELETE' }, 302, '/again'), ['page DELETE []', 'page DELETE []'], ['DELETE', 'DELETE']],
    ['a 307 to another origin turns DELETE into GET too (libsoup)', redirected({ method: 'DELETE' }, 307, `${OTHER}/x`), ['page DELETE []', 'null GET []'], ['DELETE', 'GET']],
    ['a 307 to the same origin keeps DELETE', redirected({ method: 'DELETE' }, 307, '/again'), ['page DELETE []', 'page DELETE []'], ['DELETE', 'DELETE']],
    ['a 303 keeps HEAD', redirected({ method: 'HEAD', headers: [['X-A', '1']] }, 303, `${OTHER}/x`), ['page HEAD [x-a]', 'null HEAD [x-a]'], ['HEAD', 'HEAD']],
    ['a 301 keeps PUT', redirected({ method: 'PUT' }, 301, `${OTHER}/x`), ['page PUT []', 'null PUT []'], ['PUT', 'PUT']],
    ['Authorization is kept on a cross-origin redirect, and preflighted', redirected({ headers: [['Authorization', 'Bearer t']] }, 307, `${OTHER}/x`), ['page GET [authorization]', 'null GET [authorization]'], ['GET', 'GET']],
  ] as Array<[string, Scenario, string[], string[]]>)('%s', (_label, s, preflights, hops) => {
    expect(names(s, 'webkit')).toEqual(preflights);
    expect(methods(s)).toEqual(hops);
  });

  it('refuses a same-origin load redirected to user:password@ on another origin, naming the URL without them', () => {
    const s: Scenario = { ...scenario({ url: `${PAGE}/a` }, [[ACAO, '*']]), redirects: [{ status: 302, headers: [['Location', 'https://u:p@api.example/b']] }] };
    const o = evaluateIn('webkit', s);
    expect([o.reasonId, o.context?.redirectTo, o.context?.sameOriginLoad]).toEqual(['redirect-contains-credentials', 'https://api.example/b', true]);
  });

  it('a POST redirected to GET on the page origin still sends Origin', () => {
    const s: Scenario = { ...scenario({ url: `${PAGE}/a`, method: 'POST' }, [[ACAO, PAGE]]), redirects: [{ status: 302, headers: [['Location', `${PAGE}/b`]] }] };
    expect(evaluateIn('webkit', s).requests.map((r) => [r.method, r.headers.find(([n]) => n === 'Origin')?.[1] ?? null])).toEqual([['POST', PAGE], ['GET', PAGE]]);
    expect(evaluateIn('chromium', s).requests.map((r) => r.headers.find(([n]) => n === 'Origin')?.[1] ?? null)).toEqual([PAGE, null]);
  });

  // Check order and reasons: [label, scenario, webkit's reason id, its value].
  const put = (preflight: HeaderList, status = 204): Scenario => ({ ...scenario({ method: 'PUT', headers: [['X-B', '1'], ['x-a', '1']] }, [[ACAO, PAGE]], preflight), preflight: { status, headers: preflight } });
  it.each([
    ['the preflight status comes before Access-Control-Allow-Origin', put([], 401), 'preflight-status', ''],
    ['a redirected preflight is an unsuccessful one', put([[ACAO, PAGE], ['Location', '/x']], 301), 'preflight-status', ''],
    ['a comma list is more than one origin', put([[ACAO, `${PAGE}, ${OTHER}`]]), 'multiple-allow-origin', `${PAGE}, ${OTHER}`],
    ['an invalid value is a mismatch', put([[ACAO, 'example.com']]), 'allow-origin-mismatch', 'example.com'],
    ['Allow-Methods is parsed before the method is matched; the value as sent', put([[ACAO, PAGE], ['Access-Control-Allow-Methods', 'GET, P(UT']]), 'invalid-allow-methods', 'GET, P(UT'],
    ['Allow-Headers is parsed before the method is matched', put([[ACAO, PAGE], ['Access-Control-Allow-Methods', 'GET'], ['Access-Control-Allow-Headers', 'x bad']]), 'invalid-allow-headers', 'x bad'],
    ['fetch() names the first refused header in sorted, lowercase order', put([[ACAO, PAGE], ['Access-Control-Allow-Methods', 'PUT']]), 'header-not-allowed', 'x-a'],
  ] as Array<[string, Scenario, string, string]>)('%s', (_label, s, id, value) => {
    const o = evaluateIn('webkit', s);
    expect([o.reasonId, o.context?.value]).toEqual([id, value]);
  });

  it.each([
    ['xhr', [['X-B', '1'], ['x-a', '1']], 'X-B'],
    ['fetch', [['X-B', '1'], ['Accept', 'a{b}']], 'Accept'],
    ['xhr', [['x-long', '1'], ['content-type', 'application/json']], 'Content-Type'],
  ] as Array<['fetch' | 'xhr', HeaderList, string]>)('%s names the refused header WebKit lists first (known names first, spelled its way): %j → %s', (initiator, headers, name) => {
    const s = scenario({ method: 'PUT', headers, initiator }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Methods', 'PUT']]);
    expect(evaluateIn('webkit', s).context?.value).toBe(name);
  });

  it.each([
    ['none', [], 5],
    ['600', [['Access-Control-Max-Age', '600']], 600],
    ['100000 (capped at 600 s)', [['Access-Control-Max-Age', '100000']], 600],
    ['0', [['Access-Control-Max-Age', '0']], 0],
    ['-1', [['Access-Control-Max-Age', '-1']], 0],
    ['+5', [['Access-Control-Max-Age', '+5']], 5],
    ['abc (the default)', [['Access-Control-Max-Age', 'abc']], 5],
  ] as Array<[string, HeaderList, number]>)('Max-Age %s: WebKit reuses the preflight for %s s', (_label, age, seconds) => {
    const s = scenario({ method: 'PUT' }, [[ACAO, PAGE]], [[ACAO, PAGE], ['Access-Control-Allow-Methods', 'PUT'], ...age]);
    expect(evaluateIn('webkit', s).preflightMaxAge).toBe(seconds);
  });
});

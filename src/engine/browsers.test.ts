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

/**
 * Property tests: for random, also hostile, scenarios the engine either
 * refuses the input with a ScenarioError or returns a verdict that holds
 * together. The real-browser suite checks that verdicts are right; these
 * check that they are never malformed, whatever the input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { ScenarioError } from './request.js';
import type { HeaderList, Scenario } from './types.js';

const PAGE = 'https://app.example';

const headerName = fc.oneof(
  fc.constantFrom(
    'Access-Control-Allow-Origin',
    'access-control-allow-origin',
    'Access-Control-Allow-Credentials',
    'Access-Control-Allow-Methods',
    'Access-Control-Allow-Headers',
    'Access-Control-Expose-Headers',
    'Access-Control-Max-Age',
    'Content-Type',
    'Accept',
    'Range',
    'Authorization',
    'Set-Cookie',
    'X-Custom',
    'Location',
  ),
  fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/),
);

/** Values: plausible ones and arbitrary Latin-1 noise (including CR, LF, NUL: refused as input). */
const headerValue = fc.oneof(
  fc.constantFrom(PAGE, '*', 'null', 'true', 'TRUE', '', ' ', `${PAGE}, ${PAGE}`, 'GET, PUT', '*, Authorization', 'x-custom', 'bytes=0-1', 'text/plain'),
  fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
);

const headerList: fc.Arbitrary<HeaderList> = fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 });

const response = fc.record({ status: fc.constantFrom(200, 204, 301, 302, 303, 307, 308, 400, 404, 500), headers: headerList });

const scenario: fc.Arbitrary<Scenario> = fc.record({
  request: fc.record({
    url: fc.constantFrom('https://api.example/x', `${PAGE}/same`, 'http://api.example:8080/y?q=1'),
    origin: fc.constant(PAGE),
    method: fc.constantFrom('GET', 'get', 'POST', 'PUT', 'patch', 'DELETE', 'OPTIONS', 'HEAD', 'X-Custom'),
    headers: headerList,
    credentials: fc.constantFrom('omit', 'same-origin', 'include'),
    initiator: fc.constantFrom('fetch', 'xhr'),
  }),
  preflight: fc.option(response, { nil: null }),
  response,
});

function isSortedUniqueLowercase(names: string[]): boolean {
  return names.every((n, i) => n === n.toLowerCase() && (i === 0 || (names[i - 1] as string) < n));
}

describe('engine properties', () => {
  it('every verdict holds together, or the input is refused with a ScenarioError', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        let v;
        try {
          v = evaluate(s);
        } catch (e) {
          expect(e).toBeInstanceOf(ScenarioError);
          return;
        }
        // ok exactly when no browser reports a failure; each report exactly when its browser blocks.
        expect(v.ok).toBe(v.chromium === null && v.firefox === null && v.webkit === null);
        expect(v.ok).toBe(v.browsers.chromium.ok && v.browsers.firefox.ok && v.browsers.webkit.ok);
        for (const b of ['chromium', 'firefox', 'webkit'] as const) expect(v[b] === null).toBe(v.browsers[b].ok);
        // WebKit's console lines start with its reason line; its template id is known.
        if (v.webkit) {
          expect(v.webkit.messages).toContain(v.webkit.message);
          expect(v.webkit.reason).not.toMatch(/^unknown:/);
        }
        // Narrowed to two browsers: ok is theirs, and the headline follows one of them.
        const two = evaluate(s, { browsers: ['chromium', 'firefox'] });
        expect(two.ok).toBe(v.browsers.chromium.ok && v.browsers.firefox.ok);
        expect(two.webkit).toEqual(v.webkit);
        // Each browser's requests: one per hop reached, the first to the URL script asked for.
        for (const b of ['chromium', 'firefox', 'webkit'] as const) {
          const sent = v.requests[b];
          if (sent.length > 0) expect(sent[0]?.url).toBe(new URL(s.request.url).href);
          expect(sent.length).toBeLessThanOrEqual(1 + (s.redirects?.length ?? 0));
        }
        if (v.ok) {
          expect(v.failedAt).toBeNull();
          expect(v.fix).toBeNull();
        } else {
          expect(v.failedAt).not.toBeNull();
          expect(v.fix).toMatch(/^Server: /);
          for (const report of [v.chromium, v.firefox, v.webkit]) if (report) expect(report.message.length).toBeGreaterThan(0);
          expect(v.exposedHeaders).toEqual([]);
        }
        // Script never reads Set-Cookie, and the names are sorted, unique, lowercase.
        expect(v.exposedHeaders).not.toContain('set-cookie');
        expect(isSortedUniqueLowercase(v.exposedHeaders)).toBe(true);
        // Access-Control-Request-Headers: lowercase, sorted, unique, never a forbidden name.
        for (const b of [v.browsers.chromium, v.browsers.firefox, v.browsers.webkit]) {
          for (const p of b.preflights) {
            const acrh = p.headers.find(([n]) => n === 'Access-Control-Request-Headers')?.[1];
            if (acrh !== undefined) {
              const names = acrh.split(',');
              expect(isSortedUniqueLowercase(names)).toBe(true);
              expect(names).not.toContain('cookie');
              expect(names).not.toContain('origin');
            }
          }
        }
        // A credentialed cross-origin request never passes with '*'.
        const cross = !s.request.url.startsWith(PAGE);
        const acao = s.response.headers.filter(([n]) => n.toLowerCase() === 'access-control-allow-origin').map(([, x]) => x.trim());
        if (cross && !s.redirects && s.request.credentials === 'include' && acao.length === 1 && acao[0] === '*') {
          expect(v.ok).toBe(false);
        }
        // The fix never suggests '*' with credentials.
        expect(v.fix ?? '').not.toMatch(/Allow-Origin: \*`[^.]*Allow-Credentials: true/);
      }),
      { numRuns: 3000 },
    );
  }, 60_000); // a budget for a loaded 2-core machine, not a timing assertion

  it('header parsing stays linear on huge and many-element values', () => {
    const many = Array.from({ length: 20000 }, (_, i) => `x-h${i}`).join(', ');
    const huge = `${PAGE}${' '.repeat(1 << 20)}`;
    const s: Scenario = {
      request: { url: 'https://api.example/x', origin: PAGE, method: 'PUT', headers: [['X-Custom', '1']], credentials: 'same-origin' },
      preflight: {
        status: 204,
        headers: [
          ['Access-Control-Allow-Origin', huge],
          ['Access-Control-Allow-Methods', many],
          ['Access-Control-Allow-Headers', `${many}, x-custom`],
        ],
      },
      response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Expose-Headers', many]] },
    };
    // Completes (a backtracking parser would not); the whitespace is trimmed like a browser's parser does.
    const v = evaluate(s);
    expect(v.browsers.chromium.failedAt).toBe('preflight');
    expect(v.browsers.chromium.reasonId).toBe('method-not-allowed');
  });
});

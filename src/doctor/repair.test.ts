/**
 * repair(): hand-written cases with their exact diffs (minimality: only the
 * lines the failure asks for), then the generated differential suite: every
 * failing scenario gets a change that passes in Chromium, Firefox and
 * WebKit when walked again, none of whose edits can be left out, that names only the page's
 * origin (never '*' with credentials, never an origin of its own making), or
 * an explicit "not fixable from the server" with the reason table's fix.
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../test/generator.js';
import { BROWSER_NAMES } from '../engine/browsers.js';
import { evaluate, evaluateIn } from '../engine/evaluate.js';
import { reason } from '../engine/reasons.js';
import type { HeaderList, Scenario, ScenarioResponse } from '../engine/types.js';
import type { HeaderEdit } from './repair.js';
import { applyEdits, diffText, repair } from './repair.js';

const PAGE = 'https://app.example.com';
const API = 'https://api.example.com/v1/items';

function scenario(request: Partial<Scenario['request']>, response: HeaderList, preflight: ScenarioResponse | null = null, status = 200): Scenario {
  return {
    request: { url: API, origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin', initiator: 'fetch', ...request },
    preflight,
    response: { status, headers: response },
  };
}

/** Hand-written cases: the scenario and the exact diff the page shows. */
const CASES: Array<{ name: string; scenario: Scenario; diff: string; fixes: string[] }> = [
  {
    name: "credentials with '*': the page's origin named instead, Allow-Credentials added, Vary advised",
    scenario: scenario({ credentials: 'include' }, [['Content-Type', 'application/json'], ['Access-Control-Allow-Origin', '*']]),
    diff: [
      '# the response',
      '  Status: 200',
      '  Content-Type: application/json',
      '- Access-Control-Allow-Origin: *',
      `+ Access-Control-Allow-Origin: ${PAGE}`,
      '+ Access-Control-Allow-Credentials: true',
      '+ Vary: Origin   (advised)',
    ].join('\n'),
    fixes: ['wildcard-with-credentials', 'missing-allow-credentials'],
  },
  {
    name: 'no Access-Control-Allow-Origin, no credentials: one line added (and Vary advised)',
    scenario: scenario({}, [['Vary', 'Accept-Encoding']]),
    diff: ['# the response', '  Status: 200', '- Vary: Accept-Encoding   (advised)', '+ Vary: Accept-Encoding, Origin   (advised)', `+ Access-Control-Allow-Origin: ${PAGE}`].join('\n'),
    fixes: ['missing-allow-origin'],
  },
  {
    name: 'Vary: Origin already there: nothing advised',
    scenario: scenario({}, [['Access-Control-Allow-Origin', 'https://app.example.com/'], ['Vary', 'Origin']]),
    diff: ['# the response', '  Status: 200', '- Access-Control-Allow-Origin: https://app.example.com/', `+ Access-Control-Allow-Origin: ${PAGE}`, '  Vary: Origin'].join('\n'),
    fixes: ['allow-origin-mismatch'],
  },
  {
    name: 'a preflight that does not list PUT nor Authorization: both added to their lines, the response untouched',
    scenario: scenario(
      { method: 'PUT', headers: [['Authorization', 'Bearer x'], ['Content-Type', 'application/json']] },
      [['Access-Control-Allow-Origin', PAGE]],
      { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'GET, POST'], ['Access-Control-Allow-Headers', 'Content-Type']] },
    ),
    diff: [
      '# the preflight (OPTIONS) response',
      '  Status: 204',
      `  Access-Control-Allow-Origin: ${PAGE}`,
      '- Access-Control-Allow-Methods: GET, POST',
      '- Access-Control-Allow-Headers: Content-Type',
      '+ Access-Control-Allow-Methods: GET, POST, PUT',
      '+ Access-Control-Allow-Headers: Content-Type, Authorization',
    ].join('\n'),
    fixes: ['method-not-allowed', 'header-not-allowed'],
  },
  {
    name: 'a preflight answered 401 by authentication: an ok status and the CORS headers, the response untouched',
    scenario: scenario({ method: 'DELETE', credentials: 'include' }, [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Origin']], {
      status: 401,
      headers: [['WWW-Authenticate', 'Bearer']],
    }),
    diff: [
      '# the preflight (OPTIONS) response',
      '- Status: 401',
      '+ Status: 204',
      '  WWW-Authenticate: Bearer',
      `+ Access-Control-Allow-Origin: ${PAGE}`,
      '+ Access-Control-Allow-Credentials: true',
      '+ Access-Control-Allow-Methods: DELETE',
    ].join('\n'),
    fixes: ['missing-allow-origin', 'missing-allow-credentials', 'preflight-status', 'method-not-allowed'],
  },
  {
    name: "'*' in Allow-Headers does not cover a credentialed request's header: the name added to the list",
    scenario: scenario({ method: 'GET', headers: [['X-Api-Key', 'k']], credentials: 'include' }, [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Origin']], {
      status: 204,
      headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Credentials', 'true'], ['Access-Control-Allow-Headers', '*']],
    }),
    diff: [
      '# the preflight (OPTIONS) response',
      '  Status: 204',
      `  Access-Control-Allow-Origin: ${PAGE}`,
      '  Access-Control-Allow-Credentials: true',
      '- Access-Control-Allow-Headers: *',
      '+ Access-Control-Allow-Headers: *, X-Api-Key',
    ].join('\n'),
    fixes: ['header-not-allowed'],
  },
  {
    name: 'Access-Control-Allow-Origin set twice (proxy and app): one line left',
    scenario: scenario({}, [['Access-Control-Allow-Origin', PAGE], ['Vary', 'Origin'], ['Access-Control-Allow-Origin', PAGE]]),
    diff: ['# the response', '  Status: 200', `  Access-Control-Allow-Origin: ${PAGE}`, '  Vary: Origin', `- Access-Control-Allow-Origin: ${PAGE}`].join('\n'),
    fixes: ['multiple-allow-origin'],
  },
  {
    name: 'an unparsable Allow-Methods: the invalid item dropped, the method added',
    scenario: scenario({ method: 'PATCH' }, [['Access-Control-Allow-Origin', PAGE], ['Vary', 'Origin']], {
      status: 204,
      headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'GET, PO ST']],
    }),
    diff: [
      '# the preflight (OPTIONS) response',
      '  Status: 204',
      `  Access-Control-Allow-Origin: ${PAGE}`,
      '- Access-Control-Allow-Methods: GET, PO ST',
      '+ Access-Control-Allow-Methods: GET, PATCH',
    ].join('\n'),
    fixes: ['invalid-allow-methods', 'method-not-allowed'],
  },
  {
    name: 'a redirected preflight: answered directly (204, no Location)',
    scenario: scenario({ method: 'PUT' }, [['Access-Control-Allow-Origin', PAGE], ['Vary', 'Origin']], {
      status: 301,
      headers: [['Location', 'https://api.example.com/v1/items/'], ['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']],
    }),
    diff: [
      '# the preflight (OPTIONS) response',
      '- Status: 301',
      '+ Status: 204',
      '- Location: https://api.example.com/v1/items/',
      `  Access-Control-Allow-Origin: ${PAGE}`,
      '  Access-Control-Allow-Methods: PUT',
    ].join('\n'),
    fixes: ['preflight-redirect'],
  },
  {
    name: 'a redirect without CORS headers on the way: the redirect gets the line, the final response is left alone',
    scenario: {
      ...scenario({}, [['Access-Control-Allow-Origin', '*']]),
      redirects: [{ status: 307, headers: [['Location', '/v2/items']] }],
    },
    diff: ['# redirect 1 (307)', '  Status: 307', '  Location: /v2/items', `+ Access-Control-Allow-Origin: ${PAGE}`, '+ Vary: Origin   (advised)'].join('\n'),
    fixes: ['missing-allow-origin'],
  },
];

describe('repair(): the smallest change, as a diff', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(evaluate(c.scenario).ok).toBe(false);
      const r = repair(c.scenario);
      if (r.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(r)}`);
      expect(diffText(r.diffs)).toBe(c.diff);
      expect(r.fixes).toEqual(c.fixes);
      expect(r.verdict).toEqual(evaluate(r.scenario));
      expect(r.verdict.ok).toBe(true);
    });
  }

  it('a passing scenario needs no change', () => {
    expect(repair(scenario({}, [['Access-Control-Allow-Origin', '*']]))).toEqual({ kind: 'passes' });
  });

  it('a redirect to a data: URL is not fixable by headers: the reason table\'s fix is given', () => {
    const s: Scenario = { ...scenario({}, [['Access-Control-Allow-Origin', PAGE]]), redirects: [{ status: 302, headers: [['Location', 'data:,x'], ['Access-Control-Allow-Origin', PAGE]] }] };
    const r = repair(s);
    if (r.kind !== 'not-fixable') throw new Error(`expected not-fixable, got ${r.kind}`);
    expect(r.reasonId).toBe('redirect-not-http');
    expect(r.why).toBe(reason('redirect-not-http').title);
    expect(r.fix.side).toBe('server');
    expect(r.fix.text).toBe("Redirect to an http(s) URL (the Location was 'data:,x'), or answer the request directly.");
  });

  it("Origin: null after a redirect from one origin to another: not fixable (allowing 'null' would trust any sandboxed page); avoid the redirect", () => {
    const s: Scenario = {
      ...scenario({}, [['Access-Control-Allow-Origin', PAGE]]),
      redirects: [{ status: 302, headers: [['Location', 'https://cdn.example.net/items'], ['Access-Control-Allow-Origin', PAGE]] }],
    };
    const r = repair(s);
    if (r.kind !== 'not-fixable') throw new Error(`expected not-fixable, got ${r.kind}`);
    expect(r.reasonId).toBe('allow-origin-mismatch');
    expect(r.fix.side).toBe('client');
    expect(r.fix.text).toContain('Request https://cdn.example.net/items directly instead of https://api.example.com/v1/items.');
  });

  it("a sandboxed page (Origin: null) is named as it is: 'null' (the page's security note warns about it)", () => {
    const r = repair(scenario({ origin: 'null' }, []));
    if (r.kind !== 'change') throw new Error(`expected a change, got ${r.kind}`);
    expect(r.edits).toEqual([{ part: { field: 'response' }, op: 'set', name: 'Access-Control-Allow-Origin', value: 'null' }]);
  });

  it("a preflighted PUT redirected (303) to the same server: Firefox and WebKit preflight the GET again; WebKit asks for the ok status too", () => {
    const s: Scenario = {
      ...scenario({ method: 'PUT' }, [['Access-Control-Allow-Origin', PAGE], ['Vary', 'Origin']], { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']] }),
      redirects: [{ status: 303, headers: [['Location', '/v2/items'], ['Access-Control-Allow-Origin', PAGE]] }],
      redirectPreflights: [{ status: 404, headers: [] }],
    };
    expect(BROWSER_NAMES.map((b) => evaluate(s).browsers[b].reasonId)).toEqual([null, 'missing-allow-origin', 'preflight-status']);
    const r = repair(s);
    if (r.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(r)}`);
    expect(diffText(r.diffs)).toBe(['# the preflight response after redirect 1', '- Status: 404', '+ Status: 204', `+ Access-Control-Allow-Origin: ${PAGE}`].join('\n'));
    expect(r.fixes).toEqual(['missing-allow-origin', 'preflight-status']);
    for (const b of BROWSER_NAMES) expect(evaluateIn(b, r.scenario).ok).toBe(true);
  });

  it('blocked in WebKit only: a PUT redirected (303) to another origin, whose GET WebKit preflights with Origin: null, is not fixable by headers; WebKit is named', () => {
    const s: Scenario = {
      ...scenario({ method: 'PUT' }, [['Access-Control-Allow-Origin', '*']], { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']] }),
      redirects: [{ status: 303, headers: [['Location', 'https://cdn.example.net/items'], ['Access-Control-Allow-Origin', PAGE]] }],
    };
    const v = evaluate(s);
    expect(BROWSER_NAMES.map((b) => v.browsers[b].ok)).toEqual([true, true, false]);
    const r = repair(s);
    if (r.kind !== 'not-fixable') throw new Error(`expected not-fixable, got ${JSON.stringify(r)}`);
    expect([r.browser, r.reasonId, r.fix.side]).toEqual(['webkit', 'allow-origin-mismatch', 'client']);
    expect(r.fix.text).toContain('Request https://cdn.example.net/items directly instead of https://api.example.com/v1/items.');
  });

  it('leaves the scenario it is given as it was', () => {
    const s = CASES[0]?.scenario as Scenario;
    const before = JSON.stringify(s);
    repair(s);
    expect(JSON.stringify(s)).toBe(before);
  });
});

/** What every proposed change must be: it passes, nothing in it can go, it trusts only the page's origin. */
function checkChange(s: Scenario, edits: readonly HeaderEdit[], advised: readonly HeaderEdit[]): string | null {
  const repaired = applyEdits(s, [...edits, ...advised]);
  for (const browser of BROWSER_NAMES) {
    if (!evaluateIn(browser, repaired).ok) return `${browser} still blocks it`;
  }
  for (let i = 0; i < edits.length; i++) {
    const without = applyEdits(s, edits.filter((_, k) => k !== i));
    if (evaluate(without).ok) return `edit ${i} (${JSON.stringify(edits[i])}) is not needed`;
  }
  for (const e of edits) {
    if (e.op === 'set' && e.name === 'Access-Control-Allow-Origin' && e.value !== s.request.origin) return `names ${e.value}, not the page's origin`;
    if (e.op !== 'status' && /origin/i.test(e.name) && e.op === 'add-to-list') return `adds to ${e.name}`;
  }
  if (s.request.credentials === 'include') {
    for (const answer of [repaired.response, ...(repaired.redirects ?? [])]) {
      if (answer.headers.some(([n, v]) => n.toLowerCase() === 'access-control-allow-origin' && v.trim() === '*')) {
        if (edits.some((e) => e.op === 'set' && e.name === 'Access-Control-Allow-Origin')) return "'*' left with credentials";
      }
    }
  }
  return null;
}

describe('repair() over the generated differential suite', () => {
  const world = { pageOrigin: 'http://127.0.0.1:3000', targetOrigin: 'http://127.0.0.1:4000', otherOrigin: 'http://127.0.0.1:5000' };
  const cases = generate(world, { count: 2400, seed: 1 });

  it('every failing scenario gets a change that passes in all three browsers and cannot be smaller, or is said not fixable with the fix', () => {
    const problems: string[] = [];
    const tally = { passing: 0, changed: 0, notFixable: 0 };
    const notFixableReasons = new Set<string>();
    const notFixableIn: Record<string, number> = {};
    let webkitOnly = 0;
    for (const { id, scenario: s, tags } of cases) {
      const r = repair(s);
      const v = evaluate(s);
      const blocking = BROWSER_NAMES.filter((b) => !v.browsers[b].ok);
      if (blocking.length === 1 && blocking[0] === 'webkit') {
        webkitOnly++;
        // Blocked in WebKit alone: what Chromium and Firefox allow is no proof; WebKit decides.
        if (r.kind === 'passes' || (r.kind === 'not-fixable' && r.browser !== 'webkit')) problems.push(`${id}: blocked in WebKit only, but ${r.kind === 'passes' ? 'said to pass' : `said not fixable in ${r.browser}`}`);
      }
      if (r.kind === 'passes') {
        tally.passing++;
        if (!v.ok) problems.push(`${id}: said to pass but is blocked`);
        continue;
      }
      if (r.kind === 'not-fixable') {
        tally.notFixable++;
        notFixableReasons.add(r.reasonId);
        notFixableIn[r.browser] = (notFixableIn[r.browser] ?? 0) + 1;
        if (r.fix.text === '' || r.why === '') problems.push(`${id}: not fixable without a reason or a fix`);
        if (!BROWSER_NAMES.includes(r.browser)) problems.push(`${id}: not fixable in an unknown browser ${r.browser}`);
        continue;
      }
      tally.changed++;
      const problem = checkChange(s, r.edits, r.advised);
      if (problem !== null) problems.push(`${id} [${tags.join(' ')}]: ${problem}`);
    }
    expect(problems).toEqual([]);
    // The suite holds all three kinds, most failures fixable. 2,400 cases: 1,513 pass in all three browsers,
    // 640 get a change, 247 cannot be fixed by headers: 232 met first in Chromium (redirects to data: URLs,
    // with user:password@, loops, and Origin: null after a redirect from one origin to another), 15 in WebKit,
    // which preflights the request again after a redirect to another origin, with Origin: null (7 of them
    // blocked in WebKit only; Chromium and Firefox send no preflight there).
    expect(tally).toEqual({ passing: 1513, changed: 640, notFixable: 247 });
    expect(notFixableIn).toEqual({ chromium: 232, webkit: 15 });
    expect(webkitOnly).toBe(7);
    expect([...notFixableReasons].sort()).toEqual(['allow-origin-mismatch', 'redirect-contains-credentials', 'redirect-not-http', 'too-many-redirects']);
  });
});

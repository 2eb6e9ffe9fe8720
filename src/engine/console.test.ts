/**
 * The console-line reader: every row of the reason table × browser × client
 * API (× preflight, × redirect where the row has them) built by the table's
 * own builders, read back, its draft evaluated to the same row and message;
 * generated scenarios the same way; real Chromium lines; DevTools decorations;
 * garbage and near misses. (The Firefox lines captured from the browser are
 * read in test/cli/explain-console.test.ts, which may read files.)
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../test/generator.js';
import type { ConsoleNotRecognised, ConsoleReading } from './console.js';
import { draftScenario, readConsoleLine } from './console.js';
import { evaluate } from './evaluate.js';
import type { Reason, ReasonContext, ReasonId } from './reasons.js';
import { REASONS, chromiumCorsError, chromiumMessage, firefoxMessage } from './reasons.js';
import type { BrowserName, CredentialsMode, Initiator, Scenario } from './types.js';

const PAGE = 'https://app.example.com';
const URL_ = 'https://api.example.com/v1/items?id=1';
const FIRST = 'https://api.example.com/items';

function recognised(text: string, given = {}): ConsoleReading {
  const r = readConsoleLine(text, given);
  if (!r.recognised) throw new Error(`not recognised: ${r.why}\n${text}`);
  return r;
}

function missed(text: string): ConsoleNotRecognised {
  const r = readConsoleLine(text);
  if (r.recognised) throw new Error(`recognised as ${r.reasonId}: ${text}`);
  return r;
}

/** The scenario's message and row in one browser. */
function outcome(scenario: Scenario, browser: BrowserName): { id: ReasonId | null; message: string | null } {
  const v = evaluate(scenario);
  return { id: v.browsers[browser].reasonId, message: (browser === 'chromium' ? v.chromium?.message : v.firefox?.message) ?? null };
}

/** Offending values per row, as servers and requests produce them. */
const VALUES: Partial<Record<ReasonId, string[]>> = {
  'multiple-allow-origin': [`${PAGE}, ${PAGE}`, 'https://a.example https://b.example'],
  'invalid-allow-origin': ['app.example.com', '*.example.com'],
  'allow-origin-mismatch': [`${PAGE}/`, 'http://localhost:3000', 'null'],
  'missing-allow-credentials': ['', 'false'],
  'invalid-allow-methods': ['GET POST'],
  'invalid-allow-headers': ['X-A X-B'],
  'method-not-allowed': ['PUT', 'patch'],
  'header-not-allowed': ['x-api-key', 'authorization', 'content-type'],
};

/** Where each row fails (the reader's drafts say the same; this is the test's own list). */
const PREFLIGHT_ONLY = new Set<ReasonId>(['preflight-status', 'preflight-redirect', 'invalid-allow-methods', 'invalid-allow-headers', 'method-not-allowed', 'header-not-allowed', 'external-redirect-not-allowed']);
const EITHER = new Set<ReasonId>(['missing-allow-origin', 'multiple-allow-origin', 'invalid-allow-origin', 'allow-origin-mismatch', 'wildcard-with-credentials', 'missing-allow-credentials']);
const CREDENTIALED = new Set<ReasonId>(['wildcard-with-credentials', 'missing-allow-credentials']);
/** Rows no scenario can produce: a network error, a browser setting, a page on file:. */
const NO_SCENARIO = new Set<ReasonId>(['did-not-succeed', 'cors-disabled', 'origin-header-not-added', 'request-not-http']);

interface Case {
  name: string;
  row: Reason;
  browser: BrowserName;
  ctx: ReasonContext;
  line: string;
}

/** Every row × browser × API × where × redirect × value the row applies to, its line built by the table's builders. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const row of REASONS) {
    for (const browser of ['chromium', 'firefox'] as const) {
      const part = browser === 'chromium' ? row.chromium : row.firefox;
      if (part === null) continue;
      const netError = browser === 'chromium' && row.chromium?.netError !== undefined;
      for (const initiator of ['fetch', 'xhr', 'eventsource'] as const) {
        const wheres = PREFLIGHT_ONLY.has(row.id) ? [true] : EITHER.has(row.id) ? [false, true] : [false];
        for (const preflight of wheres) {
          if (initiator === 'eventsource' && preflight) continue;
          for (const redirected of browser === 'chromium' && !netError ? [false, true] : [false]) {
            for (const value of VALUES[row.id] ?? ['']) {
              if (row.id === 'method-not-allowed' && initiator === 'eventsource') continue;
              for (const status of statuses(row, preflight)) {
                const credentials: CredentialsMode = CREDENTIALED.has(row.id) ? 'include' : 'same-origin';
                const ctx: ReasonContext = {
                  url: URL_,
                  redirectedFrom: redirected ? FIRST : null,
                  origin: PAGE,
                  requestOrigin: PAGE,
                  initiator,
                  credentials,
                  method: row.id === 'method-not-allowed' ? value : 'GET',
                  value,
                  status,
                  preflight,
                };
                const line = browser === 'chromium' ? chromiumMessage(row, ctx) : firefoxMessage(row, ctx);
                const name = `${row.id} ${browser} ${initiator}${preflight ? ' preflight' : ''}${redirected ? ' redirected' : ''} '${value}' ${status}`;
                out.push({ name, row, browser, ctx, line });
              }
            }
          }
        }
      }
    }
  }
  return out;
}

function statuses(row: Reason, preflight: boolean): number[] {
  if (row.firefox?.suffix !== 'status') return [preflight ? 204 : 200];
  if (row.id === 'preflight-status') return [404, 500];
  return preflight ? [204, 401] : [200, 500];
}

const CASES = cases();

describe('every row × browser × API, read back and drafted', () => {
  it('covers every row of the table in each browser that has it', () => {
    const covered = new Set(CASES.map((c) => `${c.row.id}/${c.browser}`));
    for (const row of REASONS) {
      if (row.chromium) expect(covered).toContain(`${row.id}/chromium`);
      if (row.firefox) expect(covered).toContain(`${row.id}/firefox`);
    }
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = recognised(c.line);
    const netError = c.browser === 'chromium' && c.row.chromium?.netError !== undefined;
    expect(r.browser).toBe(c.browser);
    expect(r.message).toBe(c.line);
    expect(r.candidates).toContain(c.row.id);
    if (r.candidates.length === 1) expect(r.reasonId).toBe(c.row.id);
    expect(r.ignored).toEqual([]);
    if (c.browser === 'chromium' && !netError) {
      expect(r.url).toBe(c.ctx.url);
      expect(r.redirectedFrom).toBe(c.ctx.redirectedFrom);
      expect(r.origin).toBe(PAGE);
      expect(r.initiator).toBe(c.ctx.initiator);
      // Where the line tells (the preflight prefix, or a row that fails only there), the reading says it.
      if (c.row.chromium?.preflightCorsError !== undefined || PREFLIGHT_ONLY.has(c.row.id)) expect(r.preflight).toBe(c.ctx.preflight);
      else if (r.preflight !== null) expect(r.preflight).toBe(c.ctx.preflight);
      expect(r.corsError).toBe(chromiumCorsError(c.row, c.ctx));
      if (c.row.chromium?.reportsValue) expect(r.value).toBe(c.ctx.value);
      expect(r.missing).not.toContain('origin');
    }
    if (c.browser === 'firefox') {
      expect(r.url).toBe(c.ctx.url);
      expect(r.origin).toBeNull();
      expect(r.initiator).toBeNull();
      expect(r.missing).toEqual(expect.arrayContaining(['origin', 'initiator']));
      expect(r.firefoxKey).toBe(c.row.firefox?.key);
      if (c.row.firefox?.suffix === 'status') expect(r.status).toBe(c.ctx.status);
      if (PREFLIGHT_ONLY.has(c.row.id)) expect(r.preflight).toBe(true);
      if (r.value !== null) expect(r.value).toBe(c.ctx.value);
    }
    if (CREDENTIALED.has(c.row.id)) expect(r.credentials).toBe('include');
    if (NO_SCENARIO.has(c.row.id)) {
      expect(r.scenario).toBeNull();
      return;
    }
    // The round trip: the draft for this row fails with it, with the very same line.
    const draft = r.reasonId === c.row.id ? r : draftScenario(r, {}, c.row.id);
    expect(draft.note).toBeNull();
    expect(draft.reproduces).toBe(true);
    expect(outcome(draft.scenario as Scenario, c.browser)).toEqual({ id: c.row.id, message: c.line });
  });

  it('reads Firefox\'s "did not succeed" as its own generic row, and lists the redirect rows that print it too', () => {
    const row = REASONS.find((x) => x.id === 'did-not-succeed') as Reason;
    const r = recognised(firefoxMessage(row, CASES[0]?.ctx as ReasonContext));
    expect(r.reasonId).toBe('did-not-succeed');
    expect(r.candidates).toEqual(['redirect-contains-credentials', 'redirect-not-http', 'too-many-redirects', 'did-not-succeed']);
    expect(r.missing).toContain('reason');
    expect(r.scenario).toBeNull();
    expect(r.note).toMatch(/no scenario fails this way/);
  });
});

describe('generated scenarios: each browser\'s line read back reproduces', () => {
  const world = { pageOrigin: 'http://127.0.0.1:3000', targetOrigin: 'http://127.0.0.1:4000', otherOrigin: 'http://127.0.0.1:5000' };
  const generated = generate(world, { count: 1500, seed: 11 });
  it('for every blocked browser of 1500 generated cases', () => {
    let lines = 0;
    const failures: string[] = [];
    for (const { id, scenario } of generated) {
      const v = evaluate(scenario);
      for (const browser of ['chromium', 'firefox'] as const) {
        const reasonId = v.browsers[browser].reasonId;
        const message = browser === 'chromium' ? v.chromium?.message : v.firefox?.message;
        if (reasonId === null || !message) continue;
        lines++;
        const r = readConsoleLine(message);
        if (!r.recognised) {
          failures.push(`${id} ${browser}: not recognised: ${message}`);
          continue;
        }
        if (!r.candidates.includes(reasonId)) failures.push(`${id} ${browser}: read as ${r.candidates.join('|')}, is ${reasonId}`);
        const draft = r.reasonId === reasonId ? r : draftScenario(r, {}, reasonId);
        if (!draft.reproduces) failures.push(`${id} ${browser} ${reasonId}: ${draft.note ?? ''}`);
        if (browser === 'chromium' && !v.chromium?.netError) expect(r.origin).toBe(scenario.request.origin);
      }
    }
    expect(lines).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  });
});

describe('real lines', () => {
  // Firefox's captured lines (src/doctor/fixtures/firefox.capture.json) are read in test/cli/explain-console.test.ts: the engine's tests read no files.
  const chromium: Array<[string, Partial<ConsoleReading>]> = [
    // README.md's report of the doubled-header demo, and src/engine/evaluate.test.ts's XHR line (both checked against Chromium).
    [
      "Access to fetch at 'http://127.0.0.1:41234/api/items' from origin 'http://localhost:5173' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header contains multiple values 'http://localhost:5173, http://localhost:5173', but only one is allowed. Have the server send the header with a valid value.",
      { reasonId: 'multiple-allow-origin', corsError: 'MultipleAllowOriginValues', value: 'http://localhost:5173, http://localhost:5173', initiator: 'fetch', origin: 'http://localhost:5173' },
    ],
    [
      "Access to XMLHttpRequest at 'https://api.example/data' from origin 'https://app.example' has been blocked by CORS policy: The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'. The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.",
      { reasonId: 'wildcard-with-credentials', corsError: 'WildcardOriginNotAllowed', initiator: 'xhr', credentials: 'include', preflight: false },
    ],
  ];
  it.each(chromium)('Chromium: %s', (line, expected) => {
    const r = recognised(line);
    expect(r).toMatchObject(expected);
    expect(r.reproduces).toBe(true);
  });
});

describe('lines as copied from DevTools', () => {
  const chromiumLine = "Access to fetch at 'https://api.example.com/me' from origin 'https://app.example.com' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource.";
  const firefoxLine = 'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example.com/me. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 401.';

  it.each([
    ['a source location before it', `(index):1 ${chromiumLine}`, ['(index):1']],
    ['the network line under it', `${chromiumLine}\nmain.js:12   PUT https://api.example.com/me net::ERR_FAILED`, []],
    ['a location line of its own', `localhost/:1\n${chromiumLine}\napp.js:3:9 PUT https://api.example.com/me net::ERR_FAILED`, []],
    ['the script error after it', `${chromiumLine}\nUncaught (in promise) TypeError: Failed to fetch`, ['Uncaught (in promise) TypeError: Failed to fetch']],
    ['wrapped over lines', chromiumLine.replace(' has been ', '\nhas been ').replace(' request ', '\r\nrequest '), []],
    ['no-break spaces', chromiumLine.replace(/ /g, '\u00a0'), []],
  ])('Chromium with %s', (_name, text, ignored) => {
    const r = recognised(text);
    expect(r).toMatchObject({ reasonId: 'missing-allow-origin', corsError: 'PreflightMissingAllowOriginHeader', preflight: true, url: 'https://api.example.com/me', origin: PAGE, message: chromiumLine, ignored });
    expect(r.reproduces).toBe(true);
  });

  it("takes the method and status from Chromium's network line", () => {
    const r = recognised(`${chromiumLine}\nPUT https://api.example.com/me net::ERR_FAILED`);
    expect(r.method).toBe('PUT');
    expect(r.scenario?.request.method).toBe('PUT');
    expect(r.assumed.map((a) => a.field)).not.toContain('method');
    const response = recognised(`Access to fetch at 'https://api.example.com/me' from origin '${PAGE}' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.\nGET https://api.example.com/me net::ERR_FAILED 401 (Unauthorized)`);
    expect(response).toMatchObject({ method: 'GET', status: 401, preflight: false, reproduces: true });
    expect(response.scenario?.response.status).toBe(401);
  });

  it("reads a network error from Chromium's network line alone, with its URL", () => {
    const r = recognised('GET https://api.example.com/loop net::ERR_TOO_MANY_REDIRECTS');
    expect(r).toMatchObject({ reasonId: 'too-many-redirects', netError: 'ERR_TOO_MANY_REDIRECTS', url: 'https://api.example.com/loop', method: 'GET', reproduces: true });
    const bare = recognised('Failed to load resource: net::ERR_UNSAFE_REDIRECT');
    expect(bare).toMatchObject({ reasonId: 'redirect-not-http', url: null, reproduces: true });
    expect(bare.missing).toContain('url');
  });

  it("reads older Chromium's no-cors advice as today's message", () => {
    const old = "Access to fetch at 'https://api.example.com/me' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource. If an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled.";
    expect(recognised(old)).toMatchObject({ reasonId: 'missing-allow-origin', preflight: false, reproduces: true });
    const mismatch = `Access to fetch at 'https://api.example.com/me' from origin '${PAGE}' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'https://app.example.com/' that is not equal to the supplied origin. Have the server send the header with a valid value, or, if an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled.`;
    const r = recognised(mismatch);
    expect(r).toMatchObject({ reasonId: 'allow-origin-mismatch', value: 'https://app.example.com/', reproduces: true });
    expect(r.message).toMatch(/supplied origin\. Have the server send the header with a valid value\.$/);
  });

  it.each([
    ['a timestamp and [Learn More]', `12:03:44.512 ${firefoxLine} [Learn More]`, ['12:03:44.512', '[Learn More]']],
    ['Learn More without brackets', `${firefoxLine} Learn More`, ['Learn More']],
    ['straight quotes', firefoxLine.replace(/[‘’]/g, "'"), []],
  ])('Firefox with %s', (_name, text, ignored) => {
    const r = recognised(text);
    expect(r).toMatchObject({ browser: 'firefox', reasonId: 'missing-allow-origin', status: 401, url: 'https://api.example.com/me', origin: null, message: firefoxLine, ignored });
    expect(r.reproduces).toBe(true);
  });

  it('takes what the caller knows for what a Firefox line does not say, never over what it says', () => {
    const r = recognised(firefoxLine, { origin: PAGE, method: 'DELETE', headers: [['Authorization', 'Bearer t']], initiator: 'xhr', credentials: 'include' });
    expect(r.scenario?.request).toEqual({ url: 'https://api.example.com/me', origin: PAGE, method: 'DELETE', headers: [['Authorization', 'Bearer t']], credentials: 'include', initiator: 'xhr' });
    expect(r.reproduces).toBe(true);
    expect(r.assumed.map((a) => a.field)).not.toEqual(expect.arrayContaining(['origin', 'method', 'initiator', 'credentials', 'request-headers']));
    // A Chromium line's origin stays the line's.
    expect(recognised(chromiumLine, { origin: 'https://other.example' }).scenario?.request.origin).toBe(PAGE);
  });

  it('lists what the line cannot tell, and what the draft assumed for it', () => {
    const r = recognised(firefoxLine);
    expect(r.missing).toEqual(['origin', 'initiator', 'method', 'request-headers', 'credentials', 'preflight', 'response-headers']);
    expect(r.assumed.find((a) => a.field === 'origin')?.value).toBe('https://app.example');
    expect(recognised(chromiumLine).missing).toEqual(['method', 'request-headers', 'credentials', 'status', 'response-headers']);
  });

  it('reads a redirect Chromium names, and drafts it (a tainted origin included)', () => {
    const line = `Access to fetch at 'https://cdn.example.net/a' (redirected from 'https://old.example.org/a') from origin '${PAGE}' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value '${PAGE}' that is not equal to the supplied origin. Have the server send the header with a valid value.`;
    const r = recognised(line);
    expect(r).toMatchObject({ redirectedFrom: 'https://old.example.org/a', url: 'https://cdn.example.net/a', value: PAGE, reproduces: true });
    expect(r.scenario?.redirects?.[0]?.headers).toContainEqual(['Location', 'https://cdn.example.net/a']);
  });
});

describe('not console lines', () => {
  it.each([
    ['empty', '', /empty/],
    ['blank lines', ' \n \n', /empty/],
    ['prose', 'my fetch does not work, help', /not a CORS console line.*Access to fetch at/],
    ['a scenario JSON', '{"request": {"url": "https://api.example/"}}', /not a CORS console line/],
    ['the script error', 'Uncaught (in promise) TypeError: Failed to fetch', /script's own error/],
    ['Firefox script error', 'TypeError: NetworkError when attempting to fetch resource.', /script's own error/],
    ['the network line alone', 'GET https://api.example.com/me net::ERR_FAILED 200 (OK)', /says only that the request failed/],
    ['a reason no row has (Chromium)', `Access to fetch at 'http://192.168.0.2/' from origin '${PAGE}' has been blocked by CORS policy: Permission was denied for this request to access the \`unknown\` address space.`, /Chromium CORS message.*no row.*Permission was denied/],
    ['a reason no row has (Firefox)', 'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example.com/. (Reason: something new).', /Firefox CORS message.*"something new"/],
    ['a truncated reason', `Access to fetch at 'https://api.example.com/' from origin '${PAGE}' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present`, /Chromium CORS message.*no row/],
    ['an unknown API word', `Access to image at 'https://api.example.com/' from origin '${PAGE}' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.`, /not a CORS console line/],
    ['too long', 'x'.repeat(100_001), /characters long/],
  ])('%s', (_name, text, why) => {
    expect(missed(text).why).toMatch(why);
  });

  it("names Firefox's warning (the request passed)", () => {
    const r = missed('Cross-Origin Request Warning: The Same Origin Policy will disallow reading the remote resource at https://api.example.com/ soon. (Reason: When the `Access-Control-Allow-Headers` is `*`, the `Authorization` header is not covered. To include the `Authorization` header, it must be explicitly listed in CORS header `Access-Control-Allow-Headers`).');
    expect(r).toMatchObject({ browser: 'firefox', warningId: 'authorization-covered-by-wildcard' });
    expect(r.why).toMatch(/was allowed/);
  });

  it('a line that is nearly right is not read as another row', () => {
    const base = "Access to fetch at 'https://api.example.com/' from origin 'https://app.example.com' has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.";
    expect(recognised(base).reasonId).toBe('method-not-allowed');
    expect(missed(base.replace('Method PUT', 'Methods PUT')).browser).toBe('chromium');
    expect(missed(base.replace("from origin 'https://app.example.com'", 'from origin')).recognised).toBe(false);
  });
});

/** Initiator list for the type checker (every API has cases above). */
const _apis: Initiator[] = ['fetch', 'xhr', 'eventsource'];
void _apis;

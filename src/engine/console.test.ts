/**
 * The console-line reader: every row of the reason table × browser × client
 * API (× preflight, × redirect where the row has them) built by the table's
 * own builders, read back, its draft evaluated to the same row and message;
 * generated scenarios the same way; real Chromium lines; DevTools decorations;
 * garbage and near misses. WebKit's lines (its three per block, alone or
 * together, with Safari's and WebKitGTK's decorations) the same way, their
 * drafts checked with evaluateIn('webkit'). (The Firefox lines captured from
 * the browser are read in test/cli/explain-console.test.ts, which may read files.)
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../test/generator.js';
import type { ConsoleNotRecognised, ConsoleReading } from './console.js';
import { draftScenario, readConsoleLine } from './console.js';
import { evaluate, evaluateIn, webkitConsole } from './evaluate.js';
import type { Reason, ReasonContext, ReasonId } from './reasons.js';
import { REASONS, chromiumCorsError, chromiumMessage, firefoxMessage, reason, webkitConsoleLines, webkitMessage } from './reasons.js';
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
  // The target's address space (Local Network Access), as Chromium 156 names it.
  'local-network-permission-denied': ['loopback', 'local'],
  'insecure-local-network': ['loopback', 'local'],
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
    expect(r.candidates).toEqual(['redirect-contains-credentials', 'redirect-not-http', 'too-many-redirects', 'local-network-permission-denied', 'did-not-succeed']);
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
    // Seen in Chromium 156 (fetch()'s targetAddressSpace naming another space than the server's): not modelled.
    ['a reason no row has (Chromium)', `Access to fetch at 'http://lan.example/' from origin '${PAGE}' has been blocked by CORS policy: Request had a target IP address space of \`loopback\` yet the resource is in address space \`local\`.`, /Chromium CORS message.*no row.*Request had a target/],
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

// ---------------------------------------------------------------------------
// WebKit: three lines per block (the reason, "<API> cannot load <url> ...", "Failed to load resource: <reason>").

/** WebKit's reason line for a scenario, and the row: what a draft must reproduce. */
function webkitOutcome(scenario: Scenario): { id: ReasonId | null; reasonLine: string | null; lines: string[] } {
  const o = evaluateIn('webkit', scenario);
  const row = o.reasonId === null ? null : reason(o.reasonId);
  return {
    id: o.reasonId,
    reasonLine: row !== null && row.webkit !== null && o.context !== null ? webkitMessage(row, o.context) : null,
    lines: webkitConsole(scenario, o).map((l) => l.text),
  };
}

/** What a WebKit line names, per row: [value, request Origin, status] variants (the test's own list). */
const WEBKIT_VARIANTS: Partial<Record<ReasonId, Array<{ value?: string; requestOrigin?: string; status?: number }>>> = {
  'missing-allow-origin': [{ status: 200 }, { status: 500 }, { requestOrigin: 'null', status: 200 }],
  'invalid-allow-origin': [{ value: 'app.example.com', status: 200 }],
  'allow-origin-mismatch': [{ value: 'https://other.example', status: 404 }, { value: `${PAGE}/`, requestOrigin: 'null', status: 200 }],
  'multiple-allow-origin': [{ value: `${PAGE}, ${PAGE}` }],
  'preflight-status': [{ status: 401 }, { status: 500 }, { status: 301 }],
  'invalid-allow-methods': [{ value: 'GET POST' }, { value: 'PUT;' }],
  'invalid-allow-headers': [{ value: 'X-A X-B' }],
  'method-not-allowed': [{ value: 'PUT' }, { value: 'DELETE' }],
  'header-not-allowed': [{ value: 'x-custom' }, { value: 'Content-Type' }, { value: 'Authorization' }],
  'redirect-contains-credentials': [{ value: 'https://user:pw@cdn.example.net/a' }],
  'redirect-not-http': [{ value: 'data:text/plain,hello' }],
};
/** Rows WebKit reports after a refused redirect, with "Cross-origin redirection to <url> denied ...: " before the reason (always for the redirect rows). */
const WEBKIT_REDIRECTED = new Set<ReasonId>(['missing-allow-origin', 'invalid-allow-origin', 'allow-origin-mismatch', 'multiple-allow-origin', 'wildcard-with-credentials', 'missing-allow-credentials', 'redirect-contains-credentials', 'redirect-not-http']);
const WEBKIT_ONLY_REDIRECTED = new Set<ReasonId>(['redirect-contains-credentials', 'redirect-not-http']);
const REDIRECT_TO = 'https://cdn.example.net/a';

/** How a block may be pasted: the lines as WebKit logs them, decorated as Safari's or WebKitGTK's console shows them. */
const WEBKIT_PASTES: Array<[string, (lines: string[]) => string]> = [
  ['the reason line alone', (l) => l[0] as string],
  ['the three lines', (l) => l.join('\n')],
  ["Safari's [Error] and source location", (l) => l.map((x, i) => `[Error] ${x}${i === 2 ? ' (a, line 0)' : ''}`).join('\n')],
  ["WebKitGTK's stderr", (l) => [`CONSOLE SECURITY ERROR ${l[0] ?? ''}`, `CONSOLE JS ERROR ${l[1] ?? ''}`, `CONSOLE NETWORK ERROR ${l[2] ?? ''}`].join('\n')],
  ['the network line alone', (l) => l[2] as string],
  ['the lines in another order, a blank line between', (l) => [l[2], '', l[1], l[0]].join('\n')],
];

interface WebKitCase {
  name: string;
  row: Reason;
  ctx: ReasonContext;
  lines: string[];
}

function webkitCases(): WebKitCase[] {
  const out: WebKitCase[] = [];
  for (const row of REASONS) {
    if (row.webkit === null) continue;
    for (const initiator of ['fetch', 'xhr', 'eventsource'] as const) {
      const redirects = WEBKIT_ONLY_REDIRECTED.has(row.id) ? [true] : WEBKIT_REDIRECTED.has(row.id) ? [false, true] : [false];
      for (const redirected of redirects) {
        const preflight = PREFLIGHT_ONLY.has(row.id);
        if (initiator === 'eventsource' && preflight) continue;
        for (const variant of WEBKIT_VARIANTS[row.id] ?? [{}]) {
          const status = redirected && !WEBKIT_ONLY_REDIRECTED.has(row.id) ? 302 : (variant.status ?? (preflight ? 204 : 200));
          const ctx: ReasonContext = {
            url: URL_,
            redirectedFrom: null,
            origin: PAGE,
            requestOrigin: variant.requestOrigin ?? PAGE,
            initiator,
            credentials: CREDENTIALED.has(row.id) ? 'include' : 'same-origin',
            method: row.id === 'method-not-allowed' ? (variant.value ?? 'PUT') : 'GET',
            value: variant.value ?? '',
            status,
            preflight,
            ...(redirected ? { redirectTo: row.id === 'redirect-not-http' ? (variant.value ?? '') : REDIRECT_TO } : {}),
          };
          const lines = webkitConsoleLines([], row, ctx, 0).map((l) => l.text);
          const name = `${row.id} ${initiator}${redirected ? ' redirected' : ''} '${variant.value ?? ''}' ${ctx.requestOrigin} ${status}`;
          out.push({ name, row, ctx, lines });
        }
      }
    }
  }
  return out;
}

const WEBKIT_CASES = webkitCases();

describe("WebKit: every row × API × redirect, each way of pasting its lines, read back and drafted", () => {
  it('covers every row WebKit reports, with and without a refused redirect', () => {
    const covered = new Set(WEBKIT_CASES.map((c) => `${c.row.id}${c.ctx.redirectTo === undefined ? '' : ' redirected'}`));
    for (const row of REASONS) {
      if (row.webkit === null) continue;
      if (!WEBKIT_ONLY_REDIRECTED.has(row.id)) expect(covered).toContain(row.id);
      if (WEBKIT_REDIRECTED.has(row.id)) expect(covered).toContain(`${row.id} redirected`);
    }
  });

  const table = WEBKIT_CASES.flatMap((c) => WEBKIT_PASTES.map(([how, paste]) => [`${c.name}: ${how}`, c, how, paste(c.lines)] as const));
  it.each(table)('%s', (_name, c, how, text) => {
    const reasonLine = c.lines[0] as string;
    const r = recognised(text);
    expect(r.browser).toBe('webkit');
    expect(r.message).toBe(reasonLine);
    expect(r.candidates).toContain(c.row.id);
    if (r.candidates.length === 1) expect(r.reasonId).toBe(c.row.id);
    for (const line of r.lines) expect(c.lines).toContain(line);
    expect([r.corsError, r.netError, r.firefoxReason, r.firefoxKey, r.redirectedFrom]).toEqual([null, null, null, null, null]);
    expect(r.redirectTo).toBe(c.ctx.redirectTo ?? null);
    const withApiLine = how !== 'the reason line alone' && how !== 'the network line alone';
    expect(r.url).toBe(withApiLine ? URL_ : null);
    expect(r.initiator).toBe(withApiLine ? c.ctx.initiator : null);
    if (!withApiLine) expect(r.missing).toEqual(expect.arrayContaining(['url', 'initiator']));
    if (reasonLine.includes(`Origin ${c.ctx.requestOrigin} `)) {
      expect(r.requestOrigin).toBe(c.ctx.requestOrigin);
      expect(r.origin).toBe(c.ctx.requestOrigin === 'null' ? null : PAGE);
      expect(r.missing).toContain('reason');
    }
    if (/Status code: \d+$/.test(reasonLine)) expect(r.status).toBe(c.ctx.status);
    if (c.row.chromium?.reportsValue || c.row.id.startsWith('invalid-allow-') || c.row.id === 'redirect-contains-credentials') {
      if (r.value !== null) expect(r.value).toBe(c.ctx.value);
    }
    if (PREFLIGHT_ONLY.has(c.row.id)) expect(r.preflight).toBe(true);
    if (c.ctx.redirectTo !== undefined) expect(r.preflight).toBe(false);
    if (CREDENTIALED.has(c.row.id)) expect(r.credentials).toBe('include');
    // The round trip: the reading's draft fails in WebKit with a row the line may be, logging the very same lines.
    expect(r.note).toBeNull();
    expect(r.reproduces).toBe(true);
    const o = webkitOutcome(r.scenario as Scenario);
    expect(r.candidates).toContain(o.id);
    expect(o.reasonLine).toBe(reasonLine);
    for (const line of r.lines) expect(o.lines).toContain(line);
  });

  it('reads a missing, mismatched or invalid Access-Control-Allow-Origin as one line, and drafts a missing one', () => {
    const r = recognised(`Origin ${PAGE} is not allowed by Access-Control-Allow-Origin. Status code: 200`);
    expect(r).toMatchObject({ reasonId: 'missing-allow-origin', candidates: ['missing-allow-origin', 'invalid-allow-origin', 'allow-origin-mismatch'], origin: PAGE, requestOrigin: PAGE, status: 200, value: null });
    expect(r.missing).toContain('reason');
    expect(r.scenario?.response).toEqual({ status: 200, headers: [] });
    // The other candidates' drafts: a mismatch reproduces the line too; WebKit reads an invalid value as a mismatch.
    expect(draftScenario(r, {}, 'allow-origin-mismatch').reproduces).toBe(true);
    expect(draftScenario(r, {}, 'invalid-allow-origin').note).toMatch(/WebKit blocks the drafted request for another reason \('allow-origin-mismatch'\)/);
  });

  it("reads \"Origin null\" as a request whose Origin was null: the page's origin unknown, a tainting redirect drafted", () => {
    const r = recognised(`Origin null is not allowed by Access-Control-Allow-Origin. Status code: 200\nFetch API cannot load ${URL_} due to access control checks.`);
    expect(r).toMatchObject({ origin: null, requestOrigin: 'null', url: URL_, reproduces: true });
    expect(r.missing).toContain('origin');
    expect(r.scenario?.redirects?.[0]?.headers).toContainEqual(['Location', URL_]);
    expect(r.assumed.find((a) => a.field === 'url')?.value).toMatch(/redirected to .*Origin: null/);
    // A page whose origin is null (a sandboxed iframe) needs no redirect.
    expect(recognised(r.lines[0] as string, { origin: 'null' })).toMatchObject({ reproduces: true, scenario: { request: { origin: 'null' } } });
  });

  it("reads the \"cannot load\" line alone: the URL and the API, every row WebKit reports as a candidate", () => {
    const r = recognised(`[Error] XMLHttpRequest cannot load ${URL_} due to access control checks.`);
    expect(r).toMatchObject({ browser: 'webkit', url: URL_, initiator: 'xhr', reproduces: true, ignored: ['[Error]'] });
    expect(r.candidates).toEqual(REASONS.filter((x) => x.webkit !== null).map((x) => x.id));
    expect(r.missing).toEqual(expect.arrayContaining(['reason', 'origin', 'status']));
  });

  it('takes what the caller knows for what the line does not say', () => {
    const r = recognised('Request header field x-custom is not allowed by Access-Control-Allow-Headers.', { origin: PAGE, method: 'PUT', initiator: 'fetch', credentials: 'include' });
    expect(r.scenario?.request).toMatchObject({ origin: PAGE, method: 'PUT', initiator: 'fetch', credentials: 'include', headers: [['x-custom', 'x']] });
    expect(r.reproduces).toBe(true);
    // WebKit's "Status code" at a response: a request the caller says is preflighted fails at its response.
    const put = recognised(`Origin ${PAGE} is not allowed by Access-Control-Allow-Origin. Status code: 401`, { method: 'PUT' });
    expect(put).toMatchObject({ reproduces: true, scenario: { response: { status: 401 } } });
  });

  it('leaves lines of another block aside', () => {
    const other = 'Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.';
    const r = recognised(`Method PUT is not allowed by Access-Control-Allow-Methods.\nFetch API cannot load ${URL_} due to access control checks.\n${other}\nRefused to set unsafe header "Cookie"`);
    expect(r).toMatchObject({ reasonId: 'method-not-allowed', method: 'PUT', url: URL_, reproduces: true });
    expect(r.ignored).toEqual(['Refused to set unsafe header "Cookie"', other]);
  });
});

describe("WebKit: generated scenarios' lines read back reproduce", () => {
  const world = { pageOrigin: 'http://127.0.0.1:3000', targetOrigin: 'http://127.0.0.1:4000', otherOrigin: 'http://127.0.0.1:5000' };
  it('for every case of 1500 generated ones WebKit blocks', () => {
    let blocked = 0;
    const failures: string[] = [];
    for (const { id, scenario } of generate(world, { count: 1500, seed: 12 })) {
      const o = evaluateIn('webkit', scenario);
      if (o.reasonId === null) continue;
      blocked++;
      const lines = webkitConsole(scenario, o).map((l) => l.text);
      // evaluate()'s WebKit report carries the same lines, and its reason line among them.
      const report = evaluate(scenario).webkit;
      if (JSON.stringify(report?.messages) !== JSON.stringify(lines) || !lines.includes(report?.message ?? '')) failures.push(`${id}: evaluate().webkit ${JSON.stringify(report)}`);
      const r = readConsoleLine(lines.join('\n'));
      if (!r.recognised) {
        failures.push(`${id}: not recognised: ${lines.join(' | ')}`);
        continue;
      }
      if (!r.candidates.includes(o.reasonId)) failures.push(`${id}: read as ${r.candidates.join('|')}, is ${o.reasonId}`);
      if (!r.reproduces) failures.push(`${id} ${o.reasonId}: ${r.note ?? ''}`);
      if (r.url !== o.context?.url) failures.push(`${id}: url ${r.url ?? ''}`);
    }
    expect(blocked).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  });
});

describe('real WebKit lines (test/browser/webkit-harness.test.ts, BROWSER-FACTS.md, reasons.test.ts)', () => {
  const page = 'http://127.0.0.1:41001';
  const target = 'http://localhost:41002';
  const block = (api: string, id: string, reasonLine: string): string => [reasonLine, `${api} cannot load ${target}/c/${id}/0 due to access control checks.`, `Failed to load resource: ${reasonLine}`].join('\n');
  const real: Array<[string, string, Partial<ConsoleReading>]> = [
    ['wildcard with credentials', block('Fetch API', 'wk-wildcard-creds', 'Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.'), { reasonId: 'wildcard-with-credentials', credentials: 'include', initiator: 'fetch', url: `${target}/c/wk-wildcard-creds/0` }],
    ['a missing Access-Control-Allow-Origin, XHR', block('XMLHttpRequest', 'wk-missing-acao-xhr', `Origin ${page} is not allowed by Access-Control-Allow-Origin. Status code: 200`), { reasonId: 'missing-allow-origin', origin: page, status: 200, initiator: 'xhr' }],
    ['a missing Access-Control-Allow-Origin, EventSource', block('EventSource', 'wk-missing-acao-es', `Origin ${page} is not allowed by Access-Control-Allow-Origin. Status code: 200`), { reasonId: 'missing-allow-origin', initiator: 'eventsource' }],
    ['a header not allowed', block('Fetch API', 'wk-header', 'Request header field x-custom is not allowed by Access-Control-Allow-Headers.'), { reasonId: 'header-not-allowed', value: 'x-custom', valueName: 'request header', preflight: true }],
    ['a method not allowed', block('Fetch API', 'wk-method', 'Method PUT is not allowed by Access-Control-Allow-Methods.'), { reasonId: 'method-not-allowed', method: 'PUT', preflight: true }],
    ['a preflight answered 500', block('Fetch API', 'wk-pf-500', 'Preflight response is not successful. Status code: 500'), { reasonId: 'preflight-status', status: 500, preflight: true }],
    ['Access-Control-Allow-Credentials missing', block('Fetch API', 'wk-acac-missing', 'Credentials flag is true, but Access-Control-Allow-Credentials is not "true".'), { reasonId: 'missing-allow-credentials', credentials: 'include' }],
    ['BROWSER-FACTS: X-Custom as XHR wrote it', 'Request header field X-Custom is not allowed by Access-Control-Allow-Headers.', { reasonId: 'header-not-allowed', value: 'X-Custom' }],
    [
      'a redirect to user:password@ (as reasons.test.ts logs it, source first)',
      '[security] Cross-origin redirection to https://other.example/x denied by Cross-Origin Resource Sharing policy: redirection URL https://user:pw@other.example/x has credentials\n[javascript] Fetch API cannot load https://api.example/data due to access control checks.',
      { reasonId: 'redirect-contains-credentials', redirectTo: 'https://other.example/x', value: 'https://user:pw@other.example/x', url: 'https://api.example/data', preflight: false, ignored: ['[security]', '[javascript]'] },
    ],
  ];
  it.each(real)('%s', (_name, text, expected) => {
    const r = recognised(text);
    expect(r).toMatchObject({ browser: 'webkit', ...expected });
    expect(r.reproduces).toBe(true);
  });
});

describe('WebKit: not console lines', () => {
  it.each([
    ["Safari's script error", 'Unhandled Promise Rejection: TypeError: Load failed', /script's own error/],
    ['an error status a page can read', '[Error] Failed to load resource: the server responded with a status of 500 (Internal Server Error)', /only that the response had an error status/],
    ['a redirect refused for a reason no row has', 'Cross-origin redirection to https://other.example/ denied by Cross-Origin Resource Sharing policy: something new', /WebKit CORS message.*no row.*"something new"/],
  ])('%s', (_name, text, why) => {
    expect(missed(text).why).toMatch(why);
  });
  it('names WebKit in the examples of a line it reads', () => {
    expect(missed('hello').why).toMatch(/WebKit \(Safari\) logs: "Origin https:\/\/app\.example\.com is not allowed by Access-Control-Allow-Origin\. Status code: 200"/);
  });
});

/** Initiator list for the type checker (every API has cases above). */
const _apis: Initiator[] = ['fetch', 'xhr', 'eventsource'];
void _apis;

import { describe, expect, it } from 'vitest';
import { diagnoseHar } from '../doctor/har.js';
import { readConsoleLine } from '../engine/console.js';
import { evaluate } from '../engine/evaluate.js';
import type { Scenario } from '../engine/types.js';
import type { InputOutcome } from './inputs.js';
import { MAX_HAR_BYTES, MAX_HAR_BYTES_IN_PAGE, MAX_HAR_ROWS, harSizeProblem, jsonCutShort, notJsonProblem, readConsoleInput, readCurlInput, readHarText } from './inputs.js';

const CHROMIUM_LINE =
  "Access to fetch at 'https://api.example.com/v1/me' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.";
const FIREFOX_LINE =
  'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example.com/v1/me. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.';

const CURRENT: Scenario = {
  request: { url: 'https://old.example/', origin: 'https://page.example', method: 'GET', headers: [], credentials: 'same-origin', initiator: 'xhr' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', '*']] },
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
};

function refusal(o: InputOutcome): string {
  if (o.ok) throw new Error(`read, not refused: ${o.summary.join('; ')}`);
  return o.message;
}
function reading(o: InputOutcome) {
  if (!o.ok) throw new Error(`refused: ${o.message}`);
  return o;
}

describe('a console line', () => {
  it("fills the form with the reader's draft and marks each field the line cannot tell (Chromium)", () => {
    const r = reading(readConsoleInput(CHROMIUM_LINE));
    const draft = readConsoleLine(CHROMIUM_LINE);
    expect(draft.recognised && r.scenario).toEqual(draft.recognised && draft.scenario);
    expect(r.summary[0]).toBe('Recognised a Chromium console line, fetch(), at the response: The response has no Access-Control-Allow-Origin header. (MissingAllowOriginHeader)');
    expect(r.summary).toContain('Page origin: https://app.example.com');
    expect(r.unknown.map((u) => u.control).sort()).toEqual(['credentials', 'method', 'requestHeaders', 'responseHeaders', 'responseStatus']);
    expect(r.unknown.find((u) => u.control === 'method')?.note).toBe("Not in the console line: assumed GET. Put in your request's.");
  });
  it("Firefox's line does not name the page origin or the API: those are marked too", () => {
    const r = reading(readConsoleInput(FIREFOX_LINE));
    expect(r.unknown.map((u) => u.control)).toEqual(expect.arrayContaining(['origin', 'initiator', 'preflightStatus']));
    expect(r.summary).toContain("Page origin: not in Firefox's line");
    expect(r.scenario === null ? null : evaluate(r.scenario).firefox?.message).toBe(FIREFOX_LINE);
  });
  it('refuses an empty paste and a line that is not a CORS error, saying what a line looks like', () => {
    expect(refusal(readConsoleInput('  \n '))).toMatch(/^Nothing pasted yet\. Paste the CORS error/);
    expect(refusal(readConsoleInput('Uncaught TypeError: x is not a function'))).toMatch(/^Not a CORS console line corsproof recognises: not a CORS console line of Chromium or Firefox\. Such a line looks like this/);
  });
});

describe('a Copy as cURL command', () => {
  it("takes the request from the command and keeps the form's server answers, marked", () => {
    const cmd = "curl 'https://api.example.com/v1/items' -X PUT -H 'Origin: https://app.example.com' -H 'Content-Type: application/json' -H 'User-Agent: x' --data-raw '{}'";
    const r = reading(readCurlInput(cmd, CURRENT));
    expect(r.scenario).toEqual({
      request: { url: 'https://api.example.com/v1/items', origin: 'https://app.example.com', method: 'PUT', headers: [['Content-Type', 'application/json']], credentials: 'same-origin', initiator: 'xhr' },
      preflight: CURRENT.preflight,
      response: CURRENT.response,
    });
    expect(r.unknown.map((u) => u.control)).toEqual(['initiator', 'credentials', 'preflightStatus', 'responseStatus']);
    expect(r.notes).toContain('Left out, as the browser adds them itself: user-agent.');
  });
  it("keeps the form's redirect hops and their preflights too (they are the server's answers)", () => {
    const hops = { redirects: [{ status: 307, headers: [['Location', '/moved']] as Array<[string, string]> }], redirectPreflights: [{ status: 204, headers: [['Access-Control-Allow-Origin', '*']] as Array<[string, string]> }] };
    const r = reading(readCurlInput("curl 'https://api.example.com/v1/items' -H 'Origin: https://app.example.com'", { ...CURRENT, ...hops }));
    expect([r.scenario?.request.url, r.scenario?.redirects, r.scenario?.redirectPreflights]).toEqual(['https://api.example.com/v1/items', hops.redirects, hops.redirectPreflights]);
  });
  it('reads the Windows cmd form; without Origin, the page origin is kept and marked', () => {
    const r = reading(readCurlInput('curl ^"https://api.example.com/x^" ^\n  -H ^"Accept: application/json^"', null));
    expect(r.scenario?.request.origin).toBe('https://app.example.com');
    expect(r.unknown[0]).toEqual({ control: 'origin', note: "The command has no Origin header (a same-origin request, or copied without it): kept https://app.example.com. Put in your page's origin." });
  });
  it('a cookie makes the request credentialed, and credentials are then not marked', () => {
    const r = reading(readCurlInput("curl 'https://api.example.com/x' -H 'Origin: https://app.example.com' -b 'sid=1'", CURRENT));
    expect(r.scenario?.request.credentials).toBe('include');
    expect(r.unknown.map((u) => u.control)).not.toContain('credentials');
  });
  it('refuses shell variables and command substitutions, naming them, and an empty paste', () => {
    expect(refusal(readCurlInput('curl https://x -H "Authorization: Bearer $TOKEN" -H "X-A: $(date)"', CURRENT))).toBe(
      'Cannot read this cURL command: the cURL command uses the shell variable $TOKEN and the command substitution $(date), which corsproof does not expand (it runs no shell): paste the command with the values, as DevTools copies it.',
    );
    expect(refusal(readCurlInput('', CURRENT))).toMatch(/^Nothing pasted yet\. Paste a command from DevTools/);
    expect(refusal(readCurlInput('wget https://x', CURRENT))).toBe("Cannot read this cURL command: expected a command starting with 'curl'.");
  });
});

/** A HAR entry as DevTools writes it (the fields the reader reads). */
function entry(method: string, url: string, reqHeaders: Array<[string, string]>, status: number, resHeaders: Array<[string, string]>) {
  const hs = (l: Array<[string, string]>) => l.map(([name, value]) => ({ name, value }));
  return { request: { method, url, headers: hs(reqHeaders) }, response: { status, headers: hs(resHeaders) } };
}
const ORIGIN = 'https://app.example.com';

describe('a HAR file', () => {
  const har = {
    log: {
      entries: [
        entry('GET', 'https://app.example.com/', [], 200, []),
        entry('GET', 'https://api.example.com/ok', [['Origin', ORIGIN]], 200, [['Access-Control-Allow-Origin', ORIGIN]]),
        entry('GET', 'https://api.example.com/bad', [['Origin', ORIGIN]], 200, []),
      ],
    },
  };
  it("lists the reader's cross-origin requests, blocked first, each with the form's scenario", () => {
    const r = readHarText('s.har', JSON.stringify(har));
    if (!r.ok) throw new Error(r.message);
    expect([r.entries, r.found]).toEqual([3, 2]);
    expect(r.rows.map((row) => [row.entry, row.ok, row.outcome])).toEqual([
      [2, false, 'Blocked at the response: The response has no Access-Control-Allow-Origin header.'],
      [1, true, 'Allowed'],
    ]);
    const d = diagnoseHar(har).find((x) => x.entry === 2);
    expect(r.rows[0]?.scenario).toEqual({ ...d?.scenario, request: { ...d?.scenario.request, initiator: 'fetch' } });
    expect(r.rows.map((row) => row.initiatorKnown)).toEqual([false, false]);
  });
  it('keeps the redirect hops and their preflights: the form judges the whole chain, as the HAR did', () => {
    const moved = 'https://api.example.com/moved';
    const hs = (pairs: Array<[string, string]>): Array<{ name: string; value: string }> => pairs.map(([name, value]) => ({ name, value }));
    const chain = {
      log: {
        entries: [
          { request: { method: 'PUT', url: 'https://api.example.com/x', headers: hs([['Origin', ORIGIN]]) }, response: { status: 307, headers: hs([['Location', moved], ['Access-Control-Allow-Origin', ORIGIN]]), redirectURL: moved } },
          { request: { method: 'OPTIONS', url: 'https://api.example.com/x', headers: hs([['Origin', ORIGIN], ['Access-Control-Request-Method', 'PUT']]) }, response: { status: 204, headers: hs([['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Methods', 'PUT']]) } },
          { request: { method: 'PUT', url: moved, headers: hs([['Origin', ORIGIN]]) }, response: { status: 0, headers: [] } },
          { request: { method: 'OPTIONS', url: moved, headers: hs([['Origin', ORIGIN], ['Access-Control-Request-Method', 'PUT']]) }, response: { status: 404, headers: hs([['Access-Control-Allow-Origin', ORIGIN]]) } },
        ],
      },
    };
    const r = readHarText('r.har', JSON.stringify(chain));
    if (!r.ok) throw new Error(r.message);
    const row = r.rows[0];
    const d = diagnoseHar(chain)[0];
    expect(row?.redirects).toBe(1);
    expect(row?.scenario.redirects).toEqual([{ status: 307, headers: [['Location', moved], ['Access-Control-Allow-Origin', ORIGIN]] }]);
    expect(row?.scenario.redirectPreflights).toEqual([{ status: 404, headers: [['Access-Control-Allow-Origin', ORIGIN]] }]);
    expect(row?.scenario).toEqual({ ...d?.scenario, request: { ...d?.scenario.request, initiator: 'fetch' } });
    // The form's verdict is the HAR's: no note that the form drops the hops.
    expect(evaluate(row?.scenario as Scenario)).toEqual(d?.verdict);
    expect(row?.notes.join(' ')).not.toMatch(/no place for redirects/);
  });
  it("takes the client API from Chromium's _resourceType", () => {
    const typed = { log: { entries: har.log.entries.map((e, i) => ({ ...e, _resourceType: ['document', 'xhr', 'eventsource'][i] })) } };
    const r = readHarText('c.har', JSON.stringify(typed));
    if (!r.ok) throw new Error(r.message);
    expect(r.rows.map((row) => [row.entry, row.scenario.request.initiator, row.initiatorKnown])).toEqual([
      [2, 'eventsource', true],
      [1, 'xhr', true],
    ]);
  });
  it(`lists at most ${MAX_HAR_ROWS} requests, and counts them all`, () => {
    const many = { log: { entries: Array.from({ length: MAX_HAR_ROWS + 20 }, (_, i) => entry('GET', `https://api.example.com/${i}`, [['Origin', ORIGIN]], 200, i === MAX_HAR_ROWS + 10 ? [] : [['Access-Control-Allow-Origin', '*']])) } };
    const r = readHarText('many.har', JSON.stringify(many));
    if (!r.ok) throw new Error(r.message);
    expect([r.found, r.rows.length, r.rows[0]?.entry, r.rows[0]?.ok]).toEqual([MAX_HAR_ROWS + 20, MAX_HAR_ROWS, MAX_HAR_ROWS + 10, false]);
  });
  it('says what is wrong with a file that is no HAR: truncated, binary, compressed, other JSON, other text, empty', () => {
    const text = JSON.stringify(har);
    expect(readHarText('cut.har', text.slice(0, 200))).toEqual({ ok: false, message: 'cut.har ends in the middle of its JSON (1 kB read): the file is truncated. Export it again, and let the download finish.' });
    expect(readHarText('bin.har', '\u0000\u0001\uFFFDabc')).toEqual({ ok: false, message: 'bin.har is not text (binary data): a HAR file is JSON text, as DevTools > Network > Save all as HAR writes it.' });
    expect(readHarText('x.har.gz', '\u001f\uFFFD\b\u0000')).toEqual({ ok: false, message: 'x.har.gz is gzip-compressed: unpack it first (a HAR file is JSON text).' });
    expect(readHarText('o.json', '{"log": {"pages": []}}')).toEqual({ ok: false, message: 'o.json is not a HAR file corsproof can read: not a HAR file: no log.entries array.' });
    expect(readHarText('t.txt', 'hello')).toEqual({ ok: false, message: 't.txt is not JSON (it starts with "hello"): a HAR file is JSON text, as DevTools > Network > Save all as HAR writes it.' });
    expect(readHarText('e.har', '')).toEqual({ ok: false, message: 'e.har is empty: a HAR file is JSON text. Export it again: DevTools > Network > Save all as HAR.' });
    expect(notJsonProblem('b.har', '{"a": 1,, }')).toBe('b.har is not valid JSON: a HAR file is JSON text, as DevTools > Network > Save all as HAR writes it.');
  });
  it('tells a file cut short from other broken JSON', () => {
    expect(jsonCutShort('{"a": "b\\"}')).toBe(true);
    expect(jsonCutShort('{"a": [1, {"b": "}"}')).toBe(true);
    expect(jsonCutShort('{"a": [1]}}')).toBe(false);
    expect(jsonCutShort('{"a": "]}"}')).toBe(false);
  });
  it('refuses by size before reading: over the limit, or empty', () => {
    expect(harSizeProblem('a.har', MAX_HAR_BYTES, false)).toBeNull();
    expect(harSizeProblem('a.har', MAX_HAR_BYTES + 1, false)).toBe(
      'a.har is 100.0 MB: the page reads HAR files up to 100.0 MB. Export only the requests you need (filter the Network panel, then Save all as HAR), or run corsproof check --har a.har, which has no limit.',
    );
    expect(harSizeProblem('a.har', MAX_HAR_BYTES_IN_PAGE + 1, true)).toMatch(/^a\.har is 5\.0 MB: the page reads HAR files up to 5\.0 MB when the page is opened from a file/);
    expect(harSizeProblem('a.har', 0, false)).toMatch(/^a\.har is empty \(0 bytes\)/);
  });
});

/**
 * The doctor's text report of a verdict: Chromium's, Firefox's and WebKit's
 * lines, where it is blocked when the browsers differ, and what a verdict
 * narrowed to fewer browsers judges.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../engine/evaluate.js';
import type { BrowserName, Scenario } from '../engine/types.js';
import { renderOpaque } from './opaque-text.js';
import { browserList, leadReasonId, renderVerdict } from './text.js';

const PAGE = 'https://app.example.com';
const API = 'https://api.example.com/v1/me';
const OTHER = 'https://other.example/x';

/** A credentialed GET answered with '*': every browser blocks it. */
const wildcard: Scenario = {
  request: { url: API, origin: PAGE, method: 'GET', headers: [], credentials: 'include' },
  preflight: null,
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
};

/** WebKit keeps Authorization across a redirect to another origin and preflights it again there; Chromium and Firefox drop it. */
const webkitOnly: Scenario = {
  request: { url: API, origin: PAGE, method: 'GET', headers: [['Authorization', 'Bearer t']], credentials: 'same-origin' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Headers', 'Authorization']] },
  redirects: [{ status: 307, headers: [['Access-Control-Allow-Origin', '*'], ['Location', OTHER]] }],
  redirectPreflights: [{ status: 204, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Headers', 'X-Other']] }],
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
};

/** DPR: Chromium safelists the client hint, Firefox and WebKit preflight it (and this preflight does not allow it). */
const clientHint: Scenario = {
  request: { url: API, origin: PAGE, method: 'GET', headers: [['DPR', '2']], credentials: 'same-origin' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', '*']] },
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
};

const WEBKIT_AUTH = [
  '  WebKit (Safari)  header-not-allowed',
  '    Request header field Authorization is not allowed by Access-Control-Allow-Headers.',
  `    Fetch API cannot load ${OTHER} due to access control checks.`,
  '    Failed to load resource: Request header field Authorization is not allowed by Access-Control-Allow-Headers.',
];

const text = (s: Scenario, browsers?: BrowserName[]): string[] => renderVerdict(s, evaluate(s, browsers ? { browsers } : undefined)).split('\n');

describe('renderVerdict: three browsers', () => {
  it("blocked everywhere: each browser's lines, WebKit's every console line under 'WebKit (Safari)' and corsproof's id, before the fix", () => {
    const lines = text(wildcard);
    expect(lines[0]).toBe("✗ Blocked at the response: Access-Control-Allow-Origin is '*' but the request carries credentials.");
    const at = lines.indexOf('  WebKit (Safari)  wildcard-with-credentials');
    expect(lines.slice(at, at + 5)).toEqual([
      '  WebKit (Safari)  wildcard-with-credentials',
      '    Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.',
      `    Fetch API cannot load ${API} due to access control checks.`,
      '    Failed to load resource: Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.',
      '',
    ]);
    expect(lines[at + 5]).toBe('  Fix');
    // Chromium's and Firefox's blocks come first, in that order.
    expect(lines.findIndex((l) => l.startsWith('  Chromium  WildcardOriginNotAllowed'))).toBeLessThan(lines.findIndex((l) => l.startsWith('  Firefox   CORSNotSupportingCredentials')));
    expect(lines.findIndex((l) => l.startsWith('  Firefox   '))).toBeLessThan(at);
  });

  it('blocked in WebKit only: the headline says so, the other two allow it, the fix is WebKit\'s', () => {
    const lines = text(webkitOnly);
    expect(lines[0]).toBe('✗ Blocked in WebKit only (Chromium and Firefox allow it) at the preflight: The preflight response does not allow one of the request headers.');
    expect(lines).toContain('  Chromium  allows this request.');
    expect(lines).toContain('  Firefox   allows this request.');
    const at = lines.indexOf(WEBKIT_AUTH[0] as string);
    expect(lines.slice(at, at + 4)).toEqual(WEBKIT_AUTH);
    expect(lines.join('\n')).toContain('Server: Add Authorization to `Access-Control-Allow-Headers`');
  });

  it('blocked in two of three: both named, the third allows it', () => {
    expect(text(clientHint)[0]).toBe(
      '✗ Blocked in Firefox and WebKit (Chromium allows it) at the preflight: The preflight response does not allow one of the request headers.',
    );
  });

  it('narrowed to fewer browsers: says which are judged, marks the others, shows a blocking one left out', () => {
    const passes = text(webkitOnly, ['chromium', 'firefox']);
    expect(passes.slice(0, 3)).toEqual([
      `✓ Allowed in Chromium and Firefox  GET ${API}`,
      `  from ${PAGE} (fetch(), credentials: 'same-origin')`,
      '  Judged for Chromium and Firefox only; WebKit is not judged.',
    ]);
    const at = passes.indexOf('  WebKit (Safari)  header-not-allowed  (not judged)');
    expect(at).toBeGreaterThan(0);
    expect(passes.slice(at + 1, at + 4)).toEqual(WEBKIT_AUTH.slice(1));
    expect(passes.join('\n')).not.toContain('Fix');

    const blocked = text(clientHint, ['webkit']);
    expect(blocked[0]).toBe('✗ Blocked in WebKit at the preflight: The preflight response does not allow one of the request headers.');
    expect(blocked).toContain('  Judged for WebKit only; Chromium and Firefox are not judged.');
    expect(blocked).toContain('  Chromium  allows this request.  (not judged)');
    expect(blocked.some((l) => l.startsWith('  Firefox   CORSMissingAllowHeaderFromPreflight') && l.endsWith('(not judged)'))).toBe(true);

    // Narrowed to the browsers that block alike: no 'only', nothing left out that blocks.
    const two = text(clientHint, ['firefox', 'webkit']);
    expect(two[0]).toMatch(/^✗ Blocked in Firefox and WebKit at the preflight: /);
    expect(two).toContain('  Chromium  allows this request.  (not judged)');
  });

  it('an allowed request judged by all three: no browser block, no narrowing line', () => {
    const ok: Scenario = { ...wildcard, request: { ...wildcard.request, credentials: 'omit' } };
    const lines = text(ok);
    expect(lines[0]).toBe(`✓ Allowed  GET ${API}`);
    expect(lines.join('\n')).not.toMatch(/Judged for|WebKit|Chromium|Firefox/);
  });
});

describe("renderVerdict: an opaque verdict (mode 'no-cors')", () => {
  it("is opaque-text's report, not 'Allowed'", () => {
    const s: Scenario = { ...wildcard, request: { ...wildcard.request, mode: 'no-cors' } };
    const v = evaluate(s);
    expect(v.opaque).toBe(true);
    expect(renderVerdict(s, v)).toBe(renderOpaque(s, v));
    expect(renderVerdict(s, v).split('\n')[0]).toBe(`⚠ Opaque  GET ${API}`);
  });
});

describe('leadReasonId and browserList', () => {
  it("the headline's reason: the first covered browser that blocks, else the first that blocks at all", () => {
    expect(leadReasonId(evaluate(clientHint))).toBe('header-not-allowed');
    expect(leadReasonId(evaluate(webkitOnly, { browsers: ['chromium'] }))).toBe('header-not-allowed');
    expect(leadReasonId(evaluate({ ...wildcard, request: { ...wildcard.request, credentials: 'omit' } }))).toBeNull();
  });
  it('names in words', () => {
    expect([browserList(['chromium']), browserList(['webkit', 'chromium']), browserList(['chromium', 'firefox', 'webkit'])]).toEqual([
      'Chromium',
      'Chromium and WebKit',
      'Chromium, Firefox and WebKit',
    ]);
  });
});

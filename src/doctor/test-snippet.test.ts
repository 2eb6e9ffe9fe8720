/**
 * Export as test with three browsers: corsproof/testing judges Chromium,
 * Firefox and WebKit by default, so a snippet names the browsers only when
 * some of them let the request through. Each snippet's assertion is read
 * back and held against the verdict (test/testing/snippet.test.ts runs
 * snippets with corsproof/testing itself; the doctor may not import it).
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../test/generator.js';
import { BROWSER_NAMES } from '../engine/browsers.js';
import { evaluate } from '../engine/evaluate.js';
import type { Scenario } from '../engine/types.js';
import { testSnippet } from './test-snippet.js';

const PAGE = 'https://app.example.com';
const API = 'https://api.example.com';

/** A GET with a User-Agent script set: Firefox and WebKit preflight it, Chromium does not. */
const USER_AGENT: Scenario = {
  request: { url: `${API}/v1/items`, origin: PAGE, method: 'GET', headers: [['User-Agent', 'app/1.0']], credentials: 'same-origin', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE]] },
  response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] },
};

/** A PUT redirected (303) to another origin: WebKit alone preflights the GET, with Origin: null. */
const WEBKIT_ONLY: Scenario = {
  request: { url: `${API}/v1/items`, origin: PAGE, method: 'PUT', headers: [], credentials: 'same-origin', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']] },
  redirects: [{ status: 303, headers: [['Location', 'https://cdn.example.net/items'], ['Access-Control-Allow-Origin', PAGE]] }],
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
};

/**
 * What the snippet asserts, read back from its text and held against the
 * verdict as corsproof/testing holds it: every browser it judges (those in
 * `browsers`, else the three) blocks, with the reason when one is given;
 * and the browsers it leaves out let the request through.
 */
function holds(scenario: Scenario): void {
  const v = evaluate(scenario);
  const text = testSnippet(scenario, v);
  const named = /\{ browsers: \[([^\]]*)\] \}/.exec(text)?.[1];
  const judged = named === undefined ? BROWSER_NAMES : BROWSER_NAMES.filter((b) => named.includes(`'${b}'`));
  const reason = /\.toBeBlocked\('([^']*)'\)/.exec(text)?.[1];
  expect(text).toMatch(/\.toBeBlocked\(/);
  for (const b of BROWSER_NAMES) {
    if (judged.includes(b)) {
      expect(v.browsers[b].ok, b).toBe(false);
      if (reason !== undefined) expect(v.browsers[b].reasonId, b).toBe(reason);
    } else expect(v.browsers[b].ok, b).toBe(true);
  }
}

describe('testSnippet with three browsers', () => {
  it('blocked in Firefox and WebKit only: the test names both, with their shared reason', () => {
    const v = evaluate(USER_AGENT);
    expect([v.browsers.chromium.ok, v.browsers.firefox.reasonId, v.browsers.webkit.reasonId]).toEqual([true, 'header-not-allowed', 'header-not-allowed']);
    const text = testSnippet(USER_AGENT, v);
    expect(text).toContain("test('GET /v1/items from https://app.example.com is blocked (header-not-allowed) in Firefox and WebKit', async () => {");
    expect(text).toContain(`  await expectCors('${API}', { browsers: ['firefox', 'webkit'] })`);
    expect(text).toContain(".toBeBlocked('header-not-allowed');");
    holds(USER_AGENT);
  });

  it('blocked in all three: no browsers named (corsproof/testing judges the three by default)', () => {
    const s: Scenario = { ...USER_AGENT, request: { ...USER_AGENT.request, headers: [] }, response: { status: 200, headers: [] } };
    const text = testSnippet(s, evaluate(s));
    expect(text).toContain(`  await expectCors('${API}')\n`);
    expect(text).toContain("is blocked (missing-allow-origin)', async");
    holds(s);
  });

  it('blocked in all three for reasons they name differently: toBeBlocked() without a reason', () => {
    const s: Scenario = { ...USER_AGENT, request: { ...USER_AGENT.request, headers: [] }, response: { status: 200, headers: [['Access-Control-Allow-Origin', 'app.example.com']] } };
    const v = evaluate(s);
    expect(new Set([v.browsers.chromium.reasonId, v.browsers.firefox.reasonId, v.browsers.webkit.reasonId]).size).toBeGreaterThan(1);
    const text = testSnippet(s, v);
    expect(text).toContain(`  await expectCors('${API}')\n`);
    expect(text).toContain('    .toBeBlocked();');
    holds(s);
  });

  it('blocked in WebKit only: the test holds to WebKit', () => {
    const text = testSnippet(WEBKIT_ONLY, evaluate(WEBKIT_ONLY));
    expect(text).toContain("test('PUT /v1/items from https://app.example.com is blocked (allow-origin-mismatch) in WebKit', async () => {");
    expect(text).toContain(`  await expectCors('${API}', { browsers: ['webkit'] })`);
    holds(WEBKIT_ONLY);
  });

  it('over the generated differential suite: every blocked scenario\'s snippet holds; a passing one asserts toPass()', () => {
    const world = { pageOrigin: 'http://127.0.0.1:3000', targetOrigin: 'http://127.0.0.1:4000', otherOrigin: 'http://127.0.0.1:5000' };
    for (const { scenario } of generate(world, { count: 600, seed: 2 })) {
      const v = evaluate(scenario);
      if (v.ok) expect(testSnippet(scenario, v)).toContain('    .toPass();');
      else holds(scenario);
    }
  });
});

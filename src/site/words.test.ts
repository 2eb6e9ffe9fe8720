/**
 * The verdict's browsers in words (words.ts): the page's headline and the
 * HAR list say which of Chromium, Firefox and WebKit block, for verdicts the
 * engine reaches.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../engine/evaluate.js';
import { reason } from '../engine/reasons.js';
import type { Scenario } from '../engine/types.js';
import { outcomeWords } from './inputs.js';
import { statusLine } from './render.js';
import { blockedIn, browserList, whoBlocks } from './words.js';

const PAGE = 'https://app.example.com';
const API = 'https://api.example.com/v1/items';

/** A PUT redirected (303) to another origin: WebKit alone preflights the GET there, with Origin: null. */
const WEBKIT_ONLY: Scenario = {
  request: { url: API, origin: PAGE, method: 'PUT', headers: [], credentials: 'same-origin', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']] },
  redirects: [{ status: 303, headers: [['Location', 'https://cdn.example.net/items'], ['Access-Control-Allow-Origin', PAGE]] }],
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
};
/** A User-Agent set by script: Firefox and WebKit preflight it; Chromium does not. */
const FIREFOX_WEBKIT: Scenario = {
  request: { url: API, origin: PAGE, method: 'GET', headers: [['User-Agent', 'app/1.0']], credentials: 'same-origin', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE]] },
  response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] },
};
const ALL: Scenario = { ...FIREFOX_WEBKIT, request: { ...FIREFOX_WEBKIT.request, headers: [] }, response: { status: 200, headers: [] } };
const PASSING: Scenario = { ...ALL, response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] } };

describe('the verdict in words', () => {
  it('lists browsers in the verdict\'s order', () => {
    expect(browserList(['webkit', 'chromium'])).toBe('Chromium and WebKit');
    expect(browserList(['webkit', 'firefox', 'chromium'])).toBe('Chromium, Firefox and WebKit');
    expect(browserList(['firefox'])).toBe('Firefox');
  });

  it('blocked in WebKit only: Chromium and Firefox allow it', () => {
    const v = evaluate(WEBKIT_ONLY);
    expect(whoBlocks(v)).toEqual({ blocking: ['webkit'], allowing: ['chromium', 'firefox'], reasonId: 'allow-origin-mismatch' });
    const title = reason('allow-origin-mismatch').title;
    expect(statusLine(v)).toEqual({ ok: false, word: 'Blocked', detail: ` in WebKit only (Chromium and Firefox allow it) at the preflight: ${title}` });
    expect(outcomeWords(v, null)).toBe(`Blocked in WebKit only at the preflight: ${title}`);
  });

  it('blocked in Firefox and WebKit: Chromium allows it', () => {
    const v = evaluate(FIREFOX_WEBKIT);
    expect(blockedIn(v, true)).toBe(' in Firefox and WebKit (Chromium allows it)');
    expect(blockedIn(v, false)).toBe(' in Firefox and WebKit');
    expect(whoBlocks(v).reasonId).toBe('header-not-allowed');
  });

  it('blocked in all three: nothing said of who; allowed in all three', () => {
    const v = evaluate(ALL);
    expect(blockedIn(v, true)).toBe('');
    expect(statusLine(v).detail).toBe(` at the response: ${reason('missing-allow-origin').title}`);
    expect(statusLine(evaluate(PASSING))).toEqual({ ok: true, word: 'Allowed', detail: 'Chromium, Firefox and WebKit let script read the response.' });
    expect(outcomeWords(evaluate(PASSING), null)).toBe('Allowed');
  });

  it('a verdict narrowed to some browsers speaks of those only', () => {
    const v = evaluate(WEBKIT_ONLY, { browsers: ['chromium', 'firefox'] });
    expect(statusLine(v)).toEqual({ ok: true, word: 'Allowed', detail: 'Chromium and Firefox let script read the response.' });
  });
});
